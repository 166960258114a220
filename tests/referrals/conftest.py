"""Fixtures for referral tests: the seeded organizations, offerings, a referrer, a member."""

import datetime

import pytest

from providers.models import Organization, Role
from referrals import services
from tests.providers.factories import OfferingFactory, UserFactory
from tests.referrals.factories import service

START = datetime.date(2024, 6, 3)  # a requested start date inside every member's open span


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Tests create many accounts; a fast hasher keeps them quick (not a security setting)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def ecm():
    return service("ECM")


@pytest.fixture
def housing_navigation():
    return service("CS_HOUSING_NAVIGATION")


@pytest.fixture
def housing_deposits():
    return service("CS_HOUSING_DEPOSITS")


@pytest.fixture
def meals():
    return service("CS_MEDICALLY_TAILORED_MEALS")


@pytest.fixture
def hn_staff(health_network):
    return UserFactory(organization=health_network, role=Role.HEALTH_NETWORK_STAFF)


@pytest.fixture
def mercy_house(housing_navigation, housing_deposits, meals):
    """A seeded CS provider offering housing navigation, housing deposits and meals."""
    org = Organization.objects.get(name="Mercy House")
    for s in (housing_navigation, housing_deposits, meals):
        OfferingFactory(organization=org, service=s, accepting_referrals=True)
    return org


@pytest.fixture
def mercy_staff(mercy_house):
    return UserFactory(organization=mercy_house, role=Role.PROVIDER_STAFF)


@pytest.fixture
def caloptima_staff(caloptima):
    return UserFactory(organization=caloptima, role=Role.CARE_COORDINATOR)


@pytest.fixture
def submit(coordinator, member, meals, mercy_house):
    """create_referral with valid defaults (medically tailored meals to Mercy House); override any
    keyword."""

    def _submit(**overrides):
        kwargs = {
            "user": coordinator,
            "member": member,
            "service": meals,
            "requested_start_date": START,
            "reason": "Diabetes with recent hospital stay; needs tailored meals.",
            "member_consent": True,
            "receiving_organization": mercy_house,
        }
        kwargs.update(overrides)
        return services.create_referral(**kwargs)

    return _submit
