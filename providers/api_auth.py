"""API authentication and throttling: tokens that expire (API_TOKEN_TTL_HOURS) and can be revoked
(deleting the token: by its user on the account security page, by system admins in Django admin),
and request rates per user and per address read from settings on each request."""

import datetime

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions, throttling
from rest_framework.authentication import TokenAuthentication


def token_expires_at(token) -> datetime.datetime:
    return token.created + datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused once older than API_TOKEN_TTL_HOURS (the expired token is deleted)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expires_at(token) <= timezone.now():
            token.delete()
            raise exceptions.AuthenticationFailed(
                "This token has expired. Create a new one on your account security page."
            )
        return user, token


class AnonThrottle(throttling.AnonRateThrottle):
    """Requests without valid credentials, per client address (API_THROTTLE_ANON)."""

    def get_rate(self):
        return settings.API_THROTTLE_ANON


class UserThrottle(throttling.UserRateThrottle):
    """Requests per signed-in user or token (API_THROTTLE_USER)."""

    def get_rate(self):
        return settings.API_THROTTLE_USER
