"""Two-step sign-in (TOTP through django-otp) and recovery codes (django-otp static tokens).

Required for CalOptima Health staff and system admins (User.requires_two_factor), optional for
everyone else. A recovery code works once."""

import math
from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def totp_device(user, *, confirmed=True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def start_enrolment(user) -> TOTPDevice:
    """The user's unconfirmed authenticator (a new secret the first time); it counts only once a
    code from it is confirmed."""
    device = totp_device(user, confirmed=False)
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, to type into an app that cannot scan."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no script, no style attribute)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code")


def _clean(code: str) -> str:
    return "".join((code or "").split()).lower()


@transaction.atomic
def confirm_enrolment(user, device_id: int, code: str) -> list[str] | None:
    """Confirms the device if the code is right; then gives the first recovery codes."""
    device = TOTPDevice.objects.select_for_update().get(pk=device_id, user=user, confirmed=False)
    if not device.verify_token(_clean(code)):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user) -> list[str]:
    """Replaces the user's recovery codes with RECOVERY_CODE_COUNT fresh ones."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_NAME)
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def wait_seconds(user, *, confirmed=True) -> int:
    """Seconds until another code may be tried (django-otp slows down guessing after wrong
    codes: 1 s, 2 s, 4 s, ...)."""
    now = timezone.now()
    waits = [0.0]
    for device in TOTPDevice.objects.filter(user=user, confirmed=confirmed):
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            waits.append((data["locked_until"] - now).total_seconds())
    return math.ceil(max(waits))


@transaction.atomic
def verify_second_factor(user, code: str):
    """The device that accepts the code (the authenticator, or a recovery code used up), or None."""
    code = _clean(code)
    if not code:
        return None
    if code.isdigit():
        device = totp_device(user)
        if device and device.verify_token(code):
            return device
        return None
    for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
        if device.verify_token(code):
            return device
    return None


@transaction.atomic
def turn_off(user) -> None:
    """Removes the authenticator and recovery codes (not allowed where two-step is required)."""
    if user.requires_two_factor:
        raise PermissionError("Two-step sign-in is required for your role.")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
