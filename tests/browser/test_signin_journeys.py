"""Sign-in journeys in Chromium (issue 9): two-step sign-in for a reviewer (enrolment with the
QR code's key, a wrong code refused, a recovery code once), the idle warning (R-X3: "Stay signed
in" keeps the session, ignoring it signs out), lockout, and an invitation link used once (R-X1)."""

import base64
import re
import time

import pytest
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import expect

from providers.models import Role
from tests.providers.factories import SiteAdminFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

PASSWORD = "test-pass-123"
PHONE = {"width": 390, "height": 844}


def sign_in(page, username, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def both_widths(page, screenshot, name):
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def code_from_key(secret: str, ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed from the enrolment page."""
    key = base64.b32decode(secret.replace(" ", ""))
    totp = TOTP(key)
    totp.time = time.time() + 30 * ahead
    return f"{totp.token():06d}"


def test_reviewer_enrols_then_signs_in_with_a_code_and_a_recovery_code_once(
    page, caloptima, screenshot
):
    UserFactory(username="rita", organization=caloptima, role=Role.UTILIZATION_REVIEWER)
    sign_in(page, "rita")
    # The password alone does not sign a reviewer in: enrolment comes first.
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    both_widths(page, screenshot, "signin-01-enrol")
    page.goto("/members/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/members/$"))

    sign_in(page, "rita")
    wrong = "000000" if code_from_key(secret) != "000000" else "111111"
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Turn on and continue").click()
    expect(page.locator(".error")).to_contain_text("That code is not right")
    time.sleep(1.2)  # django-otp: one second before the next try
    page.get_by_label("Code").fill(code_from_key(secret))
    page.get_by_role("button", name="Turn on and continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("ul.codes code").all_inner_texts()
    assert len(codes) == 10
    both_widths(page, screenshot, "signin-02-recovery-codes")
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    sign_out(page)

    # Next time: the code from the app; a wrong one is refused with a message.
    sign_in(page, "rita")
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".error")).to_contain_text("That code is not right")
    both_widths(page, screenshot, "signin-03-wrong-code")
    time.sleep(1.2)
    page.get_by_label("Code").fill(code_from_key(secret, ahead=1))  # the enrolment used now's
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".who")).to_contain_text("Utilization reviewer")
    sign_out(page)

    # A recovery code works once.
    sign_in(page, "rita")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("You used a recovery code; 9 left")
    sign_out(page)
    sign_in(page, "rita")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".error")).to_contain_text("That code is not right")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_r_x3_idle_warning_keeps_the_session_or_signs_out(page, settings, screenshot):
    settings.SESSION_IDLE_TIMEOUT = 7
    settings.SESSION_IDLE_WARNING = 5
    UserFactory(username="idle")
    sign_in(page, "idle")
    page.goto("/members/")
    dialog = page.get_by_role("dialog", name="Are you still there?")
    expect(dialog).to_be_visible(timeout=6_000)  # 2 s after the page, 5 s before the end
    stay = dialog.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    both_widths(page, screenshot, "signin-04-idle-warning")
    page.keyboard.press("Enter")  # keyboard operable
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/members/$"))
    # Staying reset the clock: the warning comes back, and ignoring it signs out.
    expect(dialog).to_be_visible(timeout=6_000)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible(timeout=10_000)
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=%2Fmembers%2F$"))
    expect(page.get_by_role("status")).to_contain_text("signed out after a period without")
    screenshot(page, "signin-05-signed-out-idle-1280")
    page.goto("/members/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_lockout_after_five_failed_sign_ins_is_explained(page, screenshot):
    UserFactory(username="locked")
    for _ in range(5):
        sign_in(page, "locked", "wrong-password")
    expect(page.get_by_role("heading", name="Sign-in paused")).to_be_visible()
    sign_in(page, "locked")  # the right password, too late
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-ins")
    both_widths(page, screenshot, "signin-06-locked-out")


def test_r_x1_invitation_link_sets_a_password_once(page, screenshot):
    admin = SiteAdminFactory(username="orgadmin")
    sign_in(page, "orgadmin")
    page.goto("/providers/users/")
    form = page.locator("section[aria-labelledby=new-h]")
    form.get_by_label("Username").fill("newcomer")
    form.get_by_label("First name").fill("Nia")
    form.get_by_label("Last name").fill("Newcomer")
    form.get_by_label("Email").fill("newcomer@example.invalid")
    form.get_by_label("Role").select_option(Role.CARE_COORDINATOR)
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("invitation to set a password was sent")
    expect(page.get_by_role("row", name=re.compile("newcomer"))).to_contain_text(
        "Invited, no password yet"
    )
    both_widths(page, screenshot, "signin-07-users-invited")
    sign_out(page)

    (message,) = [m for m in mail.outbox if m.to == ["newcomer@example.invalid"]]
    link = re.search(r"https?://\S+", message.body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose your password")).to_be_visible()
    both_widths(page, screenshot, "signin-08-invite-accept")
    page.locator("#id_new_password1").fill("a-long-new-passphrase-9")
    page.get_by_label("New password confirmation").fill("a-long-new-passphrase-9")
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()
    sign_in(page, "newcomer", "a-long-new-passphrase-9")
    expect(page.locator(".who")).to_contain_text(str(admin.organization))
    sign_out(page)
    page.goto(link)
    expect(page.get_by_role("heading", name="This invitation no longer works")).to_be_visible()
    screenshot(page, "signin-09-invite-used-1280")
