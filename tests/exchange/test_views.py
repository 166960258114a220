"""The file runs pages (R-F1..R-F4): only CalOptima Health system admins see runs, run a file now,
run one again, follow its progress and download a finished file; every download is in the audit
trail (R-X3) with who, which file, which HN and when."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from common.audit.models import AuditEvent
from exchange import services
from exchange.files import OUTBOUND
from exchange.forms import default_period_start
from exchange.models import FileRun, RunStatus
from providers.models import Organization, Role
from tests.providers.factories import (
    EcmProviderFactory,
    HealthNetworkFactory,
    SystemAdminFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

WEEKLY_KIND = "ecm_activity_log"
MONDAY = datetime.date(2026, 11, 16)
TUESDAY = datetime.date(2026, 11, 17)


@pytest.fixture(autouse=True)
def _folders(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EXCHANGE_ARCHIVE_DIR = tmp_path / "archive"
    settings.EXCHANGE_DELIVERY_DIR = tmp_path / "delivery"


@pytest.fixture
def admin():
    return SystemAdminFactory(is_superuser=False, is_staff=False)


@pytest.fixture
def network():
    return HealthNetworkFactory(name="Coastal Health Network")


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def make_run(network, *, kind=WEEKLY_KIND, start=MONDAY, status=RunStatus.DONE, **fields):
    end = start + datetime.timedelta(days=6 if OUTBOUND[kind].cadence == "weekly" else 27)
    run = FileRun(
        kind=kind,
        period_start=start,
        period_end=end,
        organization=network,
        status=status,
        **fields,
    )
    run.file_name = run.file_name or services.file_name(OUTBOUND[kind], network, start, end)
    run.save()
    return run


def archive(run, content: bytes = b"member_cin,date\r\n") -> None:
    path = services.archived_path(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def field_error(html: str, name: str, form: str = "id") -> str:
    """The error paragraph(s) beside a field of the run-now form (or of the filters)."""
    found = re.findall(rf'<p class="error" id="{form}_{name}_error">(.*?)</p>', html, re.S)
    return " ".join(found)


# --- Who may see runs -----------------------------------------------------------------------------


def _others(network):
    caloptima = Organization.objects.get(is_caloptima=True)
    provider = EcmProviderFactory()
    return {
        "care_coordinator": UserFactory(organization=provider, role=Role.CARE_COORDINATOR),
        "provider_staff": UserFactory(organization=provider, role=Role.PROVIDER_STAFF),
        "utilization_reviewer": UserFactory(organization=caloptima, role=Role.UTILIZATION_REVIEWER),
        "health_network_staff": UserFactory(organization=network, role=Role.HEALTH_NETWORK_STAFF),
        "site_admin": UserFactory(organization=network, role=Role.SITE_ADMIN),
    }


@pytest.mark.parametrize(
    "role",
    [
        "care_coordinator",
        "provider_staff",
        "utilization_reviewer",
        "health_network_staff",
        "site_admin",
    ],
)
def test_r_f4_only_system_admins_see_or_run_files(role, network):
    run = make_run(network)
    archive(run)
    client = client_for(_others(network)[role])
    pages = [
        ("get", reverse("exchange:runs")),
        ("get", reverse("exchange:run_status", args=[run.pk])),
        ("get", reverse("exchange:download", args=[run.pk])),
        ("post", reverse("exchange:rerun", args=[run.pk])),
    ]
    for method, url in pages:
        assert getattr(client, method)(url).status_code == 404, url
    posted = client.post(
        reverse("exchange:runs"),
        {"kind": WEEKLY_KIND, "period_start": "2026-11-23", "organization": network.pk},
    )
    assert posted.status_code == 404
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and FileRun.objects.count() == 1


def test_r_f4_signed_out_visitors_are_sent_to_sign_in(network):
    run = make_run(network)
    archive(run)
    for url in (
        reverse("exchange:runs"),
        reverse("exchange:run_status", args=[run.pk]),
        reverse("exchange:download", args=[run.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Client().post(reverse("exchange:rerun", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.DONE


def test_the_nav_shows_files_to_system_admins_only(admin, network):
    files = f'href="{reverse("exchange:runs")}"'
    assert files in client_for(admin).get(reverse("home")).content.decode()
    reviewer = _others(network)["utilization_reviewer"]
    assert files not in client_for(reviewer).get(reverse("home")).content.decode()


# --- The list -------------------------------------------------------------------------------------


def test_r_f4_the_list_shows_each_run_with_its_progress(admin, network):
    started = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=datetime.UTC)  # 02:00 in California
    running = make_run(
        network,
        start=MONDAY + datetime.timedelta(days=7),
        status=RunStatus.RUNNING,
        rows_expected=5000,
        rows_done=1200,
        started_at=started,
    )
    done = make_run(
        network, sha256="ab" * 32, rows_expected=3, rows_done=3, started_at=started,
        finished_at=started,
    )  # fmt: skip
    failed = make_run(
        network,
        start=MONDAY - datetime.timedelta(days=7),
        status=RunStatus.FAILED,
        error="DeliveryError: the SFTP server refused the login",
    )

    html = client_for(admin).get(reverse("exchange:runs")).content.decode()

    running_row = re.search(rf'<tr id="run-{running.pk}".*?</tr>', html, re.S).group(0)
    assert 'aria-label="Rows written, 1,200 of 5,000"' in running_row
    assert 'max="5000" value="1200"' in running_row
    assert "2026-11-23 – 2026-11-29" in running_row and "Coastal Health Network" in running_row
    assert "ECM activity log" in running_row and WEEKLY_KIND in running_row
    assert "Running" in running_row and "Download" not in running_row
    assert "data-status-url" in running_row
    assert "02:00" in running_row  # California time, as the app shows times
    done_row = re.search(rf'<tr id="run-{done.pk}".*?</tr>', html, re.S).group(0)
    assert reverse("exchange:download", args=[done.pk]) in done_row
    assert "abababababab<" in done_row and "data-status-url" not in done_row
    assert "data-confirm=" in done_row and "Run again" in done_row
    failed_row = re.search(rf'<tr id="run-{failed.pk}".*?</tr>', html, re.S).group(0)
    assert "the SFTP server refused the login" in failed_row and "Download" not in failed_row
    assert html.index(f'id="run-{failed.pk}"') < html.index(f'id="run-{running.pk}"')  # newest
    assert 'id="runs-refresh"' in html  # a run is under way: the no-script refresh link
    assert "<script>" not in html  # CSP: no inline script
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # two forms with a "kind" field, each its own ids


def test_the_list_filters_by_kind_network_and_status(admin, network):
    other = HealthNetworkFactory(name="Inland Health Network")
    mine = make_run(network)
    theirs = make_run(other, status=RunStatus.FAILED)
    monthly = make_run(network, kind="ecm_eligibility", start=datetime.date(2026, 11, 1))
    client = client_for(admin)

    def shown(**query):
        html = client.get(reverse("exchange:runs"), query).content.decode()
        return {r.pk for r in (mine, theirs, monthly) if f'id="run-{r.pk}"' in html}

    assert shown() == {mine.pk, theirs.pk, monthly.pk}
    assert shown(network=other.pk) == {theirs.pk}
    assert shown(status="failed") == {theirs.pk}
    assert shown(kind="ecm_eligibility") == {monthly.pk}
    html = client.get(reverse("exchange:runs"), {"status": "lost"}).content.decode()
    assert "Select a valid choice" in field_error(html, "status", form="filter")
    assert "No run matches." in html


RUNS_PAGE_QUERIES = 6  # session, user, health networks, count, page, the header's organization


@pytest.mark.parametrize("count", [10, 100])
def test_the_runs_list_query_count_is_pinned(admin, count, django_assert_num_queries):
    networks = [HealthNetworkFactory() for _ in range(4)]
    start = MONDAY
    for i in range(count):
        make_run(networks[i % 4], start=start - datetime.timedelta(weeks=i // 4))
    client = client_for(admin)
    client.get(reverse("exchange:runs"))

    with django_assert_num_queries(RUNS_PAGE_QUERIES):
        response = client.get(reverse("exchange:runs"))

    assert response.status_code == 200


def test_a_received_file_is_listed_without_run_again(admin, network):
    received = make_run(network, direction="in", file_name="members_20261116.csv")
    html = client_for(admin).get(reverse("exchange:runs")).content.decode()
    row = re.search(rf'<tr id="run-{received.pk}".*?</tr>', html, re.S).group(0)
    assert "members_20261116.csv" in row and "Run again" not in row


# --- Run a file now -------------------------------------------------------------------------------


def test_r_f1_run_now_queues_the_file_for_one_health_network(admin, network):
    response = client_for(admin).post(
        reverse("exchange:runs"),
        {"kind": WEEKLY_KIND, "period_start": "2026-11-16", "organization": network.pk},
    )

    assert response.status_code == 302
    run = FileRun.objects.get()
    assert (run.kind, run.period_start, run.period_end) == (
        WEEKLY_KIND,
        MONDAY,
        datetime.date(2026, 11, 22),
    )
    assert run.organization == network and run.requested_by == admin
    page = client_for(admin).get(response["Location"])  # the message waits in that session
    assert page.status_code == 200


def test_r_f4_run_now_for_all_health_networks_queues_one_run_each(admin, network):
    other = HealthNetworkFactory(name="Inland Health Network")
    HealthNetworkFactory(name="Closed Health Network", active=False)
    client = client_for(admin)

    response = client.post(
        reverse("exchange:runs"),
        {"kind": "ecm_eligibility", "period_start": "2026-12-01", "organization": "all"},
        follow=True,
    )

    active = set(Organization.objects.health_networks().filter(active=True))
    runs = FileRun.objects.filter(kind="ecm_eligibility", period_start="2026-12-01")
    assert {r.organization for r in runs} == active and {network, other} <= active
    assert runs.count() == len(active)  # one each, none for the closed network
    assert f"for {len(active)} health networks" in response.content.decode()


def test_r_f4_all_health_networks_skips_and_names_one_already_running(admin, network):
    busy = make_run(network, kind="ecm_eligibility", start=datetime.date(2026, 12, 1))
    FileRun.objects.filter(pk=busy.pk).update(status=RunStatus.RUNNING)
    data = {"kind": "ecm_eligibility", "period_start": "2026-12-01", "organization": "all"}

    response = client_for(admin).post(reverse("exchange:runs"), data, follow=True)

    html = response.content.decode()
    assert "Not queued again: Coastal Health Network: This file is already running" in html
    busy.refresh_from_db()
    assert busy.status == RunStatus.RUNNING
    others = FileRun.objects.exclude(pk=busy.pk)
    assert others.count() >= 1 and set(others.values_list("status", flat=True)) == {"queued"}


def test_all_health_networks_each_already_running_is_refused_at_the_top(admin, network):
    for hn in Organization.objects.health_networks().filter(active=True):
        make_run(hn, status=RunStatus.RUNNING)
    data = {"kind": WEEKLY_KIND, "period_start": "2026-11-16", "organization": "all"}

    response = client_for(admin).post(reverse("exchange:runs"), data)

    assert response.status_code == 400
    assert "Coastal Health Network: This file is already running" in response.content.decode()


@pytest.mark.parametrize(
    "data, field, words",
    [
        ({"kind": "weekly_log"}, "kind", "Select a valid choice"),
        ({"period_start": "2026-02-30"}, "period_start", "Enter a valid date"),
        ({"period_start": "2026-11-17"}, "period_start", "Monday"),  # R-F1: a Tuesday
        ({"kind": "ecm_eligibility"}, "period_start", "1st"),  # R-F2: the 16th
        ({"organization": "other"}, "organization", "Select a valid choice"),
        ({"period_start": "9" * 100_000}, "period_start", "Enter a valid date"),
        ({"kind": "x" * 100_000}, "kind", "Select a valid choice"),
        ({"period_start": ""}, "period_start", "required"),
    ],
)
def test_r_f1_run_now_refusals_are_beside_the_field_with_the_value_kept(
    admin, network, data, field, words
):
    provider = EcmProviderFactory(name="Not A Network Clinic")
    values = {"kind": WEEKLY_KIND, "period_start": "2026-11-16", "organization": network.pk}
    values.update({k: provider.pk if v == "other" else v for k, v in data.items()})

    response = client_for(admin).post(reverse("exchange:runs"), values)

    assert response.status_code == 400
    html = response.content.decode()
    assert words in field_error(html, field)
    assert not FileRun.objects.exists()
    if field == "period_start" and len(values["period_start"]) < 20:
        assert f'value="{values["period_start"]}"' in html  # what was typed is kept
    if field != "kind":
        assert f'<option value="{values["kind"]}" selected>' in html


def test_r_f4_a_run_already_under_way_is_not_queued_twice(admin, network):
    make_run(network, status=RunStatus.RUNNING)

    response = client_for(admin).post(
        reverse("exchange:runs"),
        {"kind": WEEKLY_KIND, "period_start": "2026-11-16", "organization": network.pk},
    )

    assert response.status_code == 400
    assert "already running" in response.content.decode()
    assert FileRun.objects.get().status == RunStatus.RUNNING


def test_run_now_offers_each_files_default_period(admin, network):
    html = client_for(admin).get(reverse("exchange:runs")).content.decode()
    start = default_period_start(WEEKLY_KIND)
    assert start.weekday() == 0 and start < timezone.localdate()
    assert default_period_start("ecm_eligibility").day == 1
    assert "data-period-defaults=" in html and start.isoformat() in html
    assert "All health networks" in html


# --- Run again ------------------------------------------------------------------------------------


def test_r_f4_run_again_requeues_the_same_run(admin, network):
    run = make_run(network, sha256="cd" * 32, rows_done=3, rows_expected=3)
    page = reverse("exchange:runs") + "?status=done"

    response = client_for(admin).post(reverse("exchange:rerun", args=[run.pk]), {"next": page})

    assert response.status_code == 302 and response["Location"] == page
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.rows_done == 0 and run.requested_by == admin
    assert FileRun.objects.count() == 1  # R-F4: the same row, never a second run


def test_run_again_goes_back_only_to_the_runs_page(admin, network):
    run = make_run(network)
    response = client_for(admin).post(
        reverse("exchange:rerun", args=[run.pk]), {"next": "https://evil.example/files/"}
    )
    assert response["Location"] == reverse("exchange:runs")


def test_run_again_of_a_running_file_is_refused_with_the_reason(admin, network):
    run = make_run(network, status=RunStatus.RUNNING, rows_done=10)
    response = client_for(admin).post(reverse("exchange:rerun", args=[run.pk]), follow=True)
    assert "already running" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.rows_done == 10


def test_run_again_is_a_post(admin, network):
    run = make_run(network)
    assert client_for(admin).get(reverse("exchange:rerun", args=[run.pk])).status_code == 405


# --- Progress -------------------------------------------------------------------------------------


def test_r_f4_the_status_endpoint_gives_the_progress(admin, network):
    run = make_run(network, status=RunStatus.RUNNING, rows_expected=5000, rows_done=1200)
    client = client_for(admin)
    url = reverse("exchange:run_status", args=[run.pk])

    data = client.get(url).json()
    assert data["status"] == "running" and data["active"] is True
    assert data["progress"]["label"] == "Rows written, 1,200 of 5,000"
    assert data["download_url"] == ""

    FileRun.objects.filter(pk=run.pk).update(
        status=RunStatus.DONE, rows_done=5000, sha256="ef" * 32, finished_at=timezone.now()
    )
    data = client.get(url).json()
    assert data["active"] is False and data["status_label"] == "Done"
    assert data["progress"]["label"] == "Rows written, 5,000 of 5,000"
    assert data["download_url"] == reverse("exchange:download", args=[run.pk])
    assert data["sha256"] == "ef" * 6
    assert client.get(reverse("exchange:run_status", args=[run.pk + 999])).status_code == 404


# --- Download -------------------------------------------------------------------------------------


def test_r_x3_a_download_gives_the_file_and_is_recorded(admin, network):
    run = make_run(network)
    archive(run, b"member_cin,activity_date\r\n99000001A,2026-11-16\r\n")

    response = client_for(admin).get(reverse("exchange:download", args=[run.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == (
        b"member_cin,activity_date\r\n99000001A,2026-11-16\r\n"
    )
    assert response["Content-Type"] == "text/csv"
    assert f'attachment; filename="{run.file_name}"' == response["Content-Disposition"]
    row = AuditEvent.objects.get(event="download")
    assert (row.outcome, row.actor_id, row.username) == ("allowed", admin.pk, admin.username)
    assert (row.object_type, row.object_id) == ("exchange.filerun", run.pk)
    assert run.file_name in row.object_repr and "Coastal Health Network" in row.object_repr
    assert row.timestamp is not None and row.channel == "browser"


def test_r_x3_a_refused_download_is_recorded_as_refused(admin, network):
    run = make_run(network)
    archive(run)
    stranger = _others(network)["site_admin"]

    assert client_for(stranger).get(reverse("exchange:download", args=[run.pk])).status_code == 404

    row = AuditEvent.objects.get(event="download")
    assert (row.outcome, row.username, row.object_id) == ("refused", stranger.username, run.pk)
    assert row.object_repr == ""  # a refused user learns nothing, and the trail names no file


@pytest.mark.parametrize("case", ["missing_file", "not_done", "missing_run", "huge_id"])
def test_a_download_of_nothing_is_a_404(admin, network, case):
    run = make_run(network, status=RunStatus.FAILED if case == "not_done" else RunStatus.DONE)
    if case == "not_done":
        archive(run)
    pk = {"missing_run": run.pk + 999, "huge_id": 10**20}.get(case, run.pk)
    response = client_for(admin).get(f"/files/runs/{pk}/download/")
    assert response.status_code == 404
    assert AuditEvent.objects.get(event="download").outcome == "refused"
