"""Fixtures for the audit trail tests (R-X3): a member with a referral and an authorization held
by one organization, people inside and outside it, and the compliance admin."""

import datetime

import pytest
from django.test import Client

from providers.models import Organization, Role
from tests.authorizations.factories import AuthorizationFactory
from tests.members.factories import member_with_history
from tests.providers.factories import EcmProviderFactory, SystemAdminFactory, UserFactory
from tests.referrals.factories import ReferralFactory


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def health_network():
    return Organization.objects.get(name="AltaMed Health Services")


@pytest.fixture
def member(health_network):
    return member_with_history(
        health_network=health_network, cin="91234567A", birth_date=datetime.date(1975, 4, 12)
    )


@pytest.fixture
def clinic():
    return EcmProviderFactory(name="Harbor Community Clinic")


@pytest.fixture
def coordinator(clinic):
    return UserFactory(organization=clinic, role=Role.CARE_COORDINATOR)


@pytest.fixture
def stranger():
    return UserFactory(organization=EcmProviderFactory(name="Unrelated Clinic"))


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
