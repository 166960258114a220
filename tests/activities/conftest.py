"""Fixtures of the activity tests: an ECM provider, its staff, a member, and an ECM
authorization of that provider in force around today (California dates)."""

import datetime

import pytest

from authorizations.models import Status
from common.dates import business_today
from providers.models import Role
from tests.authorizations.factories import AuthorizationFactory
from tests.authorizations.fixtures import _fast_passwords  # noqa: F401
from tests.providers.factories import EcmProviderFactory, UserFactory


@pytest.fixture
def today():
    return business_today()


@pytest.fixture
def clinic():
    return EcmProviderFactory(name="Harbor Community Clinic")


@pytest.fixture
def staff(clinic):
    return UserFactory(
        organization=clinic, role=Role.PROVIDER_STAFF, first_name="Pat", last_name="Provider"
    )


@pytest.fixture
def other_clinic():
    return EcmProviderFactory(name="Seaside ECM Partners")


@pytest.fixture
def other_staff(other_clinic):
    return UserFactory(organization=other_clinic, role=Role.PROVIDER_STAFF)


@pytest.fixture
def ecm(clinic, member, today):
    """An approved ECM authorization of the clinic: 60 days ago to 120 days ahead."""
    return AuthorizationFactory(
        member=member,
        provider=clinic,
        status=Status.APPROVED,
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=120),
    )


@pytest.fixture
def theirs(other_clinic, member, today):
    """Another provider's ECM authorization for the same member."""
    return AuthorizationFactory(
        member=member,
        provider=other_clinic,
        status=Status.APPROVED,
        start_date=today - datetime.timedelta(days=60),
        end_date=today + datetime.timedelta(days=120),
    )
