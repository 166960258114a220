"""Member services: dated records never overlap (R-M1), several POFs are fine (R-M6)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from members import services
from members.models import (
    EligibilitySpan,
    HealthNetworkAssignment,
    Member,
    MemberPopulationOfFocus,
)
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


# --- record_member_span: one span of the plan's eligibility data, recorded whole ---------------

SPAN_MEMBER = {
    "cin": "91234567A",
    "member_id": "CO-1001",
    "first_name": "Maria",
    "last_name": "Garcia",
    "birth_date": D(1975, 4, 12),
}


def record_span(**changes) -> bool:
    values = {
        **SPAN_MEMBER,
        "program": "medi_cal",
        "start_date": D(2022, 1, 1),
        "end_date": D(2022, 12, 31),
        **changes,
    }
    return services.record_member_span(**values)


def span_rows(member):
    return (
        list(member.eligibility_spans.values_list("program", "start_date", "end_date")),
        list(member.health_network_assignments.values_list("health_network_id", "end_date")),
        sorted(member.populations.values_list("population__code", "source", "end_date")),
    )


def test_r_m1_a_span_records_member_program_assignment_and_pofs_for_the_same_dates():
    network = HealthNetworkFactory()

    changed = record_span(health_network=network, pof_codes=["1A", "3"])

    member = Member.objects.get(cin="91234567A")
    assert changed is True
    assert (member.member_id, member.first_name) == ("CO-1001", "Maria")
    assert span_rows(member) == (
        [("medi_cal", D(2022, 1, 1), D(2022, 12, 31))],
        [(network.pk, D(2022, 12, 31))],
        [("1a", "import", D(2022, 12, 31)), ("3", "import", D(2022, 12, 31))],
    )


def test_r_m1_the_same_span_again_changes_nothing():
    network = HealthNetworkFactory()
    record_span(health_network=network, pof_codes=["2"])
    member = Member.objects.get(cin="91234567A")
    before = span_rows(member), member.updated_at

    assert record_span(health_network=network, pof_codes=["2"]) is False

    member.refresh_from_db()
    assert (span_rows(member), member.updated_at) == before


def test_r_m1_a_span_with_only_a_new_pof_is_a_change():
    record_span(pof_codes=["2"])

    assert record_span(pof_codes=["2", "5"]) is True
    member = Member.objects.get(cin="91234567A")
    assert [code for code, _, _ in span_rows(member)[2]] == ["2", "5"]


def test_r_m1_an_overlapping_span_keeps_nothing_of_the_call():
    record_span()

    with pytest.raises(ValidationError) as exc:
        record_span(
            first_name="Mariana",
            program="onecare",
            start_date=D(2022, 6, 1),
            end_date=None,
            pof_codes=["9"],
        )

    assert "overlaps" in " ".join(exc.value.message_dict["start_date"])
    member = Member.objects.get(cin="91234567A")
    assert member.first_name == "Maria"
    assert span_rows(member)[0] == [("medi_cal", D(2022, 1, 1), D(2022, 12, 31))]
    assert not member.populations.exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        pytest.param({"pof_codes": ["1a", "11"]}, "pof_codes", id="unknown-pof-code"),
        pytest.param({"end_date": D(2021, 12, 31)}, "end_date", id="ends-before-it-starts"),
        pytest.param({"cin": "9123456"}, "cin", id="malformed-cin"),
    ],
)
def test_r_m1_a_refused_span_of_a_new_member_creates_no_member(changes, field):
    with pytest.raises(ValidationError) as exc:
        record_span(**changes)

    assert field in exc.value.message_dict
    assert not Member.objects.exists()
    assert not EligibilitySpan.objects.exists()


def test_r_m1_a_span_assigns_only_a_health_network():
    clinic = OrganizationFactory(is_health_network=False)

    with pytest.raises(ValidationError) as exc:
        record_span(health_network=clinic)

    assert "not a health network" in " ".join(exc.value.message_dict["health_network"])
    assert not Member.objects.exists()
