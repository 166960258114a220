"""ECM provider staff log activities by keyboard only, in Chromium (issue 11; R-F1): from the
authorization page to the fast entry form, three activities (one refused beside its field and
corrected, one outreach attempt with its outcome), each save back to an empty form with the last
type and method preselected; then the list with the month's units. At 1280 and 390 px, axe-core
on every page and state visited, no sideways scroll. All data here is synthetic."""

import datetime
import functools
from pathlib import Path

import pytest
from playwright.sync_api import expect

from activities.models import EcmActivity
from authorizations.models import Status
from common.dates import business_today
from providers.models import Organization, Role
from tests.authorizations.factories import AuthorizationFactory
from tests.browser import keyboard
from tests.browser.keyboard import sign_in, tab_to
from tests.members.factories import member_with_history
from tests.providers.factories import EcmProviderFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

SHOTS = Path("/tmp/shots/activities")
checked = functools.partial(keyboard.checked, folder=SHOTS)
NOTE = "Spoke with the member about the food bank."


@pytest.fixture
def ecm(django_db_serialized_rollback):
    """Harbor Community Clinic's provider staff and its ECM authorization in force for a member
    assigned to AltaMed (approved; started 40 days ago, ends in 140)."""
    clinic = EcmProviderFactory(name="Harbor Community Clinic")
    UserFactory(
        username="pat", organization=clinic, role=Role.PROVIDER_STAFF, first_name="Pat",
        last_name="Provider",
    )  # fmt: skip
    member = member_with_history(
        health_network=Organization.objects.get(name="AltaMed Health Services"),
        cin="91234567A",
        first_name="Rosa",
        last_name="Delgado",
        birth_date=datetime.date(1975, 4, 12),
    )
    today = business_today()
    return AuthorizationFactory(
        member=member,
        provider=clinic,
        status=Status.APPROVED,
        start_date=today - datetime.timedelta(days=40),
        end_date=today + datetime.timedelta(days=140),
    )


def choose(page, select, typed: str, value: str) -> None:
    """A select by keyboard: Tab to it and type the start of the option (type-ahead)."""
    tab_to(page, select)
    page.keyboard.type(typed)
    expect(select).to_have_value(value)


def type_into(page, field, text: str) -> None:
    tab_to(page, field)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def confirmation(page):
    return page.locator("ul.messages")


@pytest.mark.parametrize("width", [1280, 390])
def test_r_f1_provider_staff_log_three_activities_by_keyboard_and_see_the_months_units(
    page, ecm, width
):
    page.set_viewport_size({"width": width, "height": 900})
    suffix = f"-{width}"
    today = business_today()
    sign_in(page, "pat")

    # --- The authorization page links to the entry form. ---
    page.goto(f"/authorizations/{ecm.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Enhanced Care Management")
    checked(page, f"e01-authorization{suffix}")
    log_link = page.locator("main").get_by_role("link", name="Log activity")
    tab_to(page, log_link)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log an ECM activity")

    # --- The form: focus on the date, today by default. ---
    date = page.locator("#id_date")
    kind, method = page.locator("#id_activity_type"), page.locator("#id_method")
    units, outcome = page.locator("#id_units"), page.locator("#id_outcome")
    note = page.locator("#id_note")
    expect(date).to_be_focused()
    expect(date).to_have_value(today.isoformat())
    checked(page, f"e02-entry-form{suffix}")

    # 1. Engagement by phone, 4 units: Enter in the units field saves.
    choose(page, kind, "Eng", "engagement")
    choose(page, method, "Ph", "phone")
    type_into(page, units, "4")
    page.keyboard.press("Enter")
    expect(confirmation(page)).to_contain_text(
        f"Logged: Engagement, phone, 4 units on {today:%-d %B %Y}."
    )
    expect(date).to_be_focused()
    expect(kind).to_have_value("engagement")  # the last type and method, preselected
    expect(method).to_have_value("phone")
    expect(units).to_have_value("")
    expect(page.locator("#month-units")).to_have_text("4")
    checked(page, f"e03-first-logged{suffix}")

    # 2. An outreach attempt: 97 units is refused beside the field, what was typed kept.
    choose(page, kind, "Out", "outreach_attempt")
    type_into(page, units, "97")
    choose(page, outcome, "Re", "reached")
    type_into(page, note, NOTE)
    page.keyboard.press("Enter")
    error = page.locator("#id_units_error")
    expect(error).to_contain_text("Units must be from 1 to 96")
    expect(units).to_be_focused()  # the focus goes to the field in error
    expect(units).to_have_attribute("aria-invalid", "true")
    expect(note).to_have_value(NOTE)
    expect(outcome).to_have_value("reached")
    assert EcmActivity.objects.count() == 1
    checked(page, f"e04-units-refused-beside-the-field{suffix}")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")
    expect(confirmation(page)).to_contain_text("Logged: Outreach attempt, phone, 2 units")
    expect(kind).to_have_value("outreach_attempt")

    # 3. Health promotion in person, 6 units.
    choose(page, kind, "Hea", "health_promotion")
    choose(page, method, "In", "in_person")
    type_into(page, units, "6")
    page.keyboard.press("Enter")
    expect(confirmation(page)).to_contain_text("Logged: Health promotion, in person, 6 units")
    latest = page.locator("section[aria-labelledby=recent-h] tbody tr")
    expect(latest).to_have_count(3)
    checked(page, f"e05-three-logged{suffix}")

    # --- The list: the month's units and the rows. ---
    tab_to(page, page.get_by_role("link", name="All activities, units per month"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("ECM activities for Rosa Delgado")
    month = page.locator("section[aria-labelledby=months-h] tbody tr").first
    expect(month.locator("th")).to_have_text(f"{today:%B %Y}")
    expect(month.locator("td")).to_have_text("12")
    rows = page.locator("section[aria-labelledby=rows-h] tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Health promotion")
    expect(page.get_by_text(NOTE)).to_be_visible()
    checked(page, f"e06-list-with-units-per-month{suffix}")

    logged = list(EcmActivity.objects.order_by("id").values_list("activity_type", "units"))
    assert logged == [("engagement", 4), ("outreach_attempt", 2), ("health_promotion", 6)]
    assert EcmActivity.objects.get(activity_type="outreach_attempt").outcome == "reached"

    # --- ECM members: the member with this month's units and the link to log. ---
    if width == 390:  # the menu folds behind its button
        menu = page.get_by_role("button", name="Menu")
        menu.focus()
        page.keyboard.press("Enter")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="ECM members").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("ECM members")
    row = page.locator("tbody tr").filter(has_text="Rosa Delgado")
    expect(row.locator("td.num")).to_have_text("12")
    expect(row.get_by_role("link", name="Log activity for Rosa Delgado")).to_be_visible()
    checked(page, f"e07-ecm-members{suffix}")


def test_r_f1_a_duplicate_is_warned_and_logged_anyway_by_keyboard(page, ecm):
    """The same member, date, type and method twice: the warning beside "Log it anyway", the focus
    on it; Space ticks it and Enter logs the second one."""
    sign_in(page, "pat")
    page.goto(f"/activities/authorizations/{ecm.pk}/log/")
    kind, method, units = (page.locator(f"#id_{f}") for f in ("activity_type", "method", "units"))
    for attempt in range(2):
        choose(page, kind, "Eng", "engagement")
        choose(page, method, "Ph", "phone")
        type_into(page, units, "3")
        page.keyboard.press("Enter")
        if attempt == 0:
            expect(confirmation(page)).to_contain_text("Logged: Engagement, phone, 3 units")

    box = page.get_by_label("Log it anyway")
    expect(page.locator("#id_confirm_duplicate_error")).to_contain_text(
        "already logged for this member on this date"
    )
    expect(box).to_be_focused()
    assert EcmActivity.objects.count() == 1
    checked(page, "e08-duplicate-warning-1280")
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    page.keyboard.press("Enter")
    expect(confirmation(page)).to_contain_text("Logged: Engagement, phone, 3 units")
    expect(page.get_by_label("Log it anyway")).to_have_count(0)  # the next form is plain again
    assert EcmActivity.objects.count() == 2
