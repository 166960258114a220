"""Closed-loop referrals in a real Chromium (R-R1..R-R5): a clinic's care coordinator refers one
demo member for ECM to a health network whose ECM panel has the member's POF and another for housing
navigation; the ECM provider accepts, CalOptima Health declines with a reason and a message; the
coordinator sees both outcomes. Also the public self-referral page. All data here is synthetic."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from calaim.management.commands.seed_demo import DEMO_PASSWORD, REFERRING_CLINIC
from common.dates import business_today
from members.models import Member
from members.selectors import eligibility_on
from providers.models import Offering, Role
from providers.selectors import ecm_panel_of
from referrals.models import Referral, SelfReferral, Status
from tests.browser.conftest import complete_two_step
from tests.providers.factories import UserFactory
from tests.referrals.factories import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PDF = PDF_BYTES  # a real one-page PDF: attachments are judged by their whole content
REFERENCE = re.compile(r"R-\d{4}-\d{6}")
PROVIDER_PASSWORD = "test-pass-123"  # UserFactory's
DECLINE_REASON = "Member already housed through the county's coordinated entry."
REVIEWER_MESSAGE = "Please call the county coordinated entry team; we can re-open if that lapses."


def _ecm_case(on):
    """A demo member eligible for ECM on `on`, a health network accepting ECM referrals whose panel
    holds one of the member's POFs (R-P2), and that POF."""
    offerings = Offering.objects.filter(
        service__code="ECM", accepting_referrals=True, organization__is_health_network=True
    ).select_related("organization")
    panels = [(o.organization, ecm_panel_of(o.organization)) for o in offerings.order_by("pk")]
    for member in Member.objects.order_by("cin"):
        verdict = eligibility_on(member, on)
        if not verdict.ecm_eligible:
            continue
        for organization, panel in panels:
            common = sorted(set(verdict.populations) & panel)
            if common:
                return member, organization, common[0]
    raise AssertionError("the demo roster must have an ECM-eligible member with a panel POF")


def _cs_member(on, *, other_than):
    for member in Member.objects.exclude(pk=other_than.pk).order_by("-cin"):
        if eligibility_on(member, on).cs_eligible:
            return member
    raise AssertionError("the demo roster must have a member eligible for Community Supports")


@pytest.fixture
def journey(django_db_serialized_rollback):
    # The roster only: this journey counts the referrals it makes itself.
    call_command(
        "seed_demo", members=30, allow_demo_data=True, roster_only=True, stdout=io.StringIO()
    )
    on = business_today()
    member_a, ecm_provider, pof = _ecm_case(on)
    provider_staff = UserFactory(
        username="ecmstaff",
        first_name="Emery",
        last_name="Intake",
        organization=ecm_provider,
        role=Role.PROVIDER_STAFF,
    )
    return {
        "on": on,
        "a": member_a,
        "b": _cs_member(on, other_than=member_a),
        "ecm_provider": ecm_provider,
        "pof": pof,
        "provider_staff": provider_staff,
    }


def sign_in(page, username, password=DEMO_PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    complete_two_step(page, username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def nav(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def wizard_member_step(page, member, on):
    page.goto("/referrals/new/")
    expect(page.locator("ol.steps li.current")).to_have_text("1. Member")
    page.locator("#id_member-cin").fill(member.cin)
    page.locator("#id_member-birth_date").fill(member.birth_date.isoformat())
    page.locator("#id_member-requested_start_date").fill(on.isoformat())


def cont(page):
    page.get_by_role("button", name="Continue").click()


def status_badge(page):
    return page.locator(".heading-row .status")


def fact(scope, name):
    """The value shown under a heading in a facts list (detail page, review step)."""
    return scope.locator(
        f"xpath=.//dl[contains(@class, 'facts')]//dt[normalize-space()='{name}']/../dd"
    )


def timeline(page):
    return page.locator("ol.timeline li")


def test_referral_closed_loop_ecm_accepted_housing_navigation_declined(page, journey, screenshot):
    """R-R2, R-R3, R-R5, R-P2: two referrals submitted through the wizard, decided by their
    receivers, and followed by the referrer to their outcome, messages and attachment."""
    on, a, b = journey["on"], journey["a"], journey["b"]
    ecm_provider, pof = journey["ecm_provider"], journey["pof"]

    # --- 1. The clinic's care coordinator refers member A for ECM to the chosen provider. ---
    sign_in(page, "clinic")
    expect(page.locator(".who")).to_contain_text(f"Care coordinator · {REFERRING_CLINIC}")
    wizard_member_step(page, a, on)
    screenshot(page, "r01-wizard-member")
    cont(page)

    expect(page.locator("ol.steps li.current")).to_have_text("2. Service")
    expect(page.locator("section.verdict")).to_contain_text(a.full_name)
    expect(page.locator("section.verdict")).to_contain_text(f"CIN {a.cin}")
    expect(page.locator(".verdicts")).to_contain_text("ECM: eligible")
    page.locator('input[name="service-service"][value="ECM"]').check()
    screenshot(page, "r02-wizard-service-ecm")
    cont(page)

    expect(page.locator("ol.steps li.current")).to_have_text("3. Provider and details")
    page.locator("#id_details-receiving_organization").select_option(label=ecm_provider.name)
    page.get_by_label(f"POF {pof}:").check()
    page.locator("#id_details-urgency").select_option("routine")
    page.locator("#id_details-reason").fill(
        "Frequent ED visits and no stable primary care; needs care coordination."
    )
    page.locator("#id_details-member_consent").check()
    page.locator("#id_details-attachments").set_input_files(
        files=[{"name": "discharge-summary.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    screenshot(page, "r03-wizard-details-ecm")
    cont(page)

    expect(page.locator("ol.steps li.current")).to_have_text("4. Review")
    expect(fact(page, "Service")).to_have_text("Enhanced Care Management")
    expect(fact(page, "Provider")).to_have_text(ecm_provider.name)
    expect(fact(page, "POFs claimed")).to_have_text(re.compile(rf"^POF {pof} \(.+\)$"))
    expect(fact(page, "Attachments")).to_have_text("1")
    expect(page.get_by_text("Frequent ED visits")).to_be_visible()
    screenshot(page, "r04-wizard-review-ecm")
    page.get_by_role("button", name="Submit referral").click()

    expect(page).to_have_url(re.compile(r"/referrals/\d+/$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(REFERENCE)
    ref_a = REFERENCE.search(heading.inner_text()).group()
    expect(page.locator("ul.messages")).to_contain_text(
        f"Referral {ref_a} submitted to {ecm_provider.name}."
    )
    expect(status_badge(page)).to_have_text("Sent to provider")
    expect(fact(page, "Now with")).to_have_text(ecm_provider.name)
    expect(page.locator("#attachments")).to_contain_text("discharge-summary.pdf")
    screenshot(page, "r05-referral-a-sent-to-provider")
    referral_a = Referral.objects.get(reference=ref_a)
    assert referral_a.member == a and referral_a.receiving_organization == ecm_provider

    # --- Member B for housing navigation: it goes to CalOptima Health (R-R3). ---
    wizard_member_step(page, b, on)
    cont(page)
    page.locator('input[name="service-service"][value="CS_HOUSING_NAVIGATION"]').check()
    cont(page)
    expect(page.get_by_text("Housing navigation referrals go to CalOptima Health")).to_be_visible()
    expect(page.locator("#id_details-receiving_organization")).to_have_count(0)
    page.locator("#id_details-reason").fill("Sleeping in a car since March; wants help to rent.")
    page.locator("#id_details-member_consent").check()
    screenshot(page, "r06-wizard-details-housing-navigation")
    cont(page)
    expect(fact(page, "Provider")).to_have_text("CalOptima Health assigns or fulfils")
    page.get_by_role("button", name="Submit referral").click()
    expect(heading).to_have_text(REFERENCE)
    ref_b = REFERENCE.search(heading.inner_text()).group()
    assert ref_b != ref_a
    expect(status_badge(page)).to_have_text("In review at CalOptima Health")
    expect(fact(page, "Now with")).to_have_text("CalOptima Health")
    screenshot(page, "r07-referral-b-in-review")
    sign_out(page)

    # --- 2. The ECM provider's staff accept A from the inbox, with capacity shown. ---
    sign_in(page, "ecmstaff", PROVIDER_PASSWORD)
    nav(page, "Inbox")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Referrals waiting on {ecm_provider.name}"
    )
    capacity = page.locator("section[aria-labelledby=cap-h]")
    offering = Offering.objects.get(organization=ecm_provider, service__code="ECM")
    expect(capacity).to_contain_text(
        f"Enhanced Care Management: accepting · {offering.open_slots} open slots"
    )
    row_a = page.locator("tbody tr").filter(has_text=ref_a)
    expect(row_a).to_contain_text(f"{a.last_name}, {a.first_name}")
    expect(row_a).to_contain_text(REFERRING_CLINIC)
    expect(page.locator("tbody tr").filter(has_text=ref_b)).to_have_count(0)
    screenshot(page, "r08-provider-inbox")
    row_a.get_by_role("button", name="Accept").click()
    expect(page.locator("ul.messages")).to_contain_text(
        f"{ref_a} was accepted; its authorization request is open."
    )
    expect(page.locator("tbody tr").filter(has_text=ref_a)).to_have_count(0)
    expect(page.get_by_text("Nothing is waiting.")).to_be_visible()
    screenshot(page, "r09-provider-inbox-after-accept")
    sign_out(page)

    # --- CalOptima Health's reviewer declines B: a reason is required. ---
    sign_in(page, "reviewer")
    nav(page, "Inbox")
    row_b = page.locator("tbody tr").filter(has_text=ref_b)
    expect(row_b).to_contain_text("Housing transition navigation services")
    expect(row_b).to_contain_text("In review at CalOptima Health")
    # In the inbox the browser itself refuses an empty reason.
    row_b.get_by_role("button", name="Decline").click()
    expect(page).to_have_url(re.compile(r"/referrals/inbox/$"))
    assert row_b.get_by_role("textbox").evaluate("e => e.validity.valueMissing")
    row_b.get_by_role("link", name=ref_b).click()

    actions = page.locator("section.actions")
    expect(actions.get_by_role("heading", name="What you can do")).to_be_visible()
    # On the referral page too the browser refuses an empty reason, beside the box.
    actions.get_by_role("button", name="Decline").click()
    reason = actions.get_by_label(re.compile(r"^Reason \(required\)"))
    assert reason.evaluate("e => e.validity.valueMissing")
    expect(status_badge(page)).to_have_text("In review at CalOptima Health")
    screenshot(page, "r10-reviewer-decline-without-reason")
    assert Referral.objects.get(reference=ref_b).status == Status.IN_REVIEW

    # Declining asks first; the dialog's button says what it does.
    reason.fill(DECLINE_REASON)
    actions.get_by_role("button", name="Decline").click()
    page.locator("#confirm-dialog").get_by_role("button", name="Decline").click()
    expect(page.locator("ul.messages")).to_contain_text(
        f"{ref_b} was declined; the referrer can see the reason."
    )
    expect(status_badge(page)).to_have_text("Declined")
    expect(page.locator("p.notice.no")).to_have_text(f"Declined: {DECLINE_REASON}")
    page.get_by_role("textbox", name="Message").fill(REVIEWER_MESSAGE)
    page.get_by_role("button", name="Send message").click()
    thread = page.locator("ol.thread")
    expect(thread).to_contain_text(REVIEWER_MESSAGE)
    expect(thread).to_contain_text("Rene Reviewer · CalOptima Health")
    screenshot(page, "r11-reviewer-declined-with-message")
    sign_out(page)

    # --- 3. The coordinator comes back to both outcomes and the unread message. ---
    sign_in(page, "clinic")
    # The home page shows the work: one unread message, a link to the referrals with it first.
    unread = page.get_by_role("link", name=re.compile(r"^1 unread message on your referrals"))
    expect(unread).to_be_visible()
    screenshot(page, "r12-coordinator-home-unread")
    nav(page, "Referrals")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("2 referrals", exact=True)).to_be_visible()
    # Accepting opened the authorization request at once (closed loop).
    expect(rows.filter(has_text=ref_a)).to_contain_text("Authorization requested")
    expect(rows.filter(has_text=ref_b)).to_contain_text("Declined")
    expect(rows.filter(has_text=ref_b)).to_contain_text("1 unread")
    screenshot(page, "r13-coordinator-referral-list")

    filters = page.locator("form.filters")
    for status, shown, hidden in (
        ("Declined", ref_b, ref_a),
        ("Authorization requested", ref_a, ref_b),
    ):
        filters.get_by_label("Status").select_option(label=status)
        filters.get_by_role("button", name="Filter").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(shown)
        expect(page.get_by_text(hidden)).to_have_count(0)
    filters.get_by_label("Status").select_option(label="Sent to provider")
    filters.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No referral matches.")).to_be_visible()
    filters.get_by_label("Status").select_option(label="Declined")
    filters.get_by_role("button", name="Filter").click()
    screenshot(page, "r14-coordinator-list-filtered-declined")

    rows.first.get_by_role("link", name=ref_b).click()
    expect(status_badge(page)).to_have_text("Declined")
    expect(page.locator("p.notice.no")).to_have_text(f"Declined: {DECLINE_REASON}")
    expect(timeline(page)).to_have_count(3)
    for i, text in enumerate(("Submitted", "In review at CalOptima Health", "Declined")):
        expect(timeline(page).nth(i).locator("strong")).to_have_text(text)
    expect(timeline(page).nth(2)).to_contain_text(DECLINE_REASON)
    expect(page.locator("ol.thread")).to_contain_text(REVIEWER_MESSAGE)
    expect(page.locator("section.actions")).not_to_contain_text("Decline")
    screenshot(page, "r15-coordinator-referral-b-declined")
    # Reading the thread clears the unread count.
    page.goto("/")
    expect(page.get_by_role("link", name=re.compile(r"^0 unread messages"))).to_be_visible()

    nav(page, "Referrals")
    page.get_by_role("link", name=ref_a).click()
    expect(status_badge(page)).to_have_text("Authorization requested")
    expect(timeline(page).locator("strong")).to_have_text(
        ["Submitted", "Sent to provider", "Accepted", "Authorization requested"]
    )
    expect(timeline(page).nth(2)).to_contain_text("by Emery Intake")
    attachment = page.locator("#attachments").get_by_role("link", name="discharge-summary.pdf")
    expect(attachment).to_be_visible()
    screenshot(page, "r16-coordinator-referral-a-accepted")
    with page.expect_download() as download:
        attachment.click()
    assert download.value.suggested_filename == "discharge-summary.pdf"
    with open(download.value.path(), "rb") as f:
        assert f.read() == PDF


def test_r_r1_public_self_referral_shows_only_a_confirmation_number(page, screenshot):
    """R-R1: without signing in, a member asks for a service; only a confirmation number comes
    back, and the request waits at CalOptima Health for intake."""
    page.goto("/refer/")
    expect(page).to_have_url(re.compile(r"/refer/$"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.get_by_label("First name").fill("Marisol")
    page.get_by_label("Last name").fill("Quintanilla-Zeb")
    page.get_by_label("Birth date").fill("1984-02-29")
    page.get_by_label("Medi-Cal CIN (if you know it)").fill("88000042Q")
    page.get_by_label("Phone").fill("(714) 555-0199")
    page.get_by_label("Preferred language").select_option(index=1)
    page.get_by_label("What are you asking for?").select_option(
        label="Housing transition navigation services"
    )
    page.get_by_label("I agree that CalOptima Health").check()
    screenshot(page, "r17-self-referral-form")
    page.get_by_role("button", name="Send my request").click()

    expect(page).to_have_url(re.compile(r"/refer/received/$"))
    expect(page.get_by_role("heading", name="We received your request")).to_be_visible()
    number = page.locator("p.confirmation")
    expect(number).to_have_text(re.compile(r"^SR-[A-Z0-9]{4}-[A-Z0-9]{4}$"))
    body = page.locator("main")
    for private in ("Marisol", "Quintanilla", "88000042Q", "555-0199", "1984"):
        expect(body).not_to_contain_text(private)
    screenshot(page, "r18-self-referral-confirmation")
    saved = SelfReferral.objects.get()
    assert saved.confirmation_number == number.inner_text()
    assert saved.status == SelfReferral.IntakeStatus.PENDING
