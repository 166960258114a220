"""Sign-in and sessions (issue 9; R-X1 invitations, R-X3 automatic logoff): lockout, API
throttling, idle and absolute session limits, token expiry and revocation, two-step sign-in,
invitation and password reset links, DEBUG default, security headers, schema and docs sign-in."""

import datetime
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from providers import sessions, two_factor
from providers.models import Role
from tests.providers.factories import SiteAdminFactory, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/accounts/login/verify/"
ENROL = "/accounts/login/enrol/"
SECURITY = "/accounts/security/"
STATUS = "/accounts/session/"
API = "/api/v1/organizations/"
PASSWORD = "test-pass-123"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def coordinator():
    return UserFactory(role=Role.CARE_COORDINATOR)


def sign_in(client, username, password=PASSWORD, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in_user(client):
    return client.get("/").wsgi_request.user


def code_for(device, ahead=0):
    """The device's TOTP code, `ahead` time steps from now (a code is accepted once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + ahead * device.step
    return f"{totp.token():0{device.digits}d}"


# --- Lockout (django-axes): per account and per address ------------------------------------


def test_lockout_per_account_after_five_failures_from_any_address(client, coordinator):
    for n in range(5):
        sign_in(client, coordinator.username, "wrong", address=f"10.0.1.{n}")
    response = sign_in(client, coordinator.username, address="10.0.9.9")  # right password
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "paused for 15 minutes" in response.content.decode()
    assert not signed_in_user(client).is_authenticated
    # Another person signs in from that same address without trouble.
    other = UserFactory()
    assert sign_in(client, other.username, address="10.0.9.9").status_code == 302


def test_lockout_per_address_after_five_failures_for_any_usernames(client, coordinator):
    for n in range(5):
        sign_in(client, f"guess{n}", "wrong", address="10.0.2.2")
    response = sign_in(client, coordinator.username, address="10.0.2.2")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    # The account itself is fine from elsewhere.
    assert sign_in(client, coordinator.username, address="10.0.3.3").status_code == 302


def test_four_failures_then_the_right_password_signs_in(client, coordinator):
    for _ in range(4):
        response = sign_in(client, coordinator.username, "wrong")
        assert "Please enter a correct username and password" in response.content.decode()
    assert sign_in(client, coordinator.username).status_code == 302
    assert signed_in_user(client) == coordinator


# --- API throttling ---------------------------------------------------------------------------


def test_api_throttles_each_user(api_client, coordinator, settings):
    settings.API_THROTTLE_USER = "3/minute"
    api_client.force_authenticate(coordinator)
    responses = [api_client.get(API) for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert int(responses[-1]["Retry-After"]) > 0
    assert "throttled" in responses[-1].content.decode().lower()
    other = APIClientFor(UserFactory())
    assert other.get(API).status_code == 200  # counted per user


def test_api_token_callers_are_throttled_too(api_client, coordinator, settings):
    settings.API_THROTTLE_USER = "2/minute"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=coordinator)}")
    assert [api_client.get(API).status_code for _ in range(3)] == [200, 200, 429]


def APIClientFor(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


# --- Sessions: idle and absolute limits (R-X3) ------------------------------------------------


def _age(client, **seconds_ago):
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[getattr(sessions, key)] = now - ago
    session.save()


def test_r_x3_idle_session_ends_with_a_message(client, coordinator, settings):
    settings.SESSION_IDLE_TIMEOUT = 15 * 60
    client.force_login(coordinator)
    _age(client, LAST_ACTIVITY=14 * 60)
    assert client.get("/").status_code == 200  # 14 minutes idle: still signed in
    _age(client, LAST_ACTIVITY=15 * 60 + 1)
    response = client.get("/members/", follow=True)
    assert response.redirect_chain[-1][0].startswith(f"{LOGIN}?next=/members/")
    assert "signed out after a period without activity" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_r_x3_idle_session_ends_for_the_api_too(client, coordinator):
    client.force_login(coordinator)
    assert client.get(API).status_code == 200
    _age(client, LAST_ACTIVITY=16 * 60)
    assert client.get(API).status_code in (401, 403)


def test_r_x3_absolute_limit_ends_an_active_session_after_12_hours(client, coordinator):
    client.force_login(coordinator)
    _age(client, SIGNED_IN_AT=12 * 3600 - 60, LAST_ACTIVITY=5)
    assert client.get("/").status_code == 200
    _age(client, SIGNED_IN_AT=12 * 3600 + 1, LAST_ACTIVITY=5)
    response = client.get("/", follow=True)
    assert "a session ends 12 hours after sign-in" in response.content.decode()
    assert not signed_in_user(client).is_authenticated


def test_r_x3_session_status_is_not_activity_and_stay_signed_in_is(client, coordinator):
    client.force_login(coordinator)
    _age(client, LAST_ACTIVITY=14 * 60)
    left = client.get(STATUS).json()["seconds_left"]
    assert 55 <= left <= 60  # asking did not count as activity
    assert client.post(STATUS).json()["seconds_left"] >= 15 * 60 - 2  # staying did
    client.logout()
    assert client.get(STATUS).status_code == 401


def test_pages_carry_the_idle_warning_with_its_script(client, coordinator, settings):
    settings.SESSION_IDLE_WARNING = 60
    client.force_login(coordinator)
    html = client.get("/").content.decode()
    assert 'id="idle-warning"' in html and 'data-warning-seconds="60"' in html
    assert "js/session-timeout.js" in html
    assert "Stay signed in" in html


# --- API tokens: expiry and revocation ----------------------------------------------------


def test_api_token_expires_after_the_configured_time(api_client, coordinator, settings):
    settings.API_TOKEN_TTL_HOURS = 24
    token = Token.objects.create(user=coordinator)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(API).status_code == 200
    Token.objects.filter(pk=token.pk).update(
        created=timezone.now() - datetime.timedelta(hours=24, seconds=1)
    )
    response = api_client.get(API)
    assert response.status_code in (401, 403)
    assert "expired" in response.content.decode()
    assert not Token.objects.filter(user=coordinator).exists()


def test_user_creates_and_revokes_their_own_token(client, api_client, coordinator):
    client.force_login(coordinator)
    page = client.post(SECURITY, {"action": "token_new"}).content.decode()
    key = Token.objects.get(user=coordinator).key
    assert key in page  # shown once, on creation
    assert key not in client.get(SECURITY).content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.get(API).status_code == 200
    client.post(SECURITY, {"action": "token_revoke"})
    assert api_client.get(API).status_code in (401, 403)


def test_r_x1_site_admin_revokes_a_token_of_their_organization_only(client, api_client):
    admin = SiteAdminFactory()
    person = UserFactory(organization=admin.organization)
    stranger = UserFactory()
    token = Token.objects.create(user=person)
    Token.objects.create(user=stranger)
    client.force_login(admin)
    assert client.post(f"/providers/users/{stranger.pk}/token/").status_code == 404
    client.post(f"/providers/users/{person.pk}/token/")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(API).status_code in (401, 403)
    assert Token.objects.filter(user=stranger).exists()


def test_r_x1_deactivating_a_user_revokes_their_token(client):
    admin = SiteAdminFactory()
    person = UserFactory(organization=admin.organization)
    Token.objects.create(user=person)
    client.force_login(admin)
    client.post(f"/providers/users/{person.pk}/active/", {"active": "0"})
    assert not Token.objects.filter(user=person).exists()


# --- Two-step sign-in (TOTP, recovery codes) ------------------------------------------------


def test_staff_without_an_authenticator_enrol_before_they_are_signed_in(client, reviewer):
    response = sign_in(client, reviewer.username)
    assert response.url == ENROL
    assert not signed_in_user(client).is_authenticated  # the password alone is not enough
    page = client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=reviewer, confirmed=False)
    assert two_factor.secret_text(device) in page and "<svg" in page
    wrong = client.post(ENROL, {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert "That code is not right" in wrong.content.decode()
    assert not signed_in_user(client).is_authenticated
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # no 1 s wait
    done = client.post(ENROL, {"code": code_for(device)})
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    assert len(codes) == 10
    user = signed_in_user(client)
    assert user == reviewer and user.is_verified()


def test_staff_with_an_authenticator_give_its_code_and_a_wrong_code_is_refused(client, reviewer):
    device = TOTPDevice.objects.create(user=reviewer, name="app", confirmed=True)
    response = sign_in(client, reviewer.username)
    assert response.url == VERIFY
    wrong = "000000" if code_for(device) != "000000" else "111111"
    page = client.post(VERIFY, {"code": wrong}).content.decode()
    assert "That code is not right" in page
    assert not signed_in_user(client).is_authenticated
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302 and response.url == "/"
    assert signed_in_user(client) == reviewer


def test_a_recovery_code_works_once(client, reviewer):
    TOTPDevice.objects.create(user=reviewer, name="app", confirmed=True)
    code = two_factor.new_recovery_codes(reviewer)[0]
    sign_in(client, reviewer.username)
    response = client.post(VERIFY, {"code": code}, follow=True)
    assert signed_in_user(client) == reviewer
    assert "You used a recovery code; 9 left" in response.content.decode()
    client.logout()
    sign_in(client, reviewer.username)
    assert "That code is not right" in client.post(VERIFY, {"code": code}).content.decode()
    assert not signed_in_user(client).is_authenticated
    assert StaticToken.objects.filter(device__user=reviewer).count() == 9


def test_wrong_codes_count_towards_the_lockout(client, reviewer):
    TOTPDevice.objects.create(user=reviewer, name="app", confirmed=True)
    sign_in(client, reviewer.username)
    for _ in range(4):
        client.post(VERIFY, {"code": "not-a-code"})
    response = client.post(VERIFY, {"code": "not-a-code"}, follow=True)
    assert "Too many wrong codes" in response.content.decode()
    assert sign_in(client, reviewer.username).status_code == 429


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.UTILIZATION_REVIEWER])
def test_two_step_is_required_for_caloptima_staff_and_system_admins(client, caloptima, role):
    user = UserFactory(organization=caloptima, role=role)
    assert user.requires_two_factor
    assert sign_in(client, user.username).url == ENROL


def test_two_step_is_optional_for_others_and_used_once_turned_on(client, coordinator):
    assert not coordinator.requires_two_factor
    assert sign_in(client, coordinator.username).url == "/"
    client.get(reverse("security_enrol"))
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    client.post(reverse("security_enrol"), {"code": code_for(device)})
    assert two_factor.has_two_factor(coordinator)
    client.logout()
    assert sign_in(client, coordinator.username).url == VERIFY
    client.post(VERIFY, {"code": code_for(device, ahead=1)})
    assert signed_in_user(client) == coordinator
    client.post(SECURITY, {"action": "two_factor_off"})
    assert not two_factor.has_two_factor(coordinator)


def test_required_two_step_cannot_be_turned_off(client, reviewer):
    TOTPDevice.objects.create(user=reviewer, name="app", confirmed=True)
    client.force_login(reviewer)
    client.post(SECURITY, {"action": "two_factor_off"})
    assert two_factor.has_two_factor(reviewer)


def test_the_admin_site_signs_in_through_the_two_step_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url.startswith(f"{LOGIN}?next=/admin/")


def test_the_second_step_expires(client, reviewer, settings):
    TOTPDevice.objects.create(user=reviewer, name="app", confirmed=True)
    sign_in(client, reviewer.username)
    settings.TWO_FACTOR_PENDING_SECONDS = -1
    response = client.get(VERIFY, follow=True)
    assert "took too long" in response.content.decode()


# --- Invitations (R-X1) and password reset: single use, expiring ----------------------------


def _link(message):
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def _set_password(client, link, password="a-new-long-passphrase-7"):
    response = client.get(link)
    assert response.status_code == 302  # the token moves to the session, out of the URL
    form_url = response.url
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_r_x1_invitation_sets_the_password_once(client, django_capture_on_commit_callbacks):
    admin = SiteAdminFactory()
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/providers/users/",
            {
                "username": "newbie",
                "first_name": "New",
                "last_name": "Bie",
                "email": "newbie@example.invalid",
                "role": Role.CARE_COORDINATOR,
            },
        )
    client.logout()
    (message,) = mail.outbox
    link = _link(message)
    assert link.startswith("/accounts/invite/") and "newbie" in message.body
    assert sign_in(client, "newbie", "").status_code == 200  # no password yet
    response = _set_password(client, link)
    assert response.status_code == 302 and response.url == reverse("invite_done")
    assert sign_in(client, "newbie", "a-new-long-passphrase-7").status_code == 302
    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "This invitation no longer works" in again


def test_r_x1_invitation_link_expires(client, settings):
    from providers.invites import invite_path

    person = UserFactory()
    person.set_unusable_password()
    person.save()
    link = invite_path(person)
    settings.INVITE_LINK_TIMEOUT = -1
    assert "This invitation no longer works" in client.get(link, follow=True).content.decode()


def test_password_reset_by_email_works_once(
    client, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the email goes after the commit
        response = client.post(
            "/accounts/password-reset/", {"email": coordinator.email}, follow=True
        )
    assert "Check your email" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == [coordinator.email]
    link = _link(message)
    assert _set_password(client, link).url == reverse("password_reset_complete")
    assert sign_in(client, coordinator.username, "a-new-long-passphrase-7").status_code == 302
    client.logout()
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.invalid"})
    assert response.status_code == 302
    assert mail.outbox == []


# --- Headers, schema and docs ---------------------------------------------------------------


def _assert_no_store(response):
    assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


def test_pages_api_and_schema_carry_the_security_headers(client, coordinator):
    client.force_login(coordinator)
    for url in ["/", "/members/", API, "/api/schema/", "/api/docs/", LOGIN, SECURITY]:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_no_store(response)
        assert response["Permissions-Policy"].startswith("accelerometer=()"), url
        assert "camera=()" in response["Permissions-Policy"]
        csp = response["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert script_src.strip() == "'self'", url
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    anonymous = client.__class__()
    _assert_no_store(anonymous.get(LOGIN))
    _assert_no_store(anonymous.get(API))  # a refusal too
    # Static files carry no member information and stay cacheable.
    static = anonymous.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.get("Cache-Control", "")


def test_the_api_schema_and_docs_need_sign_in(client, coordinator):
    assert client.get("/api/schema/").status_code in (401, 403)
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response.url.startswith(f"{LOGIN}?next=/api/docs/")
    client.force_login(coordinator)
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    # Every script of the docs page is a file of this site: nothing inline for the CSP to block.
    scripts = re.findall(r"<script([^>]*)>", docs)
    assert scripts and all('src="/' in attrs for attrs in scripts)
    assert client.get("/api/docs/?script=").status_code == 200


def test_no_template_has_inline_script_style_attributes_or_event_handlers():
    """The CSP forbids inline script and style; the letter template is rendered to PDF only."""
    offenders = []
    for path in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in path.parts or path.name == "letter.html":
            continue
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(
            r"\sstyle=|<style|\son[a-z]+=", text
        ):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_debug_is_off_unless_asked_for():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "CALAIM_PRODUCTION")}
    env["DJANGO_SETTINGS_MODULE"] = "calaim.settings"
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert run.stdout.strip().splitlines()[-1] == "False", run.stderr
    env["DEBUG"] = "1"
    run = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert run.stdout.strip().splitlines()[-1] == "True", run.stderr
