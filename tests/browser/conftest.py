"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's own browser download is never used: Chromium comes from the system (/usr/bin/chromium).
"""

import os
import time
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API keeps an event loop running in the test thread; Django's ORM refuses to run
# in such a thread unless told it is safe. The loop only talks to the browser, so it is.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def browser(require_chromium):
    """Chromium for one test, started after pytest-django has prepared the database. While
    Playwright's event loop runs, asgiref counts this thread as async and Django gives it a second
    set of database connections: they are closed here before the loop stops, so no connection
    outlives the test and the database setup and teardown keep using their own connections."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            connections.close_all()
            chromium.close()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Seeding seven demo users with the real hasher takes seconds; the passwords are synthetic."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _steady_totp(settings):
    """Codes are computed for exact time steps (totp_code): no drift learning between sign-ins."""
    settings.OTP_TOTP_SYNC = False


def totp_code(username: str) -> str:
    """The authenticator code for a user's confirmed TOTP device, as a phone would show it.
    A code is accepted once per 30 s step: a second sign-in in the same step uses the next step
    (within the one-step tolerance), a third waits for the clock."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    now = int((time.time() - device.t0) // device.step)
    if device.last_t + 1 > now + 1:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.2)
        now += 1
    step = max(now, device.last_t + 1)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, 0)
    totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"


def complete_two_step(page, username: str) -> None:
    """After the password: CalOptima staff and system admins give their authenticator code."""
    from playwright.sync_api import expect

    page.wait_for_load_state()
    if "/accounts/login/verify/" not in page.url:
        return
    page.get_by_label("Code").fill(totp_code(username))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture
def page(browser, live_server, django_db_serialized_rollback):
    """A fresh browser context (no cookies) on the live server. Serialized rollback gives each test
    the reference data the migrations load (services, organizations, POFs)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot as artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture(scope="module", autouse=True)
def _restore_reference_data(django_db_setup, django_db_blocker):
    """live_server tests end by emptying every table. Put the migrations' reference data back after
    this module, so that transactional tests collected later (which pytest-django runs after these
    and which do not ask for serialized rollback) still find it."""
    yield
    with django_db_blocker.unblock():
        for conn in connections.all():
            contents = getattr(conn, "_test_serialized_contents", None)
            if contents:
                conn.creation.deserialize_db_from_string(contents)
