"""A health network ends its own legacy authorization in one step, by keyboard, in Chromium (issue
10, part D; R-A1, R-A2, R-N1, R-N5): Prospect Medical Group's staff open an authorization the HN
created in 2022, give the reason and the member's explanation, and are asked to confirm; a last day
five days after the letter is refused beside the date (10 days' notice, 42 CFR 431.211) with the
typed text kept and the exceptions offered; with an exception (1280 px) or a later date (390 px)
the authorization ends at once and the letter follows from the HN. axe-core on every page and
state visited. All data here is synthetic."""

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from authorizations.models import Authorization, Event, NoticeException, Status
from common.dates import business_today
from providers.models import Organization, Role
from tests.authorizations.factories import PT, LegacyAuthorizationFactory
from tests.browser.axe import assert_accessible
from tests.browser.conftest import complete_two_step
from tests.members.factories import member_with_history
from tests.providers.factories import EcmProviderFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PASSWORD = "test-pass-123"  # tests.providers.factories.UserFactory
SHOTS = Path("/tmp/shots/D")
EXPLANATION = "Your ECM services end because you asked to stop them."
NOTE = "Member called the HN care team on Monday."
pages_checked: list[str] = []


@pytest.fixture
def world(django_db_serialized_rollback):
    """Like the demo: Prospect's HN staff and an open-ended ECM authorization Prospect created on
    31 December 2022 at 23:59 Pacific, the last minute before the cut-over (R-A1)."""
    prospect = Organization.objects.get(name="Prospect Medical Group")
    UserFactory(
        username="hnstaff",
        organization=prospect,
        role=Role.HEALTH_NETWORK_STAFF,
        first_name="Hana",
        last_name="Network",
    )
    member = member_with_history(
        health_network=prospect, cin="91234567A", birth_date=datetime.date(1975, 4, 12)
    )
    legacy = LegacyAuthorizationFactory(
        member=member,
        provider=EcmProviderFactory(name="Harbor Community Clinic"),
        health_network=prospect,
        hn_authorization_number="PMG-2022-0042",
        created_at=datetime.datetime(2022, 12, 31, 23, 59, tzinfo=PT),
        start_date=datetime.date(2022, 12, 1),
        end_date=None,
    )
    assert legacy.is_legacy
    return legacy


def checked(page, name: str) -> None:
    """axe-core on the page as it stands (0 violations), then a full-page screenshot."""
    assert_accessible(page)
    pages_checked.append(name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, username: str) -> None:
    """By keyboard: type into the fields, Enter submits."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").press_sequentially(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/$"))
    complete_two_step(page, username)  # CalOptima Health staff give their authenticator code
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def tab_to(page, locator, limit: int = 200) -> None:
    """Press Tab until the locator has the focus, as a keyboard user moves through the page."""
    handle = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("e => document.activeElement === e", handle):
            return
    raise AssertionError(f"Tab never reached {locator}")


def choose(page, select, typed: str, value: str) -> None:
    """A select by keyboard: Tab to it and type the start of the option (type-ahead)."""
    tab_to(page, select)
    page.keyboard.type(typed)
    expect(select).to_have_value(value)


def type_date(page, field, day: datetime.date) -> None:
    """A date field by keyboard: month, day and year digits, as Chromium's en-US field wants."""
    tab_to(page, field)
    page.keyboard.type(f"{day:%m%d%Y}")
    expect(field).to_have_value(day.isoformat())


def confirm_by_keyboard(page, submit, *, cancel_first: bool) -> None:
    """Enter on the button opens the dialog (focus on Cancel); Escape sends nothing; Shift+Tab
    to the Yes button and Enter sends."""
    dialog = page.locator("#confirm-dialog")
    submit.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    if cancel_first:
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()
        expect(submit).to_be_focused()
        page.keyboard.press("Enter")
        expect(dialog).to_be_visible()
    page.keyboard.press("Shift+Tab")
    expect(dialog.locator("#confirm-yes")).to_be_focused()
    page.keyboard.press("Enter")


@pytest.mark.parametrize("width", [1280, 390])
def test_r_a2_hn_ends_its_legacy_authorization_in_one_step_by_keyboard(page, world, width):
    page.set_viewport_size({"width": width, "height": 900})
    legacy, suffix = world, f"-{width}"
    today = business_today()
    too_soon = today + datetime.timedelta(days=5)

    # --- The HN's legacy authorization: one form to end or change it, no request to itself. ---
    sign_in(page, "hnstaff")
    page.goto(f"/authorizations/{legacy.pk}/")
    expect(page.locator(".heading-row .party")).to_have_text(
        "Health network: Prospect Medical Group"
    )
    section = page.locator("section[aria-labelledby=clos-h]")
    expect(section.get_by_role("heading", name="Change or end this authorization")).to_be_visible()
    expect(section.get_by_text("Ask to change or end this authorization")).to_have_count(0)
    checked(page, f"d01-hn-legacy-authorization{suffix}")

    # --- Ended five days after the letter: the dialog first, then the error beside the date. ---
    choose(page, page.locator("#id_change-kind"), "End", "end")
    type_date(page, page.locator("#id_change-end_date"), too_soon)
    choose(page, page.locator("#id_change-reason_code"), "The service", "service_ended")
    tab_to(page, page.locator("#id_change-member_explanation"))
    page.keyboard.type(EXPLANATION)
    tab_to(page, page.locator("#id_change-note"))
    page.keyboard.type(NOTE)
    submit = section.get_by_role("button", name="Record and send the letter")
    submit.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Change or end this authorization?")
    checked(page, f"d02-confirm-dialog{suffix}")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert Authorization.objects.get(pk=legacy.pk).status == Status.APPROVED  # nothing sent

    confirm_by_keyboard(page, submit, cancel_first=False)
    error = page.locator("#id_change-end_date_error")
    expect(error).to_contain_text("takes effect at least 10 days later")
    expect(page.locator("#id_change-end_date")).to_have_attribute(
        "aria-describedby", "id_change-end_date_error"
    )
    # What was typed is kept, and the exceptions are offered beside it.
    expect(page.locator("#id_change-end_date")).to_have_value(too_soon.isoformat())
    expect(page.locator("#id_change-member_explanation")).to_have_value(EXPLANATION)
    expect(page.locator("#id_change-note")).to_have_value(NOTE)
    exception = page.locator("#id_change-notice_exception")
    expect(exception.locator("option")).to_have_count(len(NoticeException) + 1)
    checked(page, f"d03-ten-day-error-beside-the-date{suffix}")
    legacy.refresh_from_db()
    assert (legacy.status, legacy.events.count()) == (Status.APPROVED, 0)

    # --- 1280: the member asked (an exception); 390: a date 10 days out. ---
    if width == 1280:
        choose(page, exception, "The member asked", NoticeException.MEMBER_REQUEST)
        effective, because = too_soon, NoticeException.MEMBER_REQUEST
    else:
        effective, because = today + datetime.timedelta(days=10), ""
        page.locator("#id_change-kind").focus()  # back up the form, then Tab into the date
        type_date(page, page.locator("#id_change-end_date"), effective)
    submit = section.get_by_role("button", name="Record and send the letter")
    confirm_by_keyboard(page, submit, cancel_first=True)

    # The letter renders in the request here (Celery runs eagerly in tests): allow for it.
    expect(page.locator("ul.messages")).to_contain_text(
        "The authorization is ended. Decision recorded. The member's letter "
        "(Notice of Action: termination)",
        timeout=30_000,
    )
    expect(page.locator(".heading-row .status")).to_have_text("Terminated")
    last = page.locator("section[aria-labelledby=hist-h] ol.timeline li").last
    expect(last.locator("strong")).to_have_text("Terminated")
    expect(last).to_contain_text(f"Takes effect {effective:%Y-%m-%d}")
    expect(page.locator("section[aria-labelledby=clos-h]")).not_to_contain_text(
        "sent to the responsible party"
    )
    checked(page, f"d04-ended-in-one-step{suffix}")

    legacy.refresh_from_db()
    assert (legacy.status, legacy.end_date) == (Status.TERMINATED, effective)
    event = legacy.events.get()
    assert (event.kind, event.effective_date, event.notice_exception) == (
        Event.Kind.TERMINATED,
        effective,
        because,
    )
    assert (event.member_explanation, event.note) == (EXPLANATION, NOTE)
    assert not legacy.closure_requests.exists()
    page.reload()
    letters = page.locator("section[aria-labelledby=let-h]")
    expect(letters).to_contain_text("from Prospect Medical Group")  # R-N1: the letter follows
    checked(page, f"d05-letter-listed{suffix}")


@pytest.fixture
def new_in_force(django_db_serialized_rollback):
    """A CalOptima Health ECM authorization in force, its provider's staff and a reviewer."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.authorizations.factories import AuthorizationFactory

    clinic = EcmProviderFactory(name="Harbor Community Clinic")
    UserFactory(username="provider", organization=clinic, role=Role.PROVIDER_STAFF)
    caloptima = Organization.objects.get(name="CalOptima Health")
    reviewer = UserFactory(
        username="reviewer", organization=caloptima, role=Role.UTILIZATION_REVIEWER
    )
    TOTPDevice.objects.create(user=reviewer, name="app", confirmed=True)
    member = member_with_history(
        health_network=Organization.objects.get(name="AltaMed Health Services"),
        cin="91234567A",
        birth_date=datetime.date(1975, 4, 12),
    )
    today = business_today()
    return AuthorizationFactory(
        member=member,
        provider=clinic,
        status=Status.APPROVED,
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=120),
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_r_n5_a_providers_end_request_and_the_reviewers_approval_show_errors_beside_fields(
    page, new_in_force, width
):
    """The provider's request dated too soon is refused beside the date (reason kept); sent with
    a date 10 days out, the reviewer's approval asks for the member's explanation beside it, then
    confirms before ending the service (R-A2, R-N5, R-N6)."""
    page.set_viewport_size({"width": width, "height": 900})
    authorization, suffix = new_in_force, f"-{width}"
    today = business_today()
    reason = "Goals of the care plan met; the member agrees."

    sign_in(page, "provider")
    page.goto(f"/authorizations/{authorization.pk}/")
    choose(page, page.locator("#id_kind"), "End", "end")
    tab_to(page, page.locator("#id_reason"))
    page.keyboard.type(reason)
    type_date(page, page.locator("#id_end_date"), today + datetime.timedelta(days=3))
    page.get_by_role("button", name="Send request").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_end_date_error")).to_contain_text("10 days later")
    expect(page.locator("#id_reason")).to_have_value(reason)
    checked(page, f"d06-provider-request-too-soon{suffix}")
    last_day = today + datetime.timedelta(days=10)
    page.locator("#id_reason").focus()
    type_date(page, page.locator("#id_end_date"), last_day)
    page.get_by_role("button", name="Send request").focus()
    page.keyboard.press("Enter")
    expect(page.locator("ul.messages")).to_contain_text("sent to the responsible party")
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "reviewer")
    page.goto(f"/authorizations/{authorization.pk}/")
    section = page.locator("section[aria-labelledby=clos-h]")
    expect(section).to_contain_text(reason)
    approve = section.get_by_role("button", name="Approve")
    expect(approve).to_have_attribute("data-confirm", re.compile("End this service on"))
    tab_to(page, page.locator("#id_closure-note"))
    page.keyboard.type("Checked with the care team.")
    confirm_by_keyboard(page, approve, cancel_first=True)
    expect(page.locator("#id_closure-member_explanation_error")).to_contain_text(
        "Explain this decision to the member"
    )
    expect(page.locator("#id_closure-note")).to_have_value("Checked with the care team.")
    checked(page, f"d07-reviewer-approval-needs-explanation{suffix}")
    tab_to(page, page.locator("#id_closure-member_explanation"))
    page.keyboard.type("Your care plan goals were met, so ECM ends.")
    confirm_by_keyboard(page, section.get_by_role("button", name="Approve"), cancel_first=False)
    expect(page.locator("ul.messages")).to_contain_text("Decision recorded.", timeout=30_000)
    expect(page.locator(".heading-row .status")).to_have_text("Terminated")
    last = page.locator("section[aria-labelledby=hist-h] ol.timeline li").last
    expect(last).to_contain_text(f"Takes effect {last_day:%Y-%m-%d}")
    checked(page, f"d08-reviewer-ended-the-service{suffix}")
    authorization.refresh_from_db()
    assert (authorization.status, authorization.end_date) == (Status.TERMINATED, last_day)


def test_pages_were_checked():
    """Report: the pages and states that axe-core checked in this module (0 violations each)."""
    print(f"axe-core checked {len(pages_checked)} pages: {', '.join(pages_checked)}")
