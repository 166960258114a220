"""Reference data loaded by migrations (R-C1, R-C4, R-P2) and the demo seed command."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from members.models import (
    EligibilitySpan,
    HealthNetworkAssignment,
    Member,
    MemberPopulationOfFocus,
    PopulationOfFocus,
)
from providers.models import EcmPanelEntry, Offering, Organization, Service, User

pytestmark = pytest.mark.django_db
D = datetime.date

HEALTH_NETWORKS = [
    "AltaMed Health Services",
    "AMVI Medical Group",
    "CalOptima Community Network",
    "CHOC Health Alliance",
    "Family Choice Medical Group",
    "Noble Mid-Orange County",
    "Optum Care Network Arta",
    "Optum Care Network Monarch",
    "Optum Care Network Talbert",
    "Prospect Medical Group",
    "United Care Medical Group",
]
CS_PROVIDERS = [
    "American Family Housing",
    "Blue Sky Manor Inc.",
    "Community Action Partnership of Orange County",
    "Friendship Shelter",
    "Jamboree Housing",
    "Lutheran Social Services of Southern California",
    "Mercy House",
    "Volunteers of America of Los Angeles",
]
COUNTY = "Orange County Health Care Agency, Behavioral Health Services"
CATALOGUE = [
    ("ECM", "ecm", D(2022, 1, 1)),
    ("CS_HOUSING_NAVIGATION", "cs", D(2022, 1, 1)),
    ("CS_HOUSING_DEPOSITS", "cs", D(2022, 1, 1)),
    ("CS_HOUSING_TENANCY", "cs", D(2022, 1, 1)),
    ("CS_RECUPERATIVE_CARE", "cs", D(2022, 1, 1)),
    ("CS_POST_HOSPITALIZATION_HOUSING", "cs", D(2022, 7, 1)),
    ("CS_DAY_HABILITATION", "cs", D(2022, 7, 1)),
    ("CS_PERSONAL_CARE_HOMEMAKER", "cs", D(2022, 7, 1)),
    ("CS_MEDICALLY_TAILORED_MEALS", "cs", D(2022, 7, 1)),
    ("CS_SOBERING_CENTERS", "cs", D(2022, 7, 1)),
    ("CS_RESPITE", "cs", D(2023, 1, 1)),
    ("CS_ASSISTED_LIVING_TRANSITION", "cs", D(2023, 1, 1)),
    ("CS_COMMUNITY_TRANSITION", "cs", D(2023, 1, 1)),
    ("CS_HOME_MODIFICATIONS", "cs", D(2023, 1, 1)),
    ("CS_ASTHMA_REMEDIATION", "cs", D(2023, 1, 1)),
]


@pytest.mark.parametrize("code, kind, available_from", CATALOGUE)
def test_r_c1_catalogue_service_and_its_available_from_date(code, kind, available_from):
    service = Service.objects.get(code=code)
    assert (service.kind, service.available_from) == (kind, available_from)
    assert service.name


def test_r_c1_fourteen_community_supports_before_transitional_rent():
    original = Service.objects.filter(kind="cs", available_from__lt=D(2025, 7, 1))
    assert original.count() == 14
    assert Service.objects.filter(kind="ecm").count() == 1
    by_date = {
        d: set(original.filter(available_from=d).values_list("code", flat=True))
        for d in (D(2022, 1, 1), D(2022, 7, 1), D(2023, 1, 1))
    }
    assert {d: len(codes) for d, codes in by_date.items()} == {
        D(2022, 1, 1): 4,
        D(2022, 7, 1): 5,
        D(2023, 1, 1): 5,
    }


def test_r_c3_housing_navigation_and_deposits_are_separate_services():
    navigation = Service.objects.get(code="CS_HOUSING_NAVIGATION")
    deposits = Service.objects.get(code="CS_HOUSING_DEPOSITS")
    assert navigation.pk != deposits.pk and navigation.name != deposits.name


def test_r_c4_transitional_rent_is_data_from_2025_07_01():
    rent = Service.objects.get(code="CS_TRANSITIONAL_RENT")
    assert (rent.kind, rent.available_from) == ("cs", D(2025, 7, 1))
    assert Service.objects.filter(kind="cs").count() == 15


def test_r_p2_pof_3_is_served_by_the_county_alone():
    county = Organization.objects.get(name=COUNTY)
    assert county.is_county and county.is_ecm_provider
    pof3 = PopulationOfFocus.objects.get(code="3")
    assert pof3.sole_provider == county
    assert list(
        EcmPanelEntry.objects.filter(population=pof3).values_list("organization", flat=True)
    ) == [county.pk]


def test_r_p2_pof_6_is_served_by_libertana_alone():
    libertana = Organization.objects.get(name="Libertana")
    assert libertana.is_ecm_provider
    pof6 = PopulationOfFocus.objects.get(code="6")
    assert pof6.sole_provider == libertana
    assert list(
        EcmPanelEntry.objects.filter(population=pof6).values_list("organization", flat=True)
    ) == [libertana.pk]


def test_r_p2_pof_5_is_on_the_panel_of_caloptima_health_and_the_eleven_networks():
    pof5 = PopulationOfFocus.objects.get(code="5")
    assert pof5.served_by_plan_and_networks
    assert pof5.sole_provider is None
    on_panel = set(
        EcmPanelEntry.objects.filter(population=pof5).values_list("organization__name", flat=True)
    )
    assert on_panel == {"CalOptima Health", *HEALTH_NETWORKS}


def test_r_p2_seed_organizations_exist_with_their_kinds():
    caloptima = Organization.objects.get(is_caloptima=True)
    assert caloptima.name == "CalOptima Health"
    assert caloptima.is_ecm_provider and caloptima.is_cs_provider
    networks = Organization.objects.health_networks()
    assert sorted(networks.values_list("name", flat=True)) == sorted(HEALTH_NETWORKS)
    assert all(n.is_ecm_provider for n in networks)
    assert Organization.objects.filter(is_county=True).get().name == COUNTY
    assert Organization.objects.get(name="Libertana").is_ecm_provider
    cs = Organization.objects.filter(is_cs_provider=True, is_caloptima=False)
    assert sorted(cs.values_list("name", flat=True)) == sorted(CS_PROVIDERS)


def _counts():
    models = [
        Organization,
        Offering,
        EcmPanelEntry,
        User,
        Member,
        EligibilitySpan,
        HealthNetworkAssignment,
        MemberPopulationOfFocus,
    ]
    return {m.__name__: m.objects.count() for m in models}


def test_seed_demo_is_idempotent():
    call_command("seed_demo", "--allow-demo-data", "--members", "40", stdout=_null())
    first = _counts()
    assert first["Member"] == 40
    assert first["User"] == 7
    assert first["Offering"] > 0 and first["EligibilitySpan"] > 0
    call_command("seed_demo", "--allow-demo-data", "--members", "40", stdout=_null())
    assert _counts() == first


def test_seed_demo_users_can_sign_in_with_the_demo_password(client):
    call_command("seed_demo", "--allow-demo-data", "--members", "0", stdout=_null())
    for username in ["coordinator", "clinic", "provider", "reviewer", "hnstaff", "siteadmin"]:
        assert client.login(username=username, password="calaim-demo-2026"), username
        user = User.objects.get(username=username)
        user.full_clean()  # role fits organization (R-X1)
        assert not (user.is_staff or user.is_superuser)
    sysadmin = User.objects.get(username="sysadmin")
    assert sysadmin.is_staff and sysadmin.is_superuser and sysadmin.organization.is_caloptima


@pytest.mark.parametrize(
    "debug, flags, allowed",
    [
        (False, [], False),
        (False, ["--allow-demo-data"], True),
        (True, [], True),
    ],
)
def test_seed_demo_is_refused_when_debug_is_off_unless_allowed(settings, debug, flags, allowed):
    settings.DEBUG = debug
    settings.CALAIM_ALLOW_DEMO_SEED = False
    before = _counts()
    if allowed:
        call_command("seed_demo", *flags, "--members", "3", stdout=_null())
        assert User.objects.filter(username="sysadmin").exists()
        assert Member.objects.count() == 3
    else:
        with pytest.raises(CommandError, match="--allow-demo-data"):
            call_command("seed_demo", *flags, "--members", "3", stdout=_null())
        assert _counts() == before


def _null():
    return io.StringIO()
