"""Member selectors against the database: eligibility for a date (R-M2..R-M6), scoping (R-X2)."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from members import selectors
from members.models import Member
from tests.members.factories import (
    EligibilitySpanFactory,
    HealthNetworkAssignmentFactory,
    MemberFactory,
    MemberPopulationFactory,
    population,
)
from tests.providers.factories import HealthNetworkFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
OPEN = None
POF_1A_SINCE_2022 = (("1a", D(2022, 1, 1), OPEN),)


def stored_member(spans, pofs=POF_1A_SINCE_2022):
    """A member with the given (program, start, end) spans and (code, start, end) POF periods."""
    member = MemberFactory(birth_date=D(1970, 5, 17))
    for program, start, end in spans:
        EligibilitySpanFactory(member=member, program=program, start_date=start, end_date=end)
    for code, start, end in pofs:
        MemberPopulationFactory(
            member=member, population=population(code), start_date=start, end_date=end
        )
    return member


@pytest.mark.parametrize(
    "spans, pofs, on, program, ecm, cs, blocking",
    [
        pytest.param(
            [("medi_cal", D(2022, 1, 1), OPEN)],
            [("1a", D(2022, 1, 1), OPEN)],
            D(2024, 5, 1),
            "medi_cal",
            True,
            True,
            [],
            id="r-m3-medi-cal-with-pof",
        ),
        pytest.param(
            [("medi_cal", D(2022, 1, 1), D(2023, 1, 31))],
            [("1a", D(2022, 1, 1), OPEN)],
            D(2024, 5, 1),
            None,
            False,
            False,
            ["R-M3"],
            id="r-m3-lapsed-span",
        ),
        pytest.param(
            [("medi_cal", D(2022, 1, 1), D(2023, 1, 31))],
            [("1a", D(2022, 1, 1), OPEN)],
            D(2023, 1, 31),
            "medi_cal",
            True,
            True,
            [],
            id="r-m2-last-day-of-span",
        ),
        pytest.param(
            [("medi_cal", D(2023, 3, 1), OPEN)],
            [("1a", D(2022, 1, 1), OPEN)],
            D(2023, 2, 28),
            None,
            False,
            False,
            ["R-M3"],
            id="r-m2-day-before-span",
        ),
        pytest.param(
            [("medi_cal", D(2022, 1, 1), OPEN)],
            [("1a", D(2022, 1, 1), D(2023, 6, 30))],
            D(2024, 5, 1),
            "medi_cal",
            False,
            True,
            [],
            id="r-m3-pof-period-ended",
        ),
        pytest.param(
            [("pace", D(2022, 1, 1), OPEN)],
            [("1a", D(2022, 1, 1), OPEN)],
            D(2022, 6, 1),
            "pace",
            False,
            True,
            ["R-M4"],
            id="r-m4-pace-2022",
        ),
        pytest.param(
            [("pace", D(2022, 1, 1), OPEN)],
            [("1a", D(2022, 1, 1), OPEN)],
            D(2025, 6, 1),
            "pace",
            False,
            True,
            ["R-M4"],
            id="r-m4-pace-2025",
        ),
        pytest.param(
            [("onecare", D(2022, 1, 1), OPEN)],
            [("1a", D(2022, 1, 1), OPEN)],
            D(2023, 12, 31),
            "onecare",
            True,
            True,
            [],
            id="r-m5-onecare-before-2024",
        ),
        pytest.param(
            [("onecare", D(2022, 1, 1), OPEN)],
            [("1a", D(2022, 1, 1), OPEN)],
            D(2024, 1, 1),
            "onecare",
            False,
            True,
            ["R-M5"],
            id="r-m5-onecare-from-2024",
        ),
        pytest.param(
            [("medi_cal", D(2022, 1, 1), D(2023, 12, 31)), ("onecare", D(2024, 1, 1), OPEN)],
            [("1a", D(2022, 1, 1), OPEN)],
            D(2023, 12, 31),
            "medi_cal",
            True,
            True,
            [],
            id="r-m2-medi-cal-then-onecare-before-switch",
        ),
        pytest.param(
            [("medi_cal", D(2022, 1, 1), D(2023, 12, 31)), ("onecare", D(2024, 1, 1), OPEN)],
            [("1a", D(2022, 1, 1), OPEN)],
            D(2024, 3, 1),
            "onecare",
            False,
            True,
            ["R-M5"],
            id="r-m2-medi-cal-then-onecare-after-switch",
        ),
    ],
)
def test_r_m2_to_r_m5_eligibility_of_a_stored_member_on_a_date(
    spans, pofs, on, program, ecm, cs, blocking
):
    verdict = selectors.eligibility_on(stored_member(spans, pofs), on)

    assert verdict.on == on
    assert verdict.program == program
    assert (verdict.ecm_eligible, verdict.cs_eligible) == (ecm, cs)
    assert [r.code for r in verdict.reasons if r.blocking] == blocking


def test_r_m6_several_pofs_held_on_the_date_all_count_and_ended_ones_do_not():
    member = stored_member(
        [("medi_cal", D(2022, 1, 1), OPEN)],
        [
            ("1a", D(2022, 1, 1), OPEN),
            ("3", D(2022, 1, 1), OPEN),
            ("2", D(2022, 1, 1), D(2022, 12, 31)),
        ],
    )

    verdict = selectors.eligibility_on(member, D(2024, 5, 1))

    assert verdict.ecm_eligible is True
    assert sorted(verdict.populations) == ["1a", "3"]


@pytest.mark.parametrize(
    "on, network_index",
    [(D(2022, 6, 1), 0), (D(2022, 12, 31), 0), (D(2023, 1, 1), 1), (D(2021, 6, 1), None)],
)
def test_r_m1_health_network_is_the_one_assigned_on_the_date(on, network_index):
    networks = [HealthNetworkFactory(), HealthNetworkFactory()]
    member = stored_member([("medi_cal", D(2021, 1, 1), OPEN)])
    HealthNetworkAssignmentFactory(
        member=member,
        health_network=networks[0],
        start_date=D(2022, 1, 1),
        end_date=D(2022, 12, 31),
    )
    HealthNetworkAssignmentFactory(
        member=member, health_network=networks[1], start_date=D(2023, 1, 1)
    )

    verdict = selectors.eligibility_on(member, on)

    expected = networks[network_index].name if network_index is not None else None
    assert verdict.health_network == expected


def test_r_m2_eligibility_needs_an_explicit_date():
    member = stored_member([("medi_cal", D(2022, 1, 1), OPEN)])
    with pytest.raises(ValueError, match="R-M2"):
        selectors.eligibility_on(member, None)


def test_r_m2_member_detail_loads_everything_the_verdict_needs(reviewer, django_assert_num_queries):
    member = stored_member([("medi_cal", D(2022, 1, 1), OPEN)])
    HealthNetworkAssignmentFactory(member=member)
    loaded = selectors.member_detail(reviewer, member.pk)

    with django_assert_num_queries(0):
        verdict = selectors.eligibility_on(loaded, D(2024, 5, 1))

    assert verdict.ecm_eligible is True
    assert verdict.health_network is not None


# --- R-X2: who sees which members ---------------------------------------------------------


@pytest.fixture
def two_networks_with_members():
    """Network A with a current and a former member, network B with one, and an unassigned one."""
    hn_a, hn_b = HealthNetworkFactory(), HealthNetworkFactory()
    current_a = MemberFactory()
    HealthNetworkAssignmentFactory(member=current_a, health_network=hn_a)
    former_a = MemberFactory()  # moved from A to B: A keeps seeing the member it once had
    HealthNetworkAssignmentFactory(
        member=former_a, health_network=hn_a, start_date=D(2022, 1, 1), end_date=D(2022, 12, 31)
    )
    HealthNetworkAssignmentFactory(member=former_a, health_network=hn_b, start_date=D(2023, 1, 1))
    twice_a = MemberFactory()  # two assignments to A: still one row
    HealthNetworkAssignmentFactory(
        member=twice_a, health_network=hn_a, start_date=D(2022, 1, 1), end_date=D(2022, 6, 30)
    )
    HealthNetworkAssignmentFactory(member=twice_a, health_network=hn_a, start_date=D(2023, 1, 1))
    only_b = MemberFactory()
    HealthNetworkAssignmentFactory(member=only_b, health_network=hn_b)
    unassigned = MemberFactory()
    return {
        "hn_a": hn_a,
        "hn_b": hn_b,
        "current_a": current_a,
        "former_a": former_a,
        "twice_a": twice_a,
        "only_b": only_b,
        "unassigned": unassigned,
    }


def visible_keys(user, world):
    pks = list(selectors.visible_members(user).values_list("pk", flat=True))
    return sorted(k for k, v in world.items() if isinstance(v, Member) and v.pk in pks), len(pks)


@pytest.mark.parametrize(
    "who, expected",
    [
        pytest.param(
            "caloptima",
            ["current_a", "former_a", "only_b", "twice_a", "unassigned"],
            id="caloptima-staff-see-all",
        ),
        pytest.param("hn_a", ["current_a", "former_a", "twice_a"], id="hn-a-sees-its-members"),
        pytest.param("hn_b", ["former_a", "only_b"], id="hn-b-sees-its-members"),
        pytest.param("unrelated", [], id="unrelated-org-sees-none"),
    ],
)
def test_r_x2_visible_members_by_organization(two_networks_with_members, caloptima, who, expected):
    world = two_networks_with_members
    organization = {
        "caloptima": caloptima,
        "hn_a": world["hn_a"],
        "hn_b": world["hn_b"],
        "unrelated": OrganizationFactory(is_cs_provider=True),
    }[who]
    role = "health_network_staff" if who.startswith("hn_") else "care_coordinator"
    user = UserFactory(organization=organization, role=role)

    keys, row_count = visible_keys(user, world)

    assert keys == expected
    assert row_count == len(expected)  # no duplicates from several assignments


def test_r_x2_anonymous_and_organizationless_users_see_no_member(two_networks_with_members):
    lone_admin = UserFactory(organization=None, role="system_admin")
    assert not selectors.visible_members(AnonymousUser()).exists()
    assert not selectors.visible_members(lone_admin).exists()


def test_r_x2_search_finds_nothing_outside_the_users_scope(two_networks_with_members):
    world = two_networks_with_members
    user = UserFactory(organization=world["hn_b"], role="health_network_staff")

    assert not selectors.search_members(user, cin=world["current_a"].cin).exists()
    assert list(selectors.search_members(user, cin=world["only_b"].cin)) == [world["only_b"]]


def test_r_x2_member_detail_404s_outside_scope(two_networks_with_members):
    from django.http import Http404

    world = two_networks_with_members
    user = UserFactory(organization=world["hn_b"], role="health_network_staff")

    assert selectors.member_detail(user, world["only_b"].pk) == world["only_b"]
    with pytest.raises(Http404):
        selectors.member_detail(user, world["current_a"].pk)


@pytest.mark.parametrize(
    "query, found",
    [
        ({"cin": "91234567A"}, True),
        ({"cin": " 91234567a "}, True),
        ({"cin": "91234568A"}, False),
        ({"member_id": "M-42"}, True),
        ({"member_id": "M-43"}, False),
        ({"name": "maria garcia", "birth_date": D(1985, 3, 4)}, True),
        ({"name": "Garcia", "birth_date": D(1985, 3, 4)}, True),
        ({"name": "Garcia", "birth_date": D(1985, 3, 5)}, False),
        ({"name": "Maria Lopez", "birth_date": D(1985, 3, 4)}, False),
    ],
)
def test_search_members_by_cin_member_id_or_name_and_birth_date(reviewer, query, found):
    member = MemberFactory(
        cin="91234567A",
        member_id="M-42",
        first_name="Maria",
        last_name="Garcia",
        birth_date=D(1985, 3, 4),
    )
    MemberFactory(first_name="Mario", last_name="Lopez", birth_date=D(1985, 3, 4))

    assert list(selectors.search_members(reviewer, **query)) == ([member] if found else [])
