"""The confirmation dialog of irreversible actions (static/js/confirm.js), by keyboard: Cancel and
Escape send nothing and give the focus back; Yes acts. A user who cancels and at once asks again
gets a dialog whose Yes still acts (the late "close" event of the first dialog used to forget the
question, and Yes then did nothing)."""

import pytest
from playwright.sync_api import expect

from providers.models import Role, User
from tests.browser.axe import assert_accessible
from tests.browser.conftest import complete_two_step
from tests.providers.factories import EcmProviderFactory, UserFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def people(django_db_serialized_rollback):
    organization = EcmProviderFactory(name="Seaside Clinic")
    admin = UserFactory(organization=organization, role=Role.SITE_ADMIN, username="seaadmin")
    UserFactory(organization=organization, role=Role.CARE_COORDINATOR, username="casey")
    return admin


def open_users_page(page, admin):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill("test-pass-123")
    page.get_by_label("Password").press("Enter")
    complete_two_step(page, admin.username)
    page.goto("/providers/users/")
    return page.locator("tr", has=page.get_by_label("Role for casey")).get_by_role(
        "button", name="Deactivate"
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_cancel_and_escape_send_nothing_and_yes_acts_by_keyboard(page, people, width):
    page.set_viewport_size({"width": width, "height": 844})
    button = open_users_page(page, people)
    dialog = page.locator("#confirm-dialog")

    button.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    expect(dialog.get_by_role("button", name="Deactivate")).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()

    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # on Cancel, which has the focus
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    assert User.objects.get(username="casey").is_active

    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Deactivate")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("casey deactivated.")
    assert not User.objects.get(username="casey").is_active


def test_asking_again_at_once_after_cancelling_still_acts_on_yes(page, people):
    button = open_users_page(page, people)
    dialog = page.locator("#confirm-dialog")
    button.click()
    expect(dialog).to_be_visible()
    # Close and ask again in one go, before the first dialog's "close" event is delivered.
    button.evaluate(
        """b => {
            document.getElementById("confirm-dialog").close();
            b.form.requestSubmit(b);
        }"""
    )
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status")).to_contain_text("casey deactivated.")
    assert not User.objects.get(username="casey").is_active
