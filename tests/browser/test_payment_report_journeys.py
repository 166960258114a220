"""The ECM payment report in Chromium (issue 11; R-$1, R-X2), by keyboard: provider staff log an
activity that brings a member's month to 12 units and see it payable, see last month's rows
(their own only), are refused a bad month beside the field, and download the CSV; CalOptima
Health staff see every provider and choose one. At 1280 and 390 px, axe-core on every page and
state visited, no sideways scroll. All data here is synthetic."""

import csv
import datetime
import functools
from pathlib import Path

import pytest
from playwright.sync_api import expect

from activities import payment
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

SHOTS = Path("/tmp/shots/payment")
checked = functools.partial(keyboard.checked, folder=SHOTS)


def _member(first, last, cin):
    return member_with_history(
        health_network=Organization.objects.get(name="AltaMed Health Services"),
        cin=cin,
        first_name=first,
        last_name=last,
    )


def _in_force(provider, member):
    today = business_today()
    return AuthorizationFactory(
        member=member,
        provider=provider,
        status=Status.APPROVED,
        start_date=payment.previous_month() - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=120),
    )


def _logged(authorization, units, on, kind="assessment", method="in_person"):
    EcmActivity.objects.create(
        authorization=authorization,
        member_id=authorization.member_id,
        provider_id=authorization.provider_id,
        date=on,
        activity_type=kind,
        method=method,
        units=units,
        outcome="reached" if kind == "outreach_attempt" else "",
    )


@pytest.fixture
def report(django_db_serialized_rollback):
    """Harbor Community Clinic (staff "pat"): last month Rosa Delgado 12 units (half of them
    outreach and engagement), Luis Ortega 11; this month Rosa 8 so far. Seaside ECM: Mia Sorensen,
    20 units last month. A CalOptima Health reviewer ("rev") with an authenticator."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    harbor = EcmProviderFactory(name="Harbor Community Clinic")
    seaside = EcmProviderFactory(name="Seaside ECM Partners")
    UserFactory(username="pat", organization=harbor, role=Role.PROVIDER_STAFF)
    rev = UserFactory(
        username="rev",
        organization=Organization.objects.get(is_caloptima=True),
        role=Role.UTILIZATION_REVIEWER,
    )
    TOTPDevice.objects.create(user=rev, name="app", confirmed=True)
    last = payment.previous_month()
    rosa = _in_force(harbor, _member("Rosa", "Delgado", "91234567A"))
    _logged(rosa, 3, last, kind="outreach_attempt", method="phone")
    _logged(rosa, 3, last + datetime.timedelta(days=1), kind="engagement", method="phone")
    _logged(rosa, 6, last + datetime.timedelta(days=2))
    _logged(rosa, 8, business_today().replace(day=1))
    _logged(_in_force(harbor, _member("Luis", "Ortega", "92345678B")), 11, last)
    _logged(_in_force(seaside, _member("Mia", "Sorensen", "93456789C")), 20, last)
    return rosa


def open_report(page, width: int) -> None:
    """From the main menu (behind its button at phone width), by keyboard."""
    if width == 390:
        page.get_by_role("button", name="Menu").focus()
        page.keyboard.press("Enter")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="ECM payment").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("ECM payment report")


def ask_month(page, typed: str) -> None:
    month = page.locator("#id_month")
    tab_to(page, month)
    page.keyboard.press("Control+A")
    page.keyboard.type(typed)
    page.keyboard.press("Enter")


def member_rows(page):
    return page.locator("section[aria-labelledby=members-title] tbody tr")


def totals(page):
    return page.locator("section[aria-labelledby=totals-title] table")


@pytest.mark.parametrize("width", [1280, 390])
def test_r_dollar1_provider_staff_see_their_months_payable_at_12_units(
    page, report, width, tmp_path
):
    page.set_viewport_size({"width": width, "height": 900})
    suffix = f"-{width}"
    last, this = payment.previous_month(), business_today().replace(day=1)
    sign_in(page, "pat")

    # --- Log 4 units for Rosa today: her month reaches 12. ---
    page.goto(f"/activities/authorizations/{report.pk}/log/")
    page.locator("#id_activity_type").select_option("engagement")
    page.locator("#id_method").select_option("phone")
    page.locator("#id_units").fill("4")
    page.locator("#id_units").press("Enter")
    expect(page.locator("ul.messages")).to_contain_text("Logged: Engagement, phone, 4 units")

    # --- Last month by default: own rows only, each month payable or not. ---
    open_report(page, width)
    expect(page.locator("#id_month")).to_have_value(f"{last:%Y-%m}")
    rows = member_rows(page)
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Delgado, Rosa")
    expect(rows.nth(0)).to_contain_text("Payable")
    expect(rows.nth(1)).to_contain_text("Ortega, Luis")
    expect(rows.nth(1)).to_contain_text("Not payable")
    expect(totals(page).locator("tbody tr")).to_have_text(
        ["Harbor Community Clinic 2 1 23"], use_inner_text=True
    )
    expect(page.locator("main")).not_to_contain_text("Sorensen")
    expect(page.locator("main")).not_to_contain_text("Seaside")
    expect(page.locator("#id_provider")).to_have_count(0)  # no choice: their own rows
    checked(page, f"p01-provider-last-month{suffix}")

    # --- A bad month: the message beside the field, what was typed kept. ---
    ask_month(page, "2026-13")
    expect(page.locator("#id_month_error")).to_contain_text("Write the month as year-month")
    expect(page.locator("#id_month")).to_have_value("2026-13")
    expect(page.locator("#id_month")).to_have_attribute("aria-invalid", "true")
    expect(member_rows(page)).to_have_count(0)
    checked(page, f"p02-bad-month-beside-the-field{suffix}")

    # --- This month: Rosa's 8 + 4 logged now = 12, payable. ---
    ask_month(page, f"{this:%Y-%m}")
    rosa = member_rows(page).filter(has_text="Delgado, Rosa")
    expect(rosa.locator("td").nth(3)).to_have_text("12")
    expect(rosa).to_contain_text("Payable")
    checked(page, f"p03-provider-this-month-payable{suffix}")

    # --- The CSV of last month: a header and their own two rows. ---
    ask_month(page, f"{last:%Y-%m}")
    link = page.get_by_role("link", name="Download CSV")
    with page.expect_download() as download:
        tab_to(page, link)
        page.keyboard.press("Enter")
    path = tmp_path / "payment.csv"
    download.value.save_as(path)
    with path.open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [(r["member_last_name"], r["units"], r["payable"]) for r in table] == [
        ("Delgado", "12", "yes"),
        ("Ortega", "11", "no"),
    ]
    assert download.value.suggested_filename == f"ecm-payment-{last:%Y-%m}.csv"


@pytest.mark.parametrize("width", [1280, 390])
def test_r_dollar1_caloptima_staff_see_every_provider_and_choose_one(page, report, width):
    page.set_viewport_size({"width": width, "height": 900})
    suffix = f"-{width}"
    sign_in(page, "rev")

    open_report(page, width)
    expect(member_rows(page)).to_have_count(3)
    expect(totals(page).locator("tbody tr")).to_have_text(
        ["Harbor Community Clinic 2 1 23", "Seaside ECM Partners 1 1 20"], use_inner_text=True
    )
    expect(totals(page).locator("tfoot tr")).to_have_text(
        "All providers 3 2 43", use_inner_text=True
    )
    checked(page, f"c01-caloptima-all-providers{suffix}")

    provider = page.locator("#id_provider")
    tab_to(page, provider)
    page.keyboard.type("Seaside")
    expect(provider).to_have_value(str(Organization.objects.get(name="Seaside ECM Partners").pk))
    page.get_by_role("button", name="Show report").focus()
    page.keyboard.press("Enter")
    expect(member_rows(page)).to_have_count(1)
    expect(member_rows(page).first).to_contain_text("Sorensen, Mia")
    expect(page.locator("main")).not_to_contain_text("Delgado")
    checked(page, f"c02-caloptima-one-provider{suffix}")
