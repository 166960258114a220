"""What keyboard-only journeys share: sign in by keyboard, Tab to a control, check a page as it
stands (axe-core, no sideways scroll, a screenshot to look at)."""

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import complete_two_step

PASSWORD = "test-pass-123"  # tests.providers.factories.UserFactory


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Type into the fields, Enter submits; CalOptima Health staff then give their code."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").press_sequentially(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(re.compile(r"/accounts/login/$"))
    complete_two_step(page, username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def focused(page, locator) -> bool:
    return page.evaluate("e => document.activeElement === e", locator.element_handle())


def tab_to(page, locator, limit: int = 200) -> None:
    """Press Tab until the locator has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page, locator):
            return
    raise AssertionError(f"Tab never reached {locator}")


def checked(page, name: str, *, folder: Path) -> None:
    """axe-core on the page as it stands (0 violations), no sideways scroll, a screenshot."""
    assert_accessible(page)
    root = "document.documentElement"
    assert page.evaluate(f"() => {root}.scrollWidth - {root}.clientWidth") <= 0, name
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
