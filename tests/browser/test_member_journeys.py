"""Whole journeys in a real Chromium: sign in, find a member, check eligibility for a date, filter
the provider directory, and a health network that must not see another network's members (R-X2).

All people and numbers here are synthetic."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from calaim.management.commands.seed_demo import DEMO_PASSWORD
from members.models import Program
from providers.models import Offering, Organization
from tests.browser.conftest import complete_two_step
from tests.members.factories import (
    EligibilitySpanFactory,
    HealthNetworkAssignmentFactory,
    MemberFactory,
    MemberPopulationFactory,
    population,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

D = datetime.date
OWN_NETWORK = "Prospect Medical Group"  # the demo `hnstaff` user's health network
OTHER_NETWORK = "AltaMed Health Services"
DEPOSITS = "CS_HOUSING_DEPOSITS"


def _member(*, cin, first, last, birth, network, spans, pofs=("2",)):
    member = MemberFactory(cin=cin, first_name=first, last_name=last, birth_date=birth)
    for program, start, end in spans:
        EligibilitySpanFactory(member=member, program=program, start_date=start, end_date=end)
    HealthNetworkAssignmentFactory(
        member=member,
        health_network=Organization.objects.get(name=network),
        start_date=D(2022, 1, 1),
    )
    for code in pofs:
        MemberPopulationFactory(
            member=member, population=population(code), start_date=D(2022, 1, 1)
        )
    return member


@pytest.fixture
def people(django_db_serialized_rollback):
    """Demo roster and users (seed_demo) plus three members whose history the tests rely on."""
    call_command("seed_demo", members=30, allow_demo_data=True, stdout=io.StringIO())
    return {
        # Medi-Cal until mid-2024, then PACE: ECM stops (R-M4), Community Supports go on.
        "pace": _member(
            cin="88000001P",
            first="Rosalind",
            last="Quillfeather",
            birth=D(1957, 3, 14),
            network=OWN_NETWORK,
            spans=[
                (Program.MEDI_CAL, D(2022, 1, 1), D(2024, 6, 30)),
                (Program.PACE, D(2024, 7, 1), None),
            ],
        ),
        # Same name, other birth date: name search must be narrowed by the birth date.
        "namesake": _member(
            cin="88000002N",
            first="Rosalind",
            last="Quillfeather",
            birth=D(1991, 11, 2),
            network=OWN_NETWORK,
            spans=[(Program.MEDI_CAL, D(2022, 1, 1), None)],
        ),
        # Another health network's member: invisible to Prospect's staff (R-X2).
        "other_network": _member(
            cin="88000003X",
            first="Thaddeus",
            last="Brightwater",
            birth=D(1980, 8, 21),
            network=OTHER_NETWORK,
            spans=[(Program.MEDI_CAL, D(2022, 1, 1), None)],
        ),
    }


def sign_in(page, username, password=DEMO_PASSWORD):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if password == DEMO_PASSWORD:
        complete_two_step(page, username)


def search(page, *, cin="", name="", birth_date=""):
    page.goto("/members/")
    page.get_by_label("CIN").fill(cin)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Birth date").fill(birth_date)
    page.get_by_role("button", name="Search").click()


def result_rows(page):
    return page.locator("section[aria-labelledby=results-h] tbody tr")


def check_eligibility_on(page, on: str):
    page.get_by_role("textbox", name="Eligibility on", exact=True).fill(on)
    page.get_by_role("button", name="Check").click()
    expect(page).to_have_url(re.compile(rf"\?on={on}$"))


def test_reviewer_finds_member_checks_eligibility_r_m4_and_filters_directory(
    page, people, screenshot
):
    """A CalOptima Health utilization reviewer signs in, finds a member by CIN and by name with
    birth date, sees ECM stop when the member moves to PACE (R-M4, R-M3, R-M6), and filters the
    provider directory by service and accepting referrals."""
    pace = people["pace"]

    # Signing in: anonymous visitors are sent to the login page; a wrong password is explained.
    page.goto("/members/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/members/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "01-login")
    sign_in(page, "reviewer", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text(
        "Please enter a correct username and password"
    )
    screenshot(page, "02-login-wrong-password")
    sign_in(page, "reviewer")
    expect(page).to_have_url(re.compile(r"/members/$"))
    expect(page.locator(".who")).to_contain_text("Utilization reviewer · CalOptima Health")

    # Search by CIN.
    search(page, cin=pace.cin)
    expect(page.get_by_role("heading", name="1 member found")).to_be_visible()
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text("Quillfeather, Rosalind")
    expect(result_rows(page).first).to_contain_text(pace.cin)
    screenshot(page, "03-search-by-cin")

    # A name without a birth date is refused with a message next to the field.
    search(page, name="Rosalind Quillfeather")
    expect(page.locator("#id_birth_date_error")).to_have_text("Give the birth date with the name.")
    expect(page.get_by_role("heading", name=re.compile("found"))).to_have_count(0)
    screenshot(page, "04-search-name-without-birth-date")

    # Name and birth date: the namesake born in 1991 is not listed.
    search(page, name="rosalind quillfeather", birth_date="1957-03-14")
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text(pace.cin)
    expect(page.get_by_text(people["namesake"].cin)).to_have_count(0)
    screenshot(page, "05-search-by-name-and-birth-date")

    # Member detail, today by default: PACE, so no ECM (R-M4) but Community Supports.
    page.get_by_role("link", name="Quillfeather, Rosalind").click()
    expect(page).to_have_url(re.compile(rf"/members/{pace.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rosalind Quillfeather")
    verdicts = page.locator(".verdicts")
    reasons = page.locator("ul.reasons")
    expect(verdicts).to_contain_text("ECM: not eligible")
    expect(verdicts).to_contain_text("Community Supports: eligible")
    expect(reasons.locator("li.blocking")).to_contain_text("PACE members do not receive ECM")

    # Before the move to PACE: Medi-Cal with a live POF, ECM eligible (R-M6).
    check_eligibility_on(page, "2024-03-01")
    expect(page.get_by_role("heading", name="Eligibility on 1 March 2024")).to_be_visible()
    expect(verdicts).to_contain_text("ECM: eligible")
    expect(verdicts).not_to_contain_text("not eligible")
    expect(reasons).to_contain_text("Eligible for ECM through POF 2 (Individuals at risk")
    expect(reasons).not_to_contain_text("PACE")
    screenshot(page, "06-member-eligible-2024-03-01")

    # After the move: R-M4 blocks ECM, Community Supports stay open.
    check_eligibility_on(page, "2024-09-01")
    expect(page.get_by_role("heading", name="Eligibility on 1 September 2024")).to_be_visible()
    expect(verdicts).to_contain_text("ECM: not eligible")
    expect(verdicts).to_contain_text("Community Supports: eligible")
    blocking = reasons.locator("li.blocking")
    expect(blocking).to_have_count(1)
    expect(blocking).to_have_text(
        "PACE members do not receive ECM: PACE already coordinates their care."
    )
    screenshot(page, "07-member-pace-2024-09-01-r-m4")

    # Before any enrolment: nothing at all (R-M3).
    check_eligibility_on(page, "2021-06-01")
    expect(verdicts).to_contain_text("ECM: not eligible")
    expect(verdicts).to_contain_text("Community Supports: not eligible")
    expect(reasons.locator("li.blocking")).to_contain_text(
        "No active Medi-Cal managed care enrolment on 1 June 2021."
    )
    screenshot(page, "08-member-not-enrolled-2021-06-01-r-m3")

    # Provider directory: Housing deposits, accepting referrals only.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()
    expect(page.get_by_role("heading", name="Provider directory")).to_be_visible()
    deposits = Offering.objects.filter(service__code=DEPOSITS)
    accepting = set(
        deposits.filter(accepting_referrals=True).values_list("organization__name", flat=True)
    )
    full = set(
        deposits.filter(accepting_referrals=False).values_list("organization__name", flat=True)
    )
    assert accepting and full, "the demo roster must have both kinds of Housing deposits offerings"

    page.get_by_label("Service").select_option(label="Housing deposits")
    page.get_by_label("Accepting referrals only").check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"service={DEPOSITS}.*accepting=on"))
    rows = page.locator("table.directory tbody tr")
    expect(rows).to_have_count(len(accepting))
    names = set(rows.locator("td:first-child strong").all_inner_texts())
    assert names == accepting
    assert not names & full
    # Each row lists only the filtered service, and it is accepting.
    services = rows.locator("ul.plain li")
    expect(services).to_have_count(len(accepting))
    for text in services.all_inner_texts():
        assert text.startswith("Housing deposits: accepting · ")
    expect(page.get_by_text(f"{len(accepting)} organizations")).to_be_visible()
    expect(page.get_by_label("Accepting referrals only")).to_be_checked()
    screenshot(page, "09-directory-housing-deposits-accepting")

    # Without "accepting only", the providers that are full appear, marked as such.
    page.get_by_label("Accepting referrals only").uncheck()
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(len(accepting | full))
    for name in full:
        expect(rows.filter(has_text=name)).to_contain_text("Housing deposits: not accepting")
    screenshot(page, "10-directory-housing-deposits-all")


def test_r_x2_health_network_staff_cannot_find_or_open_another_networks_member(
    page, people, screenshot
):
    """R-X2: health network staff find their own network's members, but another network's member
    is neither found by CIN nor by name and birth date, and its detail page answers 404."""
    own, other = people["pace"], people["other_network"]

    page.goto("/")
    sign_in(page, "hnstaff")
    expect(page.get_by_role("heading", name="Welcome, Harper")).to_be_visible()
    expect(page.locator(".who")).to_contain_text(f"Health network staff · {OWN_NETWORK}")
    screenshot(page, "11-hnstaff-home")

    # Own network's member: found, and the detail opens.
    search(page, cin=own.cin)
    expect(result_rows(page)).to_have_count(1)
    expect(result_rows(page).first).to_contain_text(own.cin)

    # Another network's member: not found by CIN...
    search(page, cin=other.cin)
    expect(page.get_by_role("heading", name="0 members found")).to_be_visible()
    expect(page.get_by_text("No member matches.")).to_be_visible()
    expect(page.get_by_text(other.cin)).to_have_count(0)
    screenshot(page, "12-hnstaff-other-network-cin-not-found")

    # ...nor by name and birth date.
    search(page, name="Thaddeus Brightwater", birth_date="1980-08-21")
    expect(page.get_by_role("heading", name="0 members found")).to_be_visible()
    expect(page.get_by_text("Brightwater")).to_have_count(0)

    # The detail URL of one's own member answers; another network's answers 404.
    assert page.goto(f"/members/{own.pk}/").status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(own.full_name)
    response = page.goto(f"/members/{other.pk}/")
    assert response.status == 404
    expect(page.get_by_text("Brightwater")).to_have_count(0)
    expect(page.get_by_text(other.cin)).to_have_count(0)
    screenshot(page, "13-hnstaff-other-network-detail-404")
