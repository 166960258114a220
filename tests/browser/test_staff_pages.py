"""Staff pages of issue 10 part E in a real Chromium, as people use them, at 1280 and 390 px with
axe-core on every page: the users page (a role change says the new role, deactivate asks first),
the Capacity page (a slip of the keyboard refused beside the field, the typed value kept), the
member page (Refer this member, the member's referrals) and each demo role's home page (work as
counts). Synthetic data (seed_demo). Screenshots: /tmp/shots/E/."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from calaim.management.commands.seed_demo import DEMO_PASSWORD
from providers.models import Offering, User
from tests.browser.axe import assert_accessible
from tests.browser.conftest import complete_two_step

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SHOTS = Path("/tmp/shots/E")
WIDTHS = [1280, 390]
ROLES = ["coordinator", "clinic", "provider", "reviewer", "hnstaff", "siteadmin", "sysadmin"]
RULE_ID = re.compile(r"R-[A-Z]\d")


@pytest.fixture
def demo(django_db_serialized_rollback):
    call_command("seed_demo", members=30, allow_demo_data=True, stdout=io.StringIO())


def sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_label("Password").press("Enter")
    complete_two_step(page, username)
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()


def check(page, name: str) -> None:
    """axe at desktop and phone width (no sideways scroll), a screenshot of each; back to 1280."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        assert_accessible(page)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px at {width}px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_site_admin_changes_a_role_deactivates_after_confirming_and_edits_capacity(page, demo):
    sign_in(page, "siteadmin")
    page.get_by_role("link", name="Users").first.click()
    expect(page.get_by_role("heading", name="Users of AltaMed Health Services")).to_be_visible()
    role = page.get_by_label("Role for coordinator")
    # Roles AltaMed cannot hold are not offered (R-X1).
    offered = role.locator("option").all_inner_texts()
    assert "Utilization reviewer" not in offered and "System admin" not in offered
    check(page, "users")

    role.select_option(label="Provider staff")
    row = page.locator("tr", has=page.get_by_label("Role for coordinator"))
    row.get_by_role("button", name="Change").click()
    expect(page.get_by_role("status")).to_contain_text("coordinator is now Provider staff.")
    assert User.objects.get(username="coordinator").role == "provider_staff"

    # Deactivate asks first: Cancel (Escape) sends nothing, Yes deactivates.
    row = page.locator("tr", has=page.get_by_label("Role for coordinator"))
    row.get_by_role("button", name="Deactivate").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Deactivate coordinator?")
    check(page, "users-confirm-deactivate")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert User.objects.get(username="coordinator").is_active
    row.get_by_role("button", name="Deactivate").click()
    dialog.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status")).to_contain_text("coordinator deactivated.")
    assert not User.objects.get(username="coordinator").is_active

    # Capacity, from the users page: 99,999,999,999 slots is a slip, refused beside the field.
    page.get_by_role("link", name="Published capacity").click()
    expect(page.get_by_role("heading", name="Capacity of AltaMed Health Services")).to_be_visible()
    offering = Offering.objects.get(organization__name="AltaMed Health Services")
    before = offering.open_slots
    slots = page.get_by_label("Open slots")
    slots.fill("99999999999")
    slots.press("Enter")
    expect(page.locator(f"#id_o{offering.pk}-open_slots_error")).to_have_text(
        "At most 10,000 open slots."
    )
    expect(page.get_by_label("Open slots")).to_have_value("99999999999")
    expect(page.get_by_label("Open slots")).to_have_attribute("aria-invalid", "true")
    offering.refresh_from_db()
    assert offering.open_slots == before
    check(page, "capacity-refused")

    page.get_by_label("Open slots").fill("25")
    page.get_by_label("Accepting referrals").uncheck()
    page.get_by_role("button", name="Save enhanced care management").click()
    expect(page.get_by_role("status")).to_contain_text("Capacity for Enhanced Care Management")
    offering.refresh_from_db()
    assert (offering.open_slots, offering.accepting_referrals) == (25, False)
    expect(page.get_by_label("Open slots")).to_have_value("25")
    check(page, "capacity-saved")


def test_provider_staff_find_capacity_from_home_and_keep_it_current(page, demo):
    sign_in(page, "provider")
    work = page.locator("ul.work")
    link = work.get_by_role("link", name=re.compile("keep capacity current"))
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", name="Capacity of Mercy House")).to_be_visible()
    first = Offering.objects.filter(organization__name="Mercy House").order_by("service__name")[0]
    field = page.locator(f"#id_o{first.pk}-open_slots")
    field.fill("7")
    field.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(f"Capacity for {first.service} updated.")
    first.refresh_from_db()
    assert first.open_slots == 7
    check(page, "capacity-provider")


def test_reviewer_finds_a_member_refers_them_and_sees_their_referrals(page, demo):
    sign_in(page, "reviewer")
    page.goto("/members/")
    page.get_by_label("CIN").fill("90000001B")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=re.compile("Choi, Elena")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Elena Choi")
    verdict = page.locator(".verdict")
    expect(verdict).to_contain_text("POF 2 (Individuals at risk for avoidable hospital")
    expect(page.locator("main")).not_to_contain_text(RULE_ID)
    referrals = page.locator("section[aria-labelledby=ref-h]")
    expect(referrals.get_by_role("heading", name="Referrals")).to_be_visible()
    check(page, "member")
    refer = page.get_by_role("link", name="Refer this member")
    member_pk = page.url.rstrip("/").split("/")[-1]
    expect(refer).to_have_attribute("href", f"/referrals/new/?member={member_pk}")
    refer.click()
    expect(page.get_by_role("heading", name="New referral")).to_be_visible()


@pytest.mark.parametrize("username", ROLES)
def test_each_demo_roles_home_shows_its_work_as_counts_that_open_lists(page, demo, username):
    sign_in(page, username)
    page.goto("/")
    items = page.locator("ul.work a.work-item")
    expect(items.first).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(RULE_ID)
    check(page, f"home-{username}")
    hrefs = items.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    for href in hrefs:
        response = page.goto(href)
        assert response.status == 200, f"{username}: {href} answered {response.status}"
