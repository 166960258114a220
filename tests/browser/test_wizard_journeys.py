"""The new-referral wizard in a real Chromium, as people use it (issue 10, part A), at desktop and
phone width, with axe-core on every step (0 violations):

- keyboard only (Tab, Shift+Tab, Enter, Space, arrow keys; no mouse): Enter in a field continues,
  never goes back; Back keeps what was typed on the step left; the referral is submitted;
- a care coordinator at a health network (the demo's AltaMed coordinator) asks for a provider:
  the referral goes to CalOptima Health (R-R4), shows the requested provider, and the reviewer
  finds it preselected when sending the referral on;
- a service no organization accepts today (medically tailored meals in the demo) goes to
  CalOptima Health for assignment instead of a dead end.

Synthetic demo data (seed_demo, roster only). Screenshots in /tmp/shots/A/."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from common.dates import business_today
from members.models import Member
from members.selectors import eligibility_on
from providers.models import Offering, Organization, User
from referrals.models import Referral, Status
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SHOTS = Path("/tmp/shots/A")
WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]
REASON = "Evicted last month; a deposit would let the member take the unit offered."
NOTE = "Ana Reyes, daughter"
DEPOSITS = "CS_HOUSING_DEPOSITS"


@pytest.fixture
def demo(django_db_serialized_rollback):
    call_command(
        "seed_demo", members=30, allow_demo_data=True, roster_only=True, stdout=io.StringIO()
    )
    return business_today()


def cs_member(on) -> Member:
    for member in Member.objects.order_by("cin"):
        if eligibility_on(member, on).cs_eligible:
            return member
    raise AssertionError("the demo roster must have a member eligible for Community Supports")


def accepting(code: str) -> Organization:
    """A demo provider accepting referrals for the service (first by name)."""
    offering = (
        Offering.objects.filter(service__code=code, accepting_referrals=True)
        .select_related("organization")
        .order_by("organization__name")
        .first()
    )
    assert offering is not None, f"the demo must have a provider accepting {code}"
    return offering.organization


def sign_in_as(page, live_server, username: str) -> None:
    """The session of Django's own login() handed to the browser: these journeys are about the
    wizard (the sign-in form has its own journeys)."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def shot(page, name: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def checked(page, name: str, width: int) -> None:
    """axe-core on the page as it stands, nothing wider than the window, and a screenshot."""
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "scrolls sideways"
    shot(page, name, width)


def step_is(page, label: str) -> None:
    expect(page.locator("ol.steps li.current")).to_have_text(label)


def focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement;
        return {id: e.id, tag: e.tagName, text: (e.textContent || '').trim(),
                type: e.type || '', value: e.value || ''}; }"""
    )


def tab_to(page, matches, *, backwards=False, limit=80) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        now = focused(page)
        if matches(now):
            return now
    raise AssertionError("Tab never reached the element")


def tab_to_id(page, element_id: str) -> None:
    tab_to(page, lambda f: f["id"] == element_id)


def tab_to_button(page, text: str) -> None:
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == text)


def type_date(page, value) -> None:
    """A date typed into Chromium's date field (en-US: month, day, year)."""
    page.keyboard.type(value.strftime("%m%d%Y"))


# --- Keyboard only ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_keyboard_only_enter_continues_and_back_keeps_what_was_typed(
    page, live_server, demo, width
):
    on = demo
    member = cs_member(on)
    provider = accepting(DEPOSITS)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as(page, live_server, "clinic")
    page.goto("/referrals/new/")
    step_is(page, "1. Member")
    checked(page, "k1-member-empty", width)

    # Step 1: type, then Enter in the last field continues (it used to go back a step).
    tab_to_id(page, "id_member-cin")
    page.keyboard.type(member.cin)
    page.keyboard.press("Tab")
    type_date(page, member.birth_date)
    tab_to_id(page, "id_member-requested_start_date")
    type_date(page, on)
    page.keyboard.press("Enter")
    step_is(page, "2. Service")
    checked(page, "k2-service", width)

    # Step 2: into the radio group, arrow keys to the service, Enter on Continue.
    tab_to(page, lambda f: f["type"] == "radio")
    for _ in range(30):
        if focused(page)["value"] == DEPOSITS:
            break
        page.keyboard.press("ArrowDown")
    assert focused(page)["value"] == DEPOSITS
    page.keyboard.press("Space")  # a radio reached by Tab is focused, not yet chosen
    expect(page.locator(f'input[value="{DEPOSITS}"]')).to_be_checked()
    tab_to_button(page, "Continue")
    page.keyboard.press("Enter")
    step_is(page, "3. Provider and details")

    # Step 3: the provider by typing its name in the list, the reason, a representative; Enter
    # in that field continues: the missing consent is said beside its box, nothing is lost.
    tab_to_id(page, "id_details-receiving_organization")
    page.keyboard.type(provider.name[:12])
    expect(page.locator("#id_details-receiving_organization")).to_have_value(str(provider.pk))
    tab_to_id(page, "id_details-reason")
    page.keyboard.type(REASON)
    tab_to_id(page, "id_details-authorized_representative")
    page.keyboard.type(NOTE)
    page.keyboard.press("Enter")
    step_is(page, "3. Provider and details")
    expect(page.locator("#id_details-member_consent_error")).to_contain_text("must consent")
    expect(page.locator("#id_details-reason")).to_have_value(REASON)
    expect(page.locator("#id_details-authorized_representative")).to_have_value(NOTE)
    checked(page, "k3-details-enter-keeps-text", width)

    # Back (after Continue in the tab order) keeps what was typed on the step left.
    tab_to_button(page, "Back")
    page.keyboard.press("Space")
    step_is(page, "2. Service")
    expect(page.locator(f'input[value="{DEPOSITS}"]')).to_be_checked()
    checked(page, "k4-back-to-service", width)
    tab_to_button(page, "Continue")
    page.keyboard.press("Enter")
    step_is(page, "3. Provider and details")
    expect(page.locator("#id_details-reason")).to_have_value(REASON)
    expect(page.locator("#id_details-authorized_representative")).to_have_value(NOTE)
    expect(page.locator("#id_details-receiving_organization")).to_have_value(str(provider.pk))
    expect(page.locator("p.error")).to_have_count(0)  # no reproaches for an unfinished step
    checked(page, "k5-forward-text-kept", width)

    # Consent by Space, Enter in a field goes on to the review.
    tab_to_id(page, "id_details-member_consent")
    page.keyboard.press("Space")
    expect(page.locator("#id_details-member_consent")).to_be_checked()
    tab_to_id(page, "id_details-authorized_representative")
    page.keyboard.press("Enter")
    step_is(page, "4. Review")
    expect(page.get_by_text(REASON)).to_be_visible()
    checked(page, "k6-review", width)
    tab_to_button(page, "Submit referral")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))
    referral = Referral.objects.get()
    assert (referral.member, referral.receiving_organization) == (member, provider)
    assert referral.reason == REASON and referral.authorized_representative == NOTE
    checked(page, "k7-referral", width)


# --- A health network's coordinator asks for a provider (R-R4) ----------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_r_r4_health_network_coordinator_requested_provider_is_shown_and_preselected(
    page, live_server, demo, width
):
    on = demo
    member = cs_member(on)
    provider = accepting(DEPOSITS)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as(page, live_server, "coordinator")  # Casey, care coordinator at AltaMed
    page.goto("/referrals/new/")
    page.locator("#id_member-cin").fill(member.cin)
    page.locator("#id_member-birth_date").fill(member.birth_date.isoformat())
    page.locator("#id_member-requested_start_date").fill(on.isoformat())
    page.locator("#id_member-requested_start_date").press("Enter")
    page.locator(f'input[value="{DEPOSITS}"]').check()
    page.get_by_role("button", name="Continue").click()

    step_is(page, "3. Provider and details")
    expect(page.locator("#hn-routing")).to_contain_text(
        "go to CalOptima Health for provider assignment"
    )
    page.get_by_label("Requested provider").select_option(str(provider.pk))
    page.get_by_label("Reason for referral").fill(REASON)
    page.locator("#id_details-member_consent").check()
    checked(page, "h1-hn-details", width)
    page.get_by_role("button", name="Continue").click()
    step_is(page, "4. Review")
    expect(page.locator("dl.facts")).to_contain_text(provider.name)
    checked(page, "h2-hn-review", width)
    page.get_by_role("button", name="Submit referral").click()

    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))
    referral = Referral.objects.get()
    assert referral.status == Status.IN_REVIEW and referral.requested_provider == provider
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Requested provider")
    expect(facts).to_contain_text(provider.name)
    checked(page, "h3-hn-referral", width)

    sign_in_as(page, live_server, "reviewer")
    page.goto(f"/referrals/{referral.pk}/")
    select = page.locator("#action-assign select")
    expect(select).to_have_value(str(provider.pk))
    expect(page.locator("#action-assign")).to_contain_text("was requested by the referrer")
    checked(page, "h4-reviewer-preselected", width)
    page.locator("#action-assign").get_by_role("button", name="Send to provider").click()
    referral.refresh_from_db()
    assert (referral.status, referral.receiving_organization) == (Status.SENT, provider)


# --- No organization takes the service today ------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_a_service_nobody_accepts_goes_to_caloptima_for_assignment(page, live_server, demo, width):
    on = demo
    member = cs_member(on)
    assert not Offering.objects.filter(
        service__code="CS_MEDICALLY_TAILORED_MEALS", accepting_referrals=True
    ).exists()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as(page, live_server, "clinic")
    page.goto("/referrals/new/")
    page.locator("#id_member-cin").fill(member.cin)
    page.locator("#id_member-birth_date").fill(member.birth_date.isoformat())
    page.locator("#id_member-requested_start_date").fill(on.isoformat())
    page.locator("#id_member-requested_start_date").press("Enter")
    page.locator('input[value="CS_MEDICALLY_TAILORED_MEALS"]').check()
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("#no-provider")).to_contain_text("goes to CalOptima Health")
    expect(page.locator("#id_details-receiving_organization")).to_have_count(0)
    page.get_by_label("Reason for referral").fill("Diabetes; no way to cook after discharge.")
    page.locator("#id_details-member_consent").check()
    checked(page, "m1-meals-details", width)
    page.get_by_role("button", name="Continue").click()
    step_is(page, "4. Review")
    page.get_by_role("button", name="Submit referral").click()

    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))
    referral = Referral.objects.get()
    assert referral.status == Status.IN_REVIEW and referral.receiving_organization.is_caloptima
    expect(page.locator("p.notice.warn")).to_contain_text("No organization is accepting")
    checked(page, "m2-meals-referral", width)


# --- From the member's page, with a POF claim to check; intake of a service nobody takes ---------


def hn_ecm_case(on):
    """A member AltaMed's coordinator may see, eligible for ECM on `on` through a POF, and a POF
    the member does not hold."""
    from members.models import PopulationOfFocus
    from members.selectors import visible_members

    coordinator = User.objects.get(username="coordinator")
    for member in visible_members(coordinator).order_by("cin"):
        verdict = eligibility_on(member, on)
        if verdict.ecm_eligible and verdict.populations:
            held = sorted(verdict.populations)[0]
            other = PopulationOfFocus.objects.exclude(code__in=verdict.populations).order_by("code")
            return member, held, other.first().code
    raise AssertionError("the demo must give AltaMed an ECM-eligible member with a POF")


@pytest.mark.parametrize("width", WIDTHS)
def test_refer_this_member_preselects_and_a_pof_not_on_record_is_warned_on_the_step(
    page, live_server, demo, width
):
    on = demo
    member, held, not_held = hn_ecm_case(on)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as(page, live_server, "coordinator")
    page.goto(f"/members/{member.pk}/")
    page.get_by_role("link", name="Refer this member").click()
    expect(page).to_have_url(re.compile(rf"/referrals/new/\?member={member.pk}$"))

    expect(page.locator("#preselected")).to_contain_text(member.full_name)
    expect(page.locator("#id_member-cin")).to_have_value(member.cin)
    expect(page.locator("section.verdict")).to_have_count(0)  # eligibility comes with step 2
    checked(page, "p1-member-preselected", width)
    page.locator("#id_member-requested_start_date").fill(on.isoformat())
    page.locator("#id_member-requested_start_date").press("Enter")
    page.locator('input[value="ECM"]').check()
    page.get_by_role("button", name="Continue").click()

    step_is(page, "3. Provider and details")
    unheld_box = page.get_by_label(f"POF {not_held}:")
    expect(page.locator("fieldset")).to_contain_text(f"The member's records show POF {held}")
    page.get_by_label(f"POF {held}:", exact=False).first.check()
    unheld_box.check()
    page.get_by_label("Reason for referral").fill("Three ED visits this quarter; no care plan.")
    page.locator("#id_details-member_consent").check()
    page.get_by_role("button", name="Continue").click()

    step_is(page, "3. Provider and details")
    expect(page.locator("#step-warnings")).to_contain_text(f"no POF {not_held}")
    expect(page.locator("#id_details-populations_helptext")).to_contain_text("Check:")
    checked(page, "p2-pof-warning", width)
    page.get_by_role("button", name="Continue").click()
    step_is(page, "4. Review")
    checked(page, "p3-review-with-warning", width)
    page.get_by_role("button", name="Submit referral").click()
    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))
    assert Referral.objects.get().needs_review


@pytest.mark.parametrize("width", WIDTHS)
def test_intake_of_a_service_nobody_accepts_says_so_and_leaves_no_empty_list(
    page, live_server, demo, width
):
    from providers.models import Service
    from referrals.models import SelfReferral

    member = cs_member(demo)
    SelfReferral.objects.create(
        confirmation_number="SR-DEMO-0001",
        first_name=member.first_name,
        last_name=member.last_name,
        birth_date=member.birth_date,
        phone="7145550100",
        language="en",
        service=Service.objects.get(code="CS_MEDICALLY_TAILORED_MEALS"),
        consent=True,
    )
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_as(page, live_server, "reviewer")
    page.goto("/referrals/intake/")

    expect(page.locator("table")).to_contain_text("No organization is accepting referrals")
    checked(page, "i1-intake", width)
    page.get_by_label("Member CIN").fill(member.cin)  # the public form gave no CIN
    page.get_by_role("button", name="Match").click()

    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))
    expect(page.locator("#no-provider")).to_contain_text("stays in review at CalOptima Health")
    expect(page.locator("#action-assign select")).to_have_count(0)
    checked(page, "i2-matched-no-provider", width)
