"""What each outbound file holds (R-F1, R-F2, R-P4, R-A7): the right members for the right
network and period, in California dates, nothing of another network's members (R-X2)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from authorizations.models import Event, Status
from common.dates import business_date
from exchange.files import OUTBOUND, ecm_activity_log, ecm_eligibility, pof_list, reconciliation
from members.selectors import eligibility_on
from tests.authorizations.factories import AuthorizationFactory, LegacyAuthorizationFactory
from tests.members.factories import (
    EligibilitySpanFactory,
    HealthNetworkAssignmentFactory,
    MemberFactory,
    MemberPopulationFactory,
    population,
)
from tests.providers.factories import EcmProviderFactory, HealthNetworkFactory

from .factories import EcmActivityFactory, ecm_authorization, eligible_member

pytestmark = pytest.mark.django_db
PT = ZoneInfo("America/Los_Angeles")
d = datetime.date


@pytest.fixture
def network():
    return HealthNetworkFactory(name="North Network")


@pytest.fixture
def other_network():
    return HealthNetworkFactory(name="South Network")


def rows(file, network, start, end=None):
    outbound = file.FILE
    if end is None:
        from exchange.periods import period_for

        end = period_for(outbound.cadence, start)[1]
    return list(outbound.rows(network, start, end))


def cins(file_rows, index):
    return [row[index] for row in file_rows]


def test_every_outbound_file_is_registered_with_its_own_name_pattern():
    assert set(OUTBOUND) == {"ecm_activity_log", "ecm_eligibility", "pof_list", "reconciliation"}
    assert len({f.name_pattern for f in OUTBOUND.values()}) == 4
    for outbound in OUTBOUND.values():
        assert len(outbound.header) == len(set(outbound.header))


# --- R-F1: the weekly activity log ------------------------------------------------------------

WEEK = (d(2026, 11, 16), d(2026, 11, 22))


def test_r_f1_activity_log_row_holds_the_columns_in_order(network):
    member = eligible_member(network, cin="11111111A", member_id="M-1", last_name="Ames",
                             first_name="Ana", birth_date=d(1980, 2, 3))  # fmt: skip
    provider = EcmProviderFactory(name="Harbor Care", npi="")
    authorization = ecm_authorization(member, provider=provider)
    activity = EcmActivityFactory(
        authorization=authorization,
        date=d(2026, 11, 18),
        activity_type="outreach_attempt",
        method="phone",
        units=2,
        outcome="reached",
        note="Private note: never in the file.",
    )
    assert rows(ecm_activity_log, network, *WEEK) == [
        (
            activity.pk, d(2026, 11, 18), "11111111A", "M-1", "Ames", "Ana", d(1980, 2, 3),
            authorization.pk, "Harbor Care", "", "outreach_attempt", "phone", 2, "reached",
            "logged",
        )
    ]  # fmt: skip
    assert len(ecm_activity_log.FILE.header) == len(rows(ecm_activity_log, network, *WEEK)[0])


def test_r_f1_only_the_networks_members_on_the_activity_date(network, other_network):
    ours = eligible_member(network)
    theirs = eligible_member(other_network)
    mine = EcmActivityFactory(authorization=ecm_authorization(ours))
    EcmActivityFactory(authorization=ecm_authorization(theirs))
    assert [row[0] for row in rows(ecm_activity_log, network, *WEEK)] == [mine.pk]


def test_r_f1_member_moving_mid_week_is_reported_to_each_network_for_its_days(
    network, other_network
):
    """Decision: the assignment on the activity's date governs."""
    member = MemberFactory()
    EligibilitySpanFactory(member=member)
    HealthNetworkAssignmentFactory(
        member=member, health_network=network, start_date=d(2022, 1, 1), end_date=d(2026, 11, 18)
    )
    HealthNetworkAssignmentFactory(
        member=member, health_network=other_network, start_date=d(2026, 11, 19)
    )
    authorization = ecm_authorization(member)
    wednesday = EcmActivityFactory(authorization=authorization, date=d(2026, 11, 18))
    thursday = EcmActivityFactory(authorization=authorization, date=d(2026, 11, 19))
    assert [row[0] for row in rows(ecm_activity_log, network, *WEEK)] == [wednesday.pk]
    assert [row[0] for row in rows(ecm_activity_log, other_network, *WEEK)] == [thursday.pk]


def test_r_f1_activity_on_sunday_2330_pacific_belongs_to_that_week(network):
    """Sunday 22 November 2026 23:30 Pacific is Monday 07:30 UTC: the activity is dated Sunday
    (the California date) and goes in the week that ends that Sunday, not the next."""
    instant = datetime.datetime(2026, 11, 22, 23, 30, tzinfo=PT)
    member = eligible_member(network)
    late = EcmActivityFactory(authorization=ecm_authorization(member), date=business_date(instant))
    assert late.date == d(2026, 11, 22)
    assert [row[0] for row in rows(ecm_activity_log, network, *WEEK)] == [late.pk]
    assert rows(ecm_activity_log, network, d(2026, 11, 23), d(2026, 11, 29)) == []


def test_r_f1_week_crossing_a_month_end_holds_both_months_days_in_date_order(network):
    member = eligible_member(network)
    authorization = ecm_authorization(member, start_date=d(2026, 9, 1))
    october = EcmActivityFactory(authorization=authorization, date=d(2026, 10, 4))
    september = EcmActivityFactory(authorization=authorization, date=d(2026, 9, 28))
    EcmActivityFactory(authorization=authorization, date=d(2026, 9, 27))  # the week before
    EcmActivityFactory(authorization=authorization, date=d(2026, 10, 5))  # the week after
    found = rows(ecm_activity_log, network, d(2026, 9, 28), d(2026, 10, 4))
    assert [row[0] for row in found] == [september.pk, october.pk]


# --- R-F2: the monthly eligibility file -------------------------------------------------------

DEC = d(2026, 12, 1)


def eligibility_cins(network, on=DEC):
    return cins(rows(ecm_eligibility, network, on), 1)


def test_r_f2_eligible_member_row_with_pofs_joined_and_the_ecm_authorization(network):
    member = eligible_member(
        network, pof_codes=("3", "1a"), cin="22222222B", member_id="M-2", last_name="Bell",
        first_name="Bo", birth_date=d(1970, 1, 1),
    )  # fmt: skip
    provider = EcmProviderFactory(name="Harbor Care", npi="")
    authorization = ecm_authorization(
        member, provider=provider, start_date=d(2026, 6, 1), end_date=d(2026, 12, 31)
    )
    assert rows(ecm_eligibility, network, DEC) == [
        (
            DEC, "22222222B", "M-2", "Bell", "Bo", d(1970, 1, 1), "medi_cal", "1a;3",
            authorization.pk, "Harbor Care", "", d(2026, 6, 1), d(2026, 12, 31),
        )
    ]  # fmt: skip


def test_r_f2_authorization_cells_are_empty_without_one_in_force_on_the_first(network):
    member = eligible_member(network)
    AuthorizationFactory(member=member, status=Status.PENDING, start_date=d(2026, 11, 1))
    ecm_authorization(member, start_date=d(2026, 1, 1), end_date=d(2026, 11, 30))  # ended
    ecm_authorization(member, start_date=d(2026, 12, 2))  # starts after the 1st
    ecm_authorization(member, status=Status.TERMINATED, start_date=d(2026, 6, 1))
    (row,) = rows(ecm_eligibility, network, DEC)
    assert row[8:] == (None, None, None, None, None)


def test_r_f2_the_latest_starting_authorization_in_force_is_named(network):
    member = eligible_member(network)
    ecm_authorization(member, start_date=d(2026, 1, 1), end_date=d(2026, 12, 31))
    later = ecm_authorization(member, status=Status.MODIFIED, start_date=d(2026, 7, 1))
    (row,) = rows(ecm_eligibility, network, DEC)
    assert row[8] == later.pk


@pytest.mark.parametrize(
    "program, on, listed",
    [
        ("medi_cal", d(2026, 12, 1), True),  # R-M3
        ("pace", d(2026, 12, 1), False),  # R-M4: never ECM
        ("pace", d(2023, 6, 1), False),
        ("onecare", d(2023, 12, 1), True),  # R-M5 decision: before 2024 like Medi-Cal
        ("onecare", d(2024, 1, 1), False),  # R-M5: no ECM from 1 January 2024
    ],
)
def test_r_m3_r_m4_r_m5_programs(network, program, on, listed):
    eligible_member(network, program=program, cin="33333333C")
    assert eligibility_cins(network, on) == (["33333333C"] if listed else [])


@pytest.mark.parametrize(
    "code, birth_date, on, listed",
    [
        ("5", d(1960, 1, 1), d(2022, 12, 1), False),  # adults from 2023-01-01 (R-P1)
        ("5", d(1960, 1, 1), d(2023, 1, 1), True),
        ("7", d(2015, 1, 1), d(2023, 6, 1), False),  # children from 2023-07-01
        ("7", d(2015, 1, 1), d(2023, 7, 1), True),
        ("7", d(1960, 1, 1), d(2026, 12, 1), False),  # a children's POF, never for adults
        ("2", d(2015, 1, 1), d(2023, 6, 1), False),  # POF 2 children from 2023-07-01
        ("2", d(1960, 1, 1), d(2023, 6, 1), True),
        # 21 on the 1st is an adult (under 21: children and youth): 7 is not live for them ...
        ("7", d(2005, 12, 1), d(2026, 12, 1), False),
        # ... and a day younger is still a child.
        ("7", d(2005, 12, 2), d(2026, 12, 1), True),
    ],
)
def test_r_m3_r_p1_a_pof_live_on_the_first_for_the_members_age_group(
    network, code, birth_date, on, listed
):
    eligible_member(network, pof_codes=(code,), birth_date=birth_date, cin="44444444D")
    assert eligibility_cins(network, on) == (["44444444D"] if listed else [])


def test_r_f2_members_without_a_span_a_pof_or_the_network_on_the_first_are_left_out(
    network, other_network
):
    eligible_member(network, cin="55555555E")
    eligible_member(network, cin="55555556E", until=d(2026, 11, 30))  # everything ended
    eligible_member(network, cin="55555557E", pof_codes=())  # no POF
    eligible_member(network, cin="55555558E", pof_since=d(2026, 12, 2))  # POF from the 2nd
    moved = eligible_member(network, cin="55555559E")
    moved.health_network_assignments.update(end_date=d(2026, 11, 30))
    HealthNetworkAssignmentFactory(member=moved, health_network=other_network, start_date=DEC)
    assert eligibility_cins(network) == ["55555555E"]
    assert eligibility_cins(other_network) == ["55555559E"]


def test_r_f2_the_file_agrees_with_the_apps_eligibility_rule(network):
    """The SQL of the file and members.rules.decide_eligibility say the same, member by member."""
    on = d(2024, 1, 1)
    cases = [
        ("medi_cal", ("1a",), d(1980, 1, 1)),
        ("onecare", ("1a",), d(1980, 1, 1)),
        ("pace", ("2",), d(1980, 1, 1)),
        ("medi_cal", ("7",), d(1980, 1, 1)),
        ("medi_cal", ("7",), d(2010, 1, 1)),
        ("medi_cal", ("4", "9"), d(1990, 1, 1)),
        ("medi_cal", (), d(1990, 1, 1)),
        ("medi_cal", ("5",), d(2003, 1, 2)),
        ("medi_cal", ("8",), d(2003, 1, 2)),
    ]
    members = [
        eligible_member(network, program=program, pof_codes=codes, birth_date=born)
        for program, codes, born in cases
    ]
    expected = sorted(
        m.cin for m in members if eligibility_on(m, on).ecm_eligible
    )  # the app's rule
    assert eligibility_cins(network, on) == expected
    assert 0 < len(expected) < len(members)


# --- R-P4 / R-F3: the monthly POF list --------------------------------------------------------


def test_r_p4_one_row_per_member_and_pof_held_on_the_first(network, other_network):
    member = eligible_member(network, pof_codes=("2", "1a"), cin="66666666F")
    MemberPopulationFactory(  # the same POF again, overlapping: still one row, the later period
        member=member, population=population("2"), start_date=d(2026, 3, 1)
    )
    MemberPopulationFactory(
        member=member,
        population=population("3"),
        start_date=d(2025, 1, 1),
        end_date=d(2026, 11, 30),
    )  # fmt: skip  -- ended before the 1st
    eligible_member(network, pof_codes=(), cin="66666667F")
    eligible_member(other_network, pof_codes=("1a",), cin="66666668F")
    found = rows(pof_list, network, DEC)
    assert [(row[1], row[6], row[8]) for row in found] == [
        ("66666666F", "1a", d(2022, 1, 1)),
        ("66666666F", "2", d(2026, 3, 1)),
    ]
    assert found[0][0] == DEC and found[0][7] == population("1a").name


# --- R-A7 / R-F3: the monthly reconciliation --------------------------------------------------

NOV = (d(2026, 11, 1), d(2026, 11, 30))


def at(*parts):
    return datetime.datetime(*parts, tzinfo=PT)


def step(authorization, when, kind=Event.Kind.APPROVED):
    event = Event.objects.create(authorization=authorization, kind=kind)
    Event.objects.filter(pk=event.pk).update(at=when)
    return event


def reconciliation_ids(network, period=NOV):
    return [row[0] for row in rows(reconciliation, network, *period)]


def test_r_a7_created_or_changed_by_caloptima_in_the_month(network):
    member = eligible_member(network)
    created = ecm_authorization(member, created_at=at(2026, 11, 3, 9))
    changed = ecm_authorization(member, created_at=at(2026, 9, 1, 9))
    step(changed, at(2026, 11, 20, 10))
    ecm_authorization(member, created_at=at(2026, 9, 1, 9))  # nothing in November
    LegacyAuthorizationFactory(member=member, health_network=network)  # the HN's own (R-A1)
    assert reconciliation_ids(network) == sorted([created.pk, changed.pk])


def test_r_a7_month_edges_are_california_midnights(network):
    """23:30 Pacific on 30 November is 1 December in UTC: it is November's."""
    member = eligible_member(network)
    late = ecm_authorization(member, created_at=at(2026, 9, 1, 9))
    step(late, at(2026, 11, 30, 23, 30))
    early = ecm_authorization(member, created_at=at(2026, 12, 1, 0, 0))
    assert reconciliation_ids(network) == [late.pk]
    assert reconciliation_ids(network, (d(2026, 12, 1), d(2026, 12, 31))) == [early.pk]
    (row,) = rows(reconciliation, network, *NOV)
    assert row[-2:] == (d(2026, 9, 1), d(2026, 11, 30))  # created_on, last_changed_on


def test_r_a7_goes_to_the_members_network_on_the_last_day_else_the_requests(network, other_network):
    moved = eligible_member(network)
    moved.health_network_assignments.update(end_date=d(2026, 11, 10))
    HealthNetworkAssignmentFactory(
        member=moved, health_network=other_network, start_date=d(2026, 11, 11)
    )
    to_other = ecm_authorization(moved, member_network=network, created_at=at(2026, 11, 2, 9))
    left_plan = eligible_member(network, until=d(2026, 11, 15))
    to_request_network = ecm_authorization(
        left_plan, member_network=network, created_at=at(2026, 11, 2, 9)
    )
    assert reconciliation_ids(network) == [to_request_network.pk]
    assert reconciliation_ids(other_network) == [to_other.pk]
