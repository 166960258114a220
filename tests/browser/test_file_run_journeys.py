"""A system admin runs the weekly ECM activity log for one health network from the browser, by
keyboard alone, at desktop and phone width: the run goes to a real Celery worker, the progress bar
moves while the worker writes the rows and says "finished" when it is done, the file downloads,
and "Run again" gives the same bytes in the same run (R-F1, R-F4). The download is in the audit
trail (R-X3). axe-core runs on every state visited. All data is synthetic."""

import datetime
import functools
import hashlib
import os
import re
from pathlib import Path

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from activities.models import EcmActivity
from common.audit.models import AuditEvent
from common.dates import business_today
from exchange import periods, tasks
from exchange.models import FileRun, RunStatus
from tests.browser.axe import assert_accessible
from tests.browser.conftest import totp_code
from tests.browser.test_letter_journeys import choose_option, focused, tab_to
from tests.exchange.factories import ecm_authorization, eligible_member
from tests.providers.factories import HealthNetworkFactory, SystemAdminFactory
from tests.workers import celery_worker

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

QUEUE = f"pytest-files-{os.getpid()}"
SHOTS = Path("/tmp/shots/file_runs")
PASSWORD = "test-pass-123"
ROWS = 42  # 6 members x 7 days of the week before this one
ROW_DELAY = "0.12"  # seconds per row in the worker: about 5 s of progress to watch


def checked(page, name: str) -> None:
    assert_accessible(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.viewport_size["width"]
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, name


@pytest.fixture
def week_of_activities(django_db_serialized_rollback):
    """A health network whose members had 42 ECM activities in the week before this one."""
    network = HealthNetworkFactory(name="Coastal Health Network")
    start, end = periods.previous_week(business_today())
    rows = []
    for i in range(ROWS // 7):
        member = eligible_member(network, cin=f"9300000{i}A")
        authorization = ecm_authorization(
            member,
            start_date=start - datetime.timedelta(days=30),
            end_date=end + datetime.timedelta(days=60),
        )
        for day in range(7):
            rows.append(
                EcmActivity(
                    authorization=authorization,
                    member=member,
                    provider_id=authorization.provider_id,
                    date=start + datetime.timedelta(days=day),
                    activity_type="engagement",
                    method="phone",
                    units=1 + day % 4,
                )
            )
    EcmActivity.objects.bulk_create(rows)
    admin = SystemAdminFactory(username="filesadmin")
    TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    return network, start


@pytest.fixture
def worker(require_postgres, require_redis, monkeypatch, settings, tmp_path):
    """A real worker that writes slowly enough to watch, on a queue of this test's own, with the
    same archive and delivery folders as the live server (which serves the download)."""
    settings.EXCHANGE_ARCHIVE_DIR = tmp_path / "archive"
    settings.EXCHANGE_DELIVERY_DIR = tmp_path / "delivery"
    tasks.generate_file.app.conf.task_always_eager = False  # put back by tests/conftest.py
    send = tasks.generate_file.apply_async
    monkeypatch.setattr(tasks.generate_file, "apply_async", functools.partial(send, queue=QUEUE))
    env = {
        "EXCHANGE_ARCHIVE_DIR": str(settings.EXCHANGE_ARCHIVE_DIR),
        "EXCHANGE_DELIVERY_DIR": str(settings.EXCHANGE_DELIVERY_DIR),
        "EXCHANGE_PROGRESS_ROWS": "1",
        "EXCHANGE_TEST_ROW_DELAY": ROW_DELAY,
    }
    with celery_worker(QUEUE, env=env):
        yield


def sign_in_by_keyboard(page, username: str) -> None:
    page.goto("/accounts/login/")
    tab_to(page, "id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/login/verify/")
    expect(page.get_by_label("Code")).to_be_focused()
    page.keyboard.type(totp_code(username))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def open_files_by_keyboard(page, width: int) -> None:
    if width < 720:  # the menu folds behind its button at phone width
        tab_to(page, "Menu")
        page.keyboard.press("Enter")
    tab_to(page, "Files")
    page.keyboard.press("Enter")
    page.wait_for_url("**/files/")


def watch_the_run(page, name: str) -> None:
    """The bar moves between 0 and the total while the worker writes, then the run is done."""
    row = page.locator("tr[data-run]").first
    bar = row.locator("progress")
    page.wait_for_function(
        "() => { const b = document.querySelector('tr[data-run] progress');"
        " return b && b.max > 1 && b.value > 0 && b.value < b.max; }",
        timeout=90_000,
    )
    label = bar.get_attribute("aria-label")
    assert label.startswith("Rows written, ") and label.endswith(f" of {ROWS}"), label
    assert label != f"Rows written, {ROWS} of {ROWS}"
    checked(page, f"{name}-running")
    expect(row.locator("[data-field=status]")).to_have_text("Done", timeout=90_000)
    expect(bar).to_have_attribute("aria-label", f"Rows written, {ROWS} of {ROWS}")
    expect(page.locator("#run-announcer")).to_contain_text(
        "ECM activity log for Coastal Health Network: finished."
    )
    checked(page, f"{name}-done")


@pytest.mark.parametrize("width", [1280, 390])
def test_r_f1_a_system_admin_runs_the_weekly_log_watches_it_finish_and_downloads_it(
    page, week_of_activities, worker, width
):
    network, start = week_of_activities
    page.set_viewport_size({"width": width, "height": 900})
    suffix = f"-{width}"
    sign_in_by_keyboard(page, "filesadmin")
    open_files_by_keyboard(page, width)
    checked(page, f"f01-runs{suffix}")

    # Run a file now: the weekly log is the first file, its default period the week before.
    expect(page.locator("#id_kind")).to_have_value("ecm_activity_log")
    expect(page.locator("#id_period_start")).to_have_value(start.isoformat())
    # Another file fills in its own default period (the 1st of a month), and back again.
    choose_option(page, "id_kind", "ecm_eligibility")
    expect(page.locator("#id_period_start")).to_have_value(re.compile(r"-01$"))
    page.keyboard.press("ArrowUp")  # the select still has the focus
    expect(page.locator("#id_kind")).to_have_value("ecm_activity_log")
    expect(page.locator("#id_period_start")).to_have_value(start.isoformat())
    choose_option(page, "id_organization", str(network.pk))
    tab_to(page, "Run now")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("Queued: ECM activity log")
    watch_the_run(page, f"f02{suffix}")

    run = FileRun.objects.get()
    assert (run.status, run.rows_done, run.organization) == (RunStatus.DONE, ROWS, network)
    first_sha = run.sha256

    # Download, by keyboard: the file as delivered, and the download is in the audit trail.
    tab_to(page, f"Download {run.file_name}")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    content = Path(download.value.path()).read_bytes()
    assert download.value.suggested_filename == run.file_name
    assert content.startswith(b"activity_id,activity_date,member_cin,")
    assert content.count(b"\r\n") == ROWS + 1
    assert hashlib.sha256(content).hexdigest() == first_sha
    audit = AuditEvent.objects.get(event="download")
    assert (audit.username, audit.object_id) == ("filesadmin", run.pk)
    assert run.file_name in audit.object_repr and "Coastal Health Network" in audit.object_repr

    # Run again: confirmed in the dialog (Cancel has the focus, Yes is before it), the same run
    # and the same bytes (R-F4).
    target = f"Run again: ECM activity log, Coastal Health Network, {start:%Y-%m-%d}"
    tab_to(page, target)
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#confirm-no")).to_be_focused()
    checked(page, f"f03-confirm{suffix}")
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#confirm-yes")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("Queued again: ECM activity log")
    watch_the_run(page, f"f04{suffix}")
    run.refresh_from_db()
    assert FileRun.objects.count() == 1 and run.sha256 == first_sha
    assert focused(page)  # the page keeps a focus after the reload


def test_r_f4_the_page_follows_a_run_that_fails_and_says_why(page, week_of_activities):
    """Without a worker: the test moves a running run's rows and then fails it; the page's bar
    follows, the polite live region says "failed" with the reason, and Run again comes back."""
    network, start = week_of_activities
    run = FileRun.objects.create(
        kind="ecm_activity_log",
        period_start=start,
        period_end=start + datetime.timedelta(days=6),
        organization=network,
        status=RunStatus.RUNNING,
        rows_expected=5000,
        rows_done=0,
        file_name="ECM_ACTIVITY_LOG_coastal-health-network.csv",
    )
    sign_in_by_keyboard(page, "filesadmin")
    page.goto("/files/")
    bar = page.locator(f"#run-{run.pk} progress")
    expect(bar).to_have_attribute("aria-label", "Rows written, 0 of 5,000")
    expect(page.locator(f"#run-{run.pk} [data-field=rerun]")).to_be_hidden()

    FileRun.objects.filter(pk=run.pk).update(rows_done=1200)
    expect(bar).to_have_attribute("aria-label", "Rows written, 1,200 of 5,000", timeout=10_000)
    FileRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED, error="DeliveryError: the SFTP server refused the login"
    )
    expect(page.locator("#run-announcer")).to_have_text(
        "ECM activity log for Coastal Health Network: failed. "
        "DeliveryError: the SFTP server refused the login",
        timeout=10_000,
    )
    expect(page.locator(f"#run-{run.pk} [data-field=status]")).to_have_text("Failed")
    expect(page.locator(f"#run-{run.pk} [data-field=rerun]")).to_be_visible()
    expect(page.locator("#runs-refresh")).to_be_hidden()
    checked(page, "f05-failed-1280")
