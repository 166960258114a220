"""What the members app does: create and update members and dated records, one transaction each.

Overlapping spans or assignments are refused with a message naming the field (R-M1)."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import (
    EligibilitySpan,
    HealthNetworkAssignment,
    Member,
    MemberPopulationOfFocus,
    PofSource,
    PopulationOfFocus,
)
from .rules import periods_overlap

MEMBER_FIELDS = (
    "member_id",
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "preferred_language",
    "alternative_format",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "zip_code",
)


def _check_no_overlap(existing, start, end, *, what: str, exclude_pk=None):
    for row in existing:
        if row.pk == exclude_pk:
            continue
        if periods_overlap(start, end, row.start_date, row.end_date):
            raise ValidationError(
                {
                    "start_date": f"This {what} ({start}..{end or 'open'}) overlaps the existing "
                    "one "
                    f"({row.start_date}..{row.end_date or 'open'})."
                }
            )


def _locked_member(member_id: int) -> Member:
    """Lock the member row so concurrent writers of dated records are serialized."""
    return Member.objects.select_for_update().get(pk=member_id)


def upsert_member(*, cin: str, **fields) -> tuple[Member, bool]:
    """Create or update a member by CIN; validates every field. Returns (member, changed)."""
    cin = (cin or "").strip().upper()
    member = Member.objects.filter(cin=cin).first()
    creating = member is None
    if creating:
        member = Member(cin=cin)
    changed = creating
    for name, value in fields.items():
        if name not in MEMBER_FIELDS:
            raise ValueError(f"unknown member field {name}")
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed = True
    if changed:
        member.full_clean()
        member.save()
    return member, changed


def _put_dated(scope, *, start_date, end_date, what: str, **values) -> tuple[object, bool]:
    """Create or update the row of `scope` that starts on `start_date`, refusing any overlap with
    the other rows of `scope`. Returns (row, changed); an identical row is left alone."""
    row = scope.filter(start_date=start_date).first()
    if (
        row is not None
        and row.end_date == end_date
        and all(getattr(row, k) == v for k, v in values.items())
    ):
        return row, False
    if row is None:
        row = scope.model(start_date=start_date, **values)
    row.end_date = end_date
    for k, v in values.items():
        setattr(row, k, v)
    row.full_clean(validate_constraints=False)
    _check_no_overlap(scope.all(), start_date, end_date, what=what, exclude_pk=row.pk)
    row.save()
    return row, True


@transaction.atomic
def add_eligibility_span(
    *, member: Member, program: str, start_date: datetime.date, end_date: datetime.date | None
) -> EligibilitySpan:
    """Add or update (by start date) a program span; a member's spans never overlap (R-M1)."""
    _locked_member(member.pk)
    span, _ = _put_dated(
        member.eligibility_spans,
        start_date=start_date,
        end_date=end_date,
        what="eligibility span",
        member=member,
        program=program,
    )
    return span


@transaction.atomic
def assign_health_network(
    *, member: Member, health_network, start_date: datetime.date, end_date: datetime.date | None
) -> HealthNetworkAssignment:
    """Assign a member to a health network for a period; assignments never overlap (R-M1)."""
    if not health_network.is_health_network:
        raise ValidationError({"health_network": f"{health_network} is not a health network."})
    _locked_member(member.pk)
    row, _ = _put_dated(
        member.health_network_assignments,
        start_date=start_date,
        end_date=end_date,
        what="health network assignment",
        member=member,
        health_network=health_network,
    )
    return row


@transaction.atomic
def add_population(
    *,
    member: Member,
    population: PopulationOfFocus,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    source: str = PofSource.PLAN_DATA,
) -> MemberPopulationOfFocus:
    """Record that a member meets a POF for a period (R-M6: several POFs are fine)."""
    _locked_member(member.pk)
    row, _ = _put_dated(
        member.populations.filter(population=population),
        start_date=start_date,
        end_date=end_date,
        what=f"POF {population.code} period",
        member=member,
        population=population,
        source=source,
    )
    return row


@transaction.atomic
def record_member_span(
    *,
    cin: str,
    program: str,
    start_date: datetime.date,
    end_date: datetime.date | None,
    health_network=None,
    pof_codes: Iterable[str] = (),
    pof_source: str = PofSource.IMPORT,
    **member_fields,
) -> bool:
    """One dated span of the plan's eligibility data (R-M1): the member upserted by CIN, the
    program span, and for the same dates the HN assignment and POFs (R-M6). One transaction: a
    refused part keeps nothing of the span. Returns whether anything changed."""
    if health_network is not None and not health_network.is_health_network:
        raise ValidationError({"health_network": f"{health_network} is not a health network."})
    populations = _populations_by_code(pof_codes)
    member, changed = upsert_member(cin=cin, **member_fields)
    _locked_member(member.pk)
    dated = {"start_date": start_date, "end_date": end_date, "member": member}
    puts = [_put_dated(member.eligibility_spans, what="eligibility span", program=program, **dated)]
    if health_network is not None:
        puts.append(
            _put_dated(
                member.health_network_assignments,
                what="health network assignment",
                health_network=health_network,
                **dated,
            )
        )
    for pop in populations:
        puts.append(
            _put_dated(
                member.populations.filter(population=pop),
                what=f"POF {pop.code} period",
                population=pop,
                source=pof_source,
                **dated,
            )
        )
    return changed or any(row_changed for _, row_changed in puts)


def _populations_by_code(codes: Iterable[str]) -> list[PopulationOfFocus]:
    """The POFs named by code (case-insensitive), in the order given; unknown codes are refused."""
    codes = list(codes)
    if not codes:
        return []
    known = {p.code.lower(): p for p in PopulationOfFocus.objects.all()}
    unknown = [c for c in codes if c.lower() not in known]
    if unknown:
        raise ValidationError({"pof_codes": f"unknown POF code(s): {', '.join(unknown)}."})
    return [known[c.lower()] for c in codes]
