"""Member services: dated records never overlap (R-M1), several POFs are fine (R-M6)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from members import services
from members.models import EligibilitySpan, HealthNetworkAssignment, MemberPopulationOfFocus
from tests.members.factories import (
    EligibilitySpanFactory,
    HealthNetworkAssignmentFactory,
    MemberFactory,
    MemberPopulationFactory,
    population,
)
from tests.providers.factories import HealthNetworkFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

D = datetime.date

# An existing record from 2023-01-01 to 2023-12-31, and candidate periods against it.
EXISTING = (D(2023, 1, 1), D(2023, 12, 31))
OVERLAPPING = [
    pytest.param(D(2023, 6, 1), D(2024, 6, 30), id="starts-inside"),
    pytest.param(D(2022, 6, 1), D(2023, 1, 1), id="ends-on-first-day"),
    pytest.param(D(2023, 12, 31), None, id="open-from-last-day"),
    pytest.param(D(2022, 1, 1), None, id="open-ended-covers-it"),
    pytest.param(D(2023, 3, 1), D(2023, 3, 31), id="inside"),
    pytest.param(D(2022, 1, 1), D(2025, 1, 1), id="around"),
]
ADJACENT = [
    pytest.param(D(2024, 1, 1), None, id="open-from-next-day"),
    pytest.param(D(2022, 1, 1), D(2022, 12, 31), id="ends-the-day-before"),
]


@pytest.fixture
def member():
    return MemberFactory()


@pytest.mark.parametrize("start, end", OVERLAPPING)
def test_r_m1_overlapping_eligibility_span_is_refused_and_nothing_saved(member, start, end):
    EligibilitySpanFactory(member=member, start_date=EXISTING[0], end_date=EXISTING[1])

    with pytest.raises(ValidationError) as exc:
        services.add_eligibility_span(
            member=member, program="onecare", start_date=start, end_date=end
        )

    assert "start_date" in exc.value.message_dict
    assert "overlaps" in " ".join(exc.value.message_dict["start_date"])
    assert list(member.eligibility_spans.values_list("program", "start_date", "end_date")) == [
        ("medi_cal", *EXISTING)
    ]


@pytest.mark.parametrize("start, end", ADJACENT)
def test_r_m1_adjacent_eligibility_spans_are_accepted(member, start, end):
    EligibilitySpanFactory(member=member, start_date=EXISTING[0], end_date=EXISTING[1])

    span = services.add_eligibility_span(
        member=member, program="onecare", start_date=start, end_date=end
    )

    assert span.pk is not None
    assert member.eligibility_spans.count() == 2


def test_r_m1_open_ended_span_is_stored_open_and_blocks_any_later_span(member):
    span = services.add_eligibility_span(
        member=member, program="medi_cal", start_date=D(2022, 1, 1), end_date=None
    )
    span.refresh_from_db()
    assert span.end_date is None

    with pytest.raises(ValidationError) as exc:
        services.add_eligibility_span(
            member=member, program="pace", start_date=D(2030, 1, 1), end_date=None
        )
    assert "start_date" in exc.value.message_dict
    assert member.eligibility_spans.count() == 1


def test_r_m1_closing_an_open_span_then_adding_the_next_one(member):
    services.add_eligibility_span(
        member=member, program="medi_cal", start_date=D(2022, 1, 1), end_date=None
    )
    # The same start date updates the row: the open span is closed, not duplicated.
    services.add_eligibility_span(
        member=member, program="medi_cal", start_date=D(2022, 1, 1), end_date=D(2023, 12, 31)
    )
    services.add_eligibility_span(
        member=member, program="onecare", start_date=D(2024, 1, 1), end_date=None
    )

    assert list(
        member.eligibility_spans.order_by("start_date").values_list("program", "end_date")
    ) == [
        ("medi_cal", D(2023, 12, 31)),
        ("onecare", None),
    ]


def test_r_m1_extending_a_span_into_the_next_one_is_refused_and_leaves_it_unchanged(member):
    EligibilitySpanFactory(member=member, start_date=D(2022, 1, 1), end_date=D(2022, 12, 31))
    EligibilitySpanFactory(member=member, start_date=D(2023, 1, 1), end_date=None)

    with pytest.raises(ValidationError) as exc:
        services.add_eligibility_span(
            member=member, program="medi_cal", start_date=D(2022, 1, 1), end_date=D(2023, 6, 30)
        )

    assert "start_date" in exc.value.message_dict
    assert EligibilitySpan.objects.get(member=member, start_date=D(2022, 1, 1)).end_date == D(
        2022, 12, 31
    )


def test_r_m1_span_ending_before_it_starts_is_refused(member):
    with pytest.raises(ValidationError) as exc:
        services.add_eligibility_span(
            member=member, program="medi_cal", start_date=D(2023, 1, 1), end_date=D(2022, 1, 1)
        )
    assert "end_date" in exc.value.message_dict
    assert not EligibilitySpan.objects.filter(member=member).exists()


def test_r_m1_spans_of_different_members_may_overlap():
    one, other = MemberFactory(), MemberFactory()
    services.add_eligibility_span(
        member=one, program="medi_cal", start_date=D(2022, 1, 1), end_date=None
    )
    services.add_eligibility_span(
        member=other, program="medi_cal", start_date=D(2022, 1, 1), end_date=None
    )
    assert EligibilitySpan.objects.count() == 2


@pytest.mark.parametrize("start, end", OVERLAPPING)
def test_r_m1_overlapping_health_network_assignment_is_refused_and_nothing_saved(
    member, start, end
):
    first, second = HealthNetworkFactory(), HealthNetworkFactory()
    HealthNetworkAssignmentFactory(
        member=member, health_network=first, start_date=EXISTING[0], end_date=EXISTING[1]
    )

    with pytest.raises(ValidationError) as exc:
        services.assign_health_network(
            member=member, health_network=second, start_date=start, end_date=end
        )

    assert "start_date" in exc.value.message_dict
    assert list(
        HealthNetworkAssignment.objects.filter(member=member).values_list(
            "health_network", "start_date", "end_date"
        )
    ) == [(first.pk, *EXISTING)]


@pytest.mark.parametrize("start, end", ADJACENT)
def test_r_m1_consecutive_health_network_assignments_are_accepted(member, start, end):
    first, second = HealthNetworkFactory(), HealthNetworkFactory()
    HealthNetworkAssignmentFactory(
        member=member, health_network=first, start_date=EXISTING[0], end_date=EXISTING[1]
    )

    services.assign_health_network(
        member=member, health_network=second, start_date=start, end_date=end
    )

    assert set(member.health_network_assignments.values_list("health_network", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_r_m1_only_a_health_network_can_be_assigned(member):
    clinic = OrganizationFactory(is_health_network=False)
    with pytest.raises(ValidationError) as exc:
        services.assign_health_network(
            member=member, health_network=clinic, start_date=D(2023, 1, 1), end_date=None
        )
    assert "health_network" in exc.value.message_dict
    assert not member.health_network_assignments.exists()


def test_r_m6_a_member_may_hold_several_pofs_at_once(member):
    services.add_population(member=member, population=population("1a"), start_date=D(2022, 1, 1))
    services.add_population(member=member, population=population("3"), start_date=D(2022, 6, 1))
    services.add_population(
        member=member,
        population=population("5"),
        start_date=D(2023, 1, 1),
        end_date=D(2023, 12, 31),
        source="provider_attestation",
    )

    rows = MemberPopulationOfFocus.objects.filter(member=member)
    assert sorted(rows.values_list("population__code", flat=True)) == ["1a", "3", "5"]
    assert rows.get(population__code="1a").end_date is None
    assert rows.get(population__code="5").source == "provider_attestation"


def test_r_m1_same_pof_overlapping_period_is_refused_and_nothing_saved(member):
    MemberPopulationFactory(member=member, population=population("2"), start_date=D(2022, 1, 1))

    with pytest.raises(ValidationError) as exc:
        services.add_population(member=member, population=population("2"), start_date=D(2024, 1, 1))

    assert "start_date" in exc.value.message_dict
    assert "POF 2" in " ".join(exc.value.message_dict["start_date"])
    assert member.populations.count() == 1


def test_add_population_again_for_the_same_start_is_idempotent(member):
    first = services.add_population(
        member=member, population=population("1b"), start_date=D(2022, 1, 1)
    )
    again = services.add_population(
        member=member, population=population("1b"), start_date=D(2022, 1, 1)
    )
    assert again.pk == first.pk
    assert member.populations.count() == 1


def test_upsert_member_by_cin_creates_then_updates():
    member, created = services.upsert_member(
        cin=" 91234567a ",
        member_id="M1",
        first_name="Ana",
        last_name="Lopez",
        birth_date=D(1980, 1, 2),
    )
    assert created and member.cin == "91234567A"

    same, changed = services.upsert_member(
        cin="91234567A",
        member_id="M1",
        first_name="Ana",
        last_name="Lopez",
        birth_date=D(1980, 1, 2),
    )
    assert (same.pk, changed) == (member.pk, False)

    renamed, changed = services.upsert_member(cin="91234567A", first_name="Anna")
    renamed.refresh_from_db()
    assert (renamed.pk, changed, renamed.first_name) == (member.pk, True, "Anna")
