"""Fixtures shared by the authorization and notice tests (imported by both conftest files): the
parties, a member, and a request opened the way the system opens one (an accepted referral)."""

import datetime

import pytest

from authorizations import services
from providers.models import Organization, Role
from referrals.models import Status as ReferralStatus
from tests.authorizations.factories import LegacyAuthorizationFactory, service
from tests.members.factories import member_with_history
from tests.providers.factories import EcmProviderFactory, UserFactory
from tests.referrals.factories import ReferralFactory

START = datetime.date(2024, 6, 3)  # a Monday inside the member's open Medi-Cal span


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Tests create many accounts; a fast hasher keeps them quick (not a security setting)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def network():
    """The health network that created the legacy authorizations here."""
    return Organization.objects.get(name="Prospect Medical Group")


@pytest.fixture
def other_network():
    return Organization.objects.get(name="AltaMed Health Services")


@pytest.fixture
def provider():
    """The ECM and CS provider that delivers the services here."""
    return EcmProviderFactory(name="Harbor Community Clinic", is_cs_provider=True)


@pytest.fixture
def provider_staff(provider):
    return UserFactory(
        organization=provider, role=Role.PROVIDER_STAFF, first_name="Pat", last_name="Provider"
    )


@pytest.fixture
def hn_staff(network):
    return UserFactory(
        organization=network, role=Role.HEALTH_NETWORK_STAFF, first_name="Hana", last_name="Net"
    )


@pytest.fixture
def other_hn_staff(other_network):
    return UserFactory(organization=other_network, role=Role.HEALTH_NETWORK_STAFF)


@pytest.fixture
def caloptima_staff(caloptima):
    """CalOptima Health staff who are not utilization reviewers."""
    return UserFactory(organization=caloptima, role=Role.CARE_COORDINATOR)


@pytest.fixture
def second_reviewer(caloptima):
    return UserFactory(
        organization=caloptima,
        role=Role.UTILIZATION_REVIEWER,
        first_name="Quinn",
        last_name="Second",
    )


@pytest.fixture
def coordinator():
    """A care coordinator of a referring clinic."""
    clinic = EcmProviderFactory(name="Seaside Referring Clinic", is_referring_organization=True)
    return UserFactory(organization=clinic, role=Role.CARE_COORDINATOR)


@pytest.fixture
def stranger():
    """A user of an organization with no part in anything here (R-X2)."""
    return UserFactory(organization=EcmProviderFactory(name="Unrelated Clinic"))


@pytest.fixture
def member(network):
    """Medi-Cal in 2022 and from 2023 on (open), assigned to the network, holding POF 1a and 2."""
    return member_with_history(
        health_network=network,
        cin="91234567A",
        first_name="Rosa",
        last_name="Delgado",
        birth_date=datetime.date(1975, 4, 12),
    )


@pytest.fixture
def open_request(provider, provider_staff, coordinator, member):
    """Open a request as the system does: a referral sent to the provider, which accepts it."""

    def _open(*, service_code="ECM", start=START, urgency="routine", **overrides):
        referral = ReferralFactory(
            member=overrides.pop("member", member),
            service=service(service_code),
            referring_organization=coordinator.organization,
            referring_user=coordinator,
            receiving_organization=provider,
            requested_start_date=start,
            urgency=urgency,
            expedited_justification="Discharged today." if urgency == "expedited" else "",
            status=ReferralStatus.SENT,
            **overrides,
        )
        return services.accept_referral(user=provider_staff, referral_id=referral.pk)

    return _open


@pytest.fixture
def legacy(member, network, provider):
    """An ECM authorization Prospect Medical Group created in 2022 and still owns (R-A1)."""
    return LegacyAuthorizationFactory(
        member=member,
        provider=provider,
        health_network=network,
        hn_authorization_number="PMG-2022-0042",
        end_date=datetime.date(2023, 6, 30),
    )
