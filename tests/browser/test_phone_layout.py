"""At phone width (390 px) the top bar folds its menu behind one "Menu" button that works by
keyboard; at desktop width the menu is always shown. Tables scroll inside their own box and words
are not broken letter by letter."""

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import complete_two_step

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def sign_in(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("test-pass-123")
    page.get_by_label("Password").press("Enter")
    complete_two_step(page, user.username)


def test_the_menu_folds_behind_a_button_at_phone_width_and_opens_by_keyboard(
    page, coordinator, screenshot
):
    page.set_viewport_size(PHONE)
    sign_in(page, coordinator)
    menu = page.get_by_role("button", name="Menu")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(main_nav.get_by_role("link", name="Referrals")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "phone-menu-closed-390")

    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(main_nav.get_by_role("link", name="Referrals")).to_be_visible()
    expect(page.get_by_role("link", name="Account security")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "phone-menu-open-390")

    page.keyboard.press("Tab")
    expect(main_nav.get_by_role("link", name="Home")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()

    menu.press("Enter")
    main_nav.get_by_role("link", name="Referrals").press("Enter")
    expect(page.get_by_role("heading", name="Referrals", level=1)).to_be_visible()
    root = "document.documentElement"
    overflow = f"() => {root}.scrollWidth - {root}.clientWidth"
    assert page.evaluate(overflow) <= 0


def test_the_menu_is_always_shown_at_desktop_width(page, coordinator):
    sign_in(page, coordinator)
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals")
    ).to_be_visible()


def test_table_cells_keep_their_words_whole_at_phone_width(page, coordinator):
    """A narrow table scrolls inside its box; it does not break 'Enhanced Care Management' into
    'Enhanc / ed Care / Manag / ement' to squeeze into the screen."""
    from tests.referrals.factories import ReferralFactory

    ReferralFactory(referring_organization=coordinator.organization, referring_user=coordinator)
    page.set_viewport_size(PHONE)
    sign_in(page, coordinator)
    page.goto("/referrals/")
    cell = page.locator("td", has_text="Enhanced Care Management").first
    expect(cell).to_be_visible()
    words_fit = cell.evaluate(
        """el => {
            const range = document.createRange();
            range.selectNodeContents(el);
            const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return lines.size <= 3;
        }"""
    )
    assert words_fit, "a three-word cell is broken over more than three lines"


@pytest.mark.parametrize("width", [1280, 390])
def test_the_message_banner_after_an_action_is_a_valid_list_in_a_status_region(page, width):
    """axe `listitem`: the banner was a <ul role="status">, which stops being a list."""
    page.set_viewport_size({"width": width, "height": 844})
    page.goto("/accounts/login/verify/")  # no sign-in under way: back to the password, with a note
    banner = page.get_by_role("status")
    expect(banner.get_by_role("listitem")).to_have_text(
        "Your sign-in took too long. Enter your password again."
    )
    assert_accessible(page)
