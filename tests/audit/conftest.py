"""Fixtures for the audit trail tests (R-X3): a member with a referral and an authorization held
by one organization, people inside and outside it, and the compliance admin."""

import pytest
from django.test import Client

from tests.authorizations.factories import AuthorizationFactory
from tests.providers.factories import SystemAdminFactory
from tests.referrals.factories import ReferralFactory

# clinic, coordinator, health_network, stranger and member come from tests/conftest.py.


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def referral(member, clinic, coordinator):
    return ReferralFactory(member=member, referring_organization=clinic, referring_user=coordinator)


@pytest.fixture
def authorization(member):
    return AuthorizationFactory(member=member)


@pytest.fixture
def sysadmin():
    return SystemAdminFactory()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
