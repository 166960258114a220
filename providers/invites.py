"""One-time invitation links: a site administrator invites a person, who sets their own password
(R-X1). The link works once (its token covers the password, which setting one changes) and
expires after INVITE_LINK_TIMEOUT seconds."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode


class InviteTokenGenerator(PasswordResetTokenGenerator):
    """Django's password reset token with its own salt and lifetime."""

    key_salt = "calaim.providers.invites.InviteTokenGenerator"

    def check_token(self, user, token):
        if not (user and token) or token.count("-") != 1:
            return False
        try:
            issued = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - issued > settings.INVITE_LINK_TIMEOUT:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, issued, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


invite_tokens = InviteTokenGenerator()


def invite_path(user) -> str:
    return reverse(
        "invite_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invite_tokens.make_token(user),
        },
    )


def send_invitation(user, *, site_url: str, invited_by) -> None:
    """Emails the person their link (site_url is the scheme and host the admin is using)."""
    context = {
        "user": user,
        "link": site_url.rstrip("/") + invite_path(user),
        "invited_by": invited_by,
        "organization": user.organization,
        "days": max(1, settings.INVITE_LINK_TIMEOUT // 86400),
    }
    send_mail(
        subject="Your CalAIM Connect account",
        message=render_to_string("registration/invite_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
