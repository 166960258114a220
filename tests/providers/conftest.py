import pytest

from tests.providers.factories import (
    CsProviderFactory,
    EcmProviderFactory,
    HealthNetworkFactory,
    OfferingFactory,
    PanelEntryFactory,
    ServiceFactory,
    pof,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Tests create many accounts; a fast hasher keeps them quick (not a security setting)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def directory_rows():
    """Three listed providers and an inactive one:
    Harbor Shelter: test meals, accepting, 7 slots; no panel.
    Canyon Network (HN): ECM, not accepting; POF 2.
    Lighthouse Clinic: ECM accepting 1 slot, test meals not accepting; POF 2 and 4.
    Closed Shelter: inactive, never listed."""
    meals = ServiceFactory(code="CS_TEST_MEALS", name="Test meals")
    ecm = ServiceFactory(code="ECM")  # from the catalogue
    shelter = CsProviderFactory(name="Harbor Shelter", npi="1234567893")
    OfferingFactory(organization=shelter, service=meals, accepting_referrals=True, open_slots=7)
    network = HealthNetworkFactory(name="Canyon Network")
    OfferingFactory(organization=network, service=ecm, accepting_referrals=False, open_slots=0)
    PanelEntryFactory(organization=network, population=pof("2"))
    clinic = EcmProviderFactory(name="Lighthouse Clinic")
    OfferingFactory(organization=clinic, service=ecm, accepting_referrals=True, open_slots=1)
    OfferingFactory(organization=clinic, service=meals, accepting_referrals=False, open_slots=0)
    PanelEntryFactory(organization=clinic, population=pof("4"))
    PanelEntryFactory(organization=clinic, population=pof("2"))
    closed = CsProviderFactory(name="Closed Shelter", active=False)
    OfferingFactory(organization=closed, service=meals)


# The same rows, filtered the same way, whichever the entry point (page or API).
DIRECTORY_FILTERS = [
    ({}, {"Harbor Shelter", "Canyon Network", "Lighthouse Clinic"}),
    ({"service": "CS_TEST_MEALS"}, {"Harbor Shelter", "Lighthouse Clinic"}),
    ({"service": "ECM"}, {"Canyon Network", "Lighthouse Clinic"}),
    ({"population": "2"}, {"Canyon Network", "Lighthouse Clinic"}),
    ({"population": "4"}, {"Lighthouse Clinic"}),
    ({"population": "9"}, set()),
    ({"accepting": True}, {"Harbor Shelter", "Lighthouse Clinic"}),
    ({"service": "ECM", "accepting": True}, {"Lighthouse Clinic"}),
    ({"service": "CS_TEST_MEALS", "accepting": True}, {"Harbor Shelter"}),
    ({"service": "ECM", "population": "2", "accepting": True}, {"Lighthouse Clinic"}),
]
