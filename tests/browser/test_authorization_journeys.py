"""Utilization review and legacy HN authorizations in a real Chromium (R-A1..R-A8, R-N1..R-N3):
CalOptima Health's reviewer works the queue, denies one request and approves an ECM request, and
the letters appear; Prospect Medical Group's staff see only their own legacy authorizations and end
one through service closure; CalOptima Health sees legacy authorizations read-only. All data here is
synthetic (seed_demo)."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from authorizations import rules
from authorizations.models import Authorization, ReasonCode, Status
from authorizations.selectors import review_queue
from notices.models import Notice
from notices.rules import letter_language
from providers.models import User
from tests.browser.test_referral_journeys import fact, nav, sign_in, sign_out, status_badge
from tests.notices.pdf import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PROSPECT = "Prospect Medical Group"
ALTAMED = "AltaMed Health Services"
DENIAL_EXPLANATION = "The referral does not describe a housing need we could verify this month."
APPEAL_TEXT = "You can ask CalOptima Health for an appeal."
CLOSURE_REASON = "Member moved out of Orange County; ECM ended with the HN care team."


@pytest.fixture
def demo(django_db_serialized_rollback):
    call_command("seed_demo", members=40, allow_demo_data=True, stdout=io.StringIO())


def rows(page):
    return page.locator("table").first.locator("tbody tr")


def row_of(page, authorization):
    link = page.locator(f'a[href="/authorizations/{authorization.pk}/"]')
    return page.locator("tbody tr").filter(has=link)


def history(page):
    return page.locator("section[aria-labelledby=hist-h] ol.timeline li")


def letters(page):
    return page.locator("section[aria-labelledby=let-h]")


def expected_due_states(queue):
    now = timezone.now()
    return [rules.due_state(a.due_at, now) for a in queue]


def test_reviewer_works_the_queue_denies_and_approves_and_the_letters_appear(
    page, demo, screenshot
):
    """R-A8 queue order and due marks, filters, assign-to-me; R-A6 a reason is required to deny;
    R-N1/R-N2 letters from CalOptima Health; the decision closes the referral's loop."""
    reviewer = User.objects.get(username="reviewer")
    queue = list(review_queue(reviewer))
    assert len(queue) == 12
    # The request to deny: housing navigation, for a member whose letter is in English.
    deny = next(
        a
        for a in queue
        if a.service.code == "CS_HOUSING_NAVIGATION"
        and letter_language(a.member.preferred_language) == "en"
    )
    approve = next(a for a in queue if a.service.code == "ECM")
    ecm_count = sum(a.service.code == "ECM" for a in queue)
    ecm_expedited = sum(a.service.code == "ECM" and a.urgency == "expedited" for a in queue)
    assert ecm_count and ecm_expedited

    # --- 1. The review queue: most urgent first, overdue ones marked. ---
    sign_in(page, "reviewer")
    nav(page, "Review queue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Utilization review queue")
    expect(page.get_by_text("12 pending requests, most urgent first.")).to_be_visible()
    states_before = expected_due_states(queue)
    expect(rows(page)).to_have_count(12)
    shown = [
        int(re.search(r"/authorizations/(\d+)/", h).group(1))
        for h in rows(page)
        .locator("td:nth-child(2) a")
        .evaluate_all("links => links.map(a => a.getAttribute('href'))")
    ]
    assert shown == [a.pk for a in queue], "the queue is ordered by due time"
    states = expected_due_states(queue)
    assert "overdue" in states, "the demo queue has overdue requests"
    if states == states_before:  # no request fell due while the page loaded
        for a, state in zip(queue, states, strict=True):
            due = row_of(page, a).locator("td.date .badge")
            if state == "overdue":
                expect(due).to_have_text("overdue")
            elif state == "due_today":
                expect(due).to_have_text("due today")
            else:
                expect(due).to_have_count(0)
    expect(rows(page).first.locator(".badge.no")).to_have_text("overdue")
    screenshot(page, "a01-queue")

    # Filters narrow the list: service, then urgency as well.
    filters = page.locator("form.filters")
    filters.get_by_label("Service").select_option(label="Enhanced Care Management")
    filters.get_by_role("button", name="Filter").click()
    expect(rows(page)).to_have_count(ecm_count)
    for i in range(ecm_count):
        expect(rows(page).nth(i).locator("td").nth(2)).to_have_text("Enhanced Care Management")
    filters.get_by_label("Urgency").select_option(label="Expedited")
    filters.get_by_role("button", name="Filter").click()
    expect(rows(page)).to_have_count(ecm_expedited)
    expect(page.get_by_text(f"{ecm_expedited} pending request")).to_be_visible()
    for i in range(ecm_expedited):
        expect(rows(page).nth(i)).to_contain_text("Enhanced Care Management")
        expect(rows(page).nth(i).locator("td").nth(5)).to_have_text("Expedited")
    screenshot(page, "a02-queue-filtered-ecm-expedited")
    filters.get_by_label("Service").select_option(label="Housing transition navigation services")
    filters.get_by_label("Urgency").select_option(label="Any")
    filters.get_by_role("button", name="Filter").click()
    housing_count = sum(a.service.code == "CS_HOUSING_NAVIGATION" for a in queue)
    expect(rows(page)).to_have_count(housing_count)
    expect(page).to_have_url(re.compile(r"service=CS_HOUSING_NAVIGATION"))

    # Assign to me: the row says "Yours", the filters are kept.
    row = row_of(page, deny)
    expect(row.locator("td").nth(6)).to_have_text("—")
    row.get_by_role("button", name="Assign to me").click()
    expect(page.locator("ul.messages")).to_contain_text("Assigned to you.")
    expect(page).to_have_url(re.compile(r"service=CS_HOUSING_NAVIGATION"))
    expect(rows(page)).to_have_count(housing_count)
    expect(row.locator("td").nth(6)).to_have_text("Rene Reviewer")
    expect(row.locator("td").last).to_have_text("Yours")
    expect(row.get_by_role("button", name="Assign to me")).to_have_count(0)
    screenshot(page, "a03-queue-assigned-to-me")
    deny.refresh_from_db()
    assert deny.reviewer == reviewer

    # --- 2. The decision page: eligibility on the start date, the referral, the history. ---
    row.get_by_role("link").click()
    member = deny.member
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Housing transition navigation services for {member.full_name}"
    )
    expect(status_badge(page)).to_have_text("Pending")
    expect(page.locator(".heading-row .party")).to_have_text("CalOptima Health")
    expect(fact(page, "Member")).to_contain_text(member.cin)
    verdict = page.locator("section.verdict")
    expect(verdict.get_by_role("heading")).to_have_text(
        f"Eligibility on the start date, {deny.start_date:%-d %B %Y}"
    )
    expect(verdict).to_contain_text("Community Supports: eligible")
    expect(verdict.locator("ul.reasons li").first).to_be_visible()
    referral_box = page.locator("section[aria-labelledby=ref-h]")
    expect(referral_box.get_by_role("link", name=deny.referral.reference)).to_be_visible()
    expect(referral_box).to_contain_text("Demo: sleeping in a car")
    expect(history(page).locator("strong")).to_have_text(["Requested", "Assigned"])
    expect(history(page).nth(1)).to_contain_text("by Rene Reviewer")
    expect(letters(page)).to_contain_text("No letters yet.")
    screenshot(page, "a04-decision-page")

    # Deny without a reason: the error stands beside the Reason field, nothing changes.
    decision = page.locator("section[aria-labelledby=dec-h]")
    decision.get_by_label("Deny", exact=True).check()
    # A denial asks first (data-confirm): the button says Deny and the dialog confirms it.
    decision.get_by_role("button", name="Deny", exact=True).click()
    page.locator("#confirm-yes").click()
    reason_field = decision.locator(".field").filter(has=page.locator("#id_reason_code"))
    expect(reason_field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(reason_field.locator("p.error")).to_have_text(
        "Give the reason for a modification or a denial."
    )
    expect(status_badge(page)).to_have_text("Pending")
    expect(decision.get_by_label("Deny", exact=True)).to_be_checked()
    expect(letters(page)).to_contain_text("No letters yet.")
    screenshot(page, "a05-deny-without-reason")
    deny.refresh_from_db()
    assert deny.status == Status.PENDING and deny.decided_at is None
    assert deny.events.count() == 2 and not Notice.objects.exists()

    # Deny with a reason and an explanation.
    page.locator("#id_reason_code").select_option("not_medically_appropriate")
    page.locator("#id_member_explanation").fill(DENIAL_EXPLANATION)
    decision.get_by_role("button", name="Deny", exact=True).click()
    page.locator("#confirm-yes").click()
    expect(page.locator("ul.messages")).to_contain_text(
        "Decision recorded. The member's letter (Notice of Action: denial) will be listed"
    )
    expect(status_badge(page)).to_have_text("Denied")
    reason_words = ReasonCode.NOT_MEDICALLY_APPROPRIATE.label
    expect(fact(page, "Reason")).to_have_text(reason_words)
    expect(fact(page, "Decided")).to_contain_text("by Rene Reviewer")
    expect(page.locator("section[aria-labelledby=dec-h]")).to_have_count(0)
    expect(history(page).locator("strong")).to_have_text(["Requested", "Assigned", "Denied"])
    expect(history(page).nth(2)).to_contain_text(f"by Rene Reviewer · {reason_words}")
    expect(history(page).nth(2)).to_contain_text(DENIAL_EXPLANATION)
    letter = letters(page).get_by_role("link", name="Notice of Action: denial")
    expect(letter).to_be_visible()
    expect(letters(page).locator("li")).to_have_count(1)
    expect(letters(page).locator("li")).to_contain_text("EN · from CalOptima Health")
    screenshot(page, "a06-denied-with-letter")

    with page.expect_download() as download:
        letter.click()
    assert download.value.suggested_filename.endswith("-denial.pdf")
    path = download.value.path()
    with open(path, "rb") as f:
        assert f.read(5) == b"%PDF-"
    text = pdf_text(path)
    assert member.full_name in text
    assert APPEAL_TEXT in text
    assert reason_words in text
    assert DENIAL_EXPLANATION in text
    assert "Your Rights" in text
    deny.refresh_from_db()
    assert deny.status == Status.DENIED and deny.decided_by == reviewer

    # --- 3. Approve an ECM request: an approval notice, and the referral is authorized. ---
    nav(page, "Review queue")
    expect(page.get_by_text("11 pending requests, most urgent first.")).to_be_visible()
    expect(row_of(page, deny)).to_have_count(0)
    row_of(page, approve).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Enhanced Care Management for {approve.member.full_name}"
    )
    expect(page.locator("section.verdict")).to_contain_text("ECM: eligible")
    decision = page.locator("section[aria-labelledby=dec-h]")
    decision.get_by_label("Approve", exact=True).check()
    expect(page.locator("#id_start_date")).to_have_value(approve.start_date.isoformat())
    expect(page.locator("#id_end_date")).to_have_value(approve.end_date.isoformat())
    decision.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator("ul.messages")).to_contain_text("Decision recorded")
    expect(status_badge(page)).to_have_text("Approved")
    expect(fact(page, "Dates")).to_have_text(
        f"{approve.start_date:%Y-%m-%d} – {rules.ecm_default_end(approve.start_date):%Y-%m-%d}"
    )
    expect(history(page).last.locator("strong")).to_have_text("Approved")
    approval = letters(page).get_by_role("link", name="Approval notice")
    expect(approval).to_be_visible()
    expect(letters(page)).to_contain_text("from CalOptima Health")
    screenshot(page, "a07-ecm-approved-with-letter")

    page.locator("section[aria-labelledby=ref-h]").get_by_role(
        "link", name=approve.referral.reference
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Referral {approve.referral.reference}"
    )
    expect(status_badge(page)).to_have_text("Authorized")
    timeline = page.locator("ol.timeline li")
    expect(timeline.last.locator("strong")).to_have_text("Authorized")
    expect(timeline.last).to_contain_text("by Rene Reviewer")
    screenshot(page, "a08-referral-authorized")
    approve.refresh_from_db()
    assert approve.status == Status.APPROVED
    assert approve.referral.status == "authorized"
    assert set(Notice.objects.values_list("kind", flat=True)) == {"denial", "approval"}


def test_health_network_sees_only_its_legacy_authorizations_and_ends_one(page, demo, screenshot):
    """R-A2: an HN sees its own legacy authorizations, never another network's; CalOptima Health
    sees them read-only, labelled with the HN; the HN ends one through service closure and the
    Notice of Action comes from the HN (R-N1)."""
    prospect = list(
        Authorization.objects.filter(health_network__name=PROSPECT).order_by("-created_at", "-id")
    )
    altamed = Authorization.objects.filter(health_network__name=ALTAMED).first()
    assert prospect and altamed, "seed_demo loads legacy authorizations for both networks"
    legacy = next(a for a in prospect if a.status == Status.APPROVED)

    # --- 1. Prospect's staff: their legacy authorizations only, each labelled. ---
    sign_in(page, "hnstaff")
    expect(page.locator(".who")).to_contain_text(PROSPECT)
    nav(page, "Authorizations")
    expect(page.get_by_role("heading", level=1)).to_have_text("Authorizations")
    expect(rows(page)).to_have_count(len(prospect))
    for i, a in enumerate(prospect):
        row = rows(page).nth(i)
        expect(row.locator(".party")).to_have_text(f"Health network: {PROSPECT}")
        expect(row.locator("td").last).to_have_text(a.hn_authorization_number)
    expect(page.locator("main")).not_to_contain_text("AMH-2022-")
    expect(page.locator("main")).not_to_contain_text(f"Health network: {ALTAMED}")
    screenshot(page, "a09-hn-legacy-list")

    response = page.goto(f"/authorizations/{altamed.pk}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text(altamed.hn_authorization_number)
    screenshot(page, "a10-hn-other-network-404")

    # --- 2. The HN ends one of its legacy authorizations itself, in one step (R-A2). ---
    page.goto(f"/authorizations/{legacy.pk}/")
    expect(page.locator(".heading-row .party")).to_have_text(f"Health network: {PROSPECT}")
    expect(status_badge(page)).to_have_text("Approved")
    expect(fact(page, "HN authorization number")).to_have_text(legacy.hn_authorization_number)
    expect(page.locator("p.notice")).to_contain_text(f"Legacy authorization created by {PROSPECT}")
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    closure = page.locator("section[aria-labelledby=clos-h]")
    expect(closure).to_contain_text("No change or end requests.")
    expect(closure.get_by_role("button", name="Send request")).to_have_count(0)
    last_day = legacy.start_date.replace(month=12, day=31)
    closure.locator("#id_change-kind").select_option(label="End the service (discharge)")
    closure.get_by_label("End date / last day").fill(last_day.isoformat())
    closure.get_by_label("Reason").select_option("service_ended")
    # R-N5: a last day already past is less than 10 days' notice: the member asked for it.
    closure.get_by_label("Less notice allowed because").select_option("member_request")
    closure.get_by_label("Explanation for the member").fill(
        "Your ECM services ended when you moved out of Orange County, as you told us."
    )
    closure.get_by_label("Note for the file").fill(CLOSURE_REASON)
    screenshot(page, "a11-hn-one-step-end-form")
    closure.get_by_role("button", name="Record and send the letter").click()
    page.locator("#confirm-yes").click()
    expect(page.locator("ul.messages")).to_contain_text(
        "The authorization is ended. Decision recorded. The member's letter "
        "(Notice of Action: termination)",
        timeout=30_000,
    )
    expect(status_badge(page)).to_have_text("Terminated")
    expect(fact(page, "Dates")).to_have_text(f"{legacy.start_date:%Y-%m-%d} – {last_day:%Y-%m-%d}")
    expect(history(page).last.locator("strong")).to_have_text("Terminated")
    expect(history(page).last).to_contain_text("by Harper Network")
    letter = letters(page).get_by_role("link", name="Notice of Action: termination")
    expect(letter).to_be_visible()
    expect(letters(page)).to_contain_text(f"from {PROSPECT}")
    screenshot(page, "a13-hn-terminated-with-letter")
    with page.expect_download() as download:
        letter.click()
    path = download.value.path()
    with open(path, "rb") as f:
        assert f.read(5) == b"%PDF-"
    text = pdf_text(path)
    assert legacy.member.full_name in text
    assert PROSPECT in text
    legacy.refresh_from_db()
    assert legacy.status == Status.TERMINATED and legacy.end_date == last_day
    notice = Notice.objects.get(authorization=legacy)
    assert notice.kind == "termination" and notice.sender.name == PROSPECT
    sign_out(page)

    # --- 3. CalOptima Health's reviewer: the legacy authorization is read-only. ---
    sign_in(page, "reviewer")
    nav(page, "Authorizations")
    expect(row_of(page, legacy).locator(".party")).to_have_text(f"Health network: {PROSPECT}")
    row_of(page, legacy).get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/authorizations/{legacy.pk}/$"))
    expect(page.locator(".heading-row .party")).to_have_text(f"Health network: {PROSPECT}")
    expect(page.locator("p.notice")).to_contain_text(
        f"Legacy authorization created by {PROSPECT} before 1 January 2023: the health network "
        "manages it."
    )
    expect(page.locator("section[aria-labelledby=dec-h]")).to_have_count(0)
    expect(page.get_by_role("button", name="Record decision")).to_have_count(0)
    expect(page.locator("section[aria-labelledby=clos-h] form")).to_have_count(0)
    expect(page.locator("section[aria-labelledby=ref-h]")).to_contain_text(
        "No referral: this authorization came from a health network's file."
    )
    screenshot(page, "a12-reviewer-legacy-read-only")
