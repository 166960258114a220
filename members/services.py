"""What the members app does: create and update members and dated records, one transaction each.

Overlapping spans or assignments are refused with a message naming the field (R-M1)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from common.csv_import import ImportReport, parse_date, run_import

from .models import (
    EligibilitySpan,
    HealthNetworkAssignment,
    Language,
    Member,
    MemberPopulationOfFocus,
    PofSource,
    PopulationOfFocus,
    Program,
    Sex,
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


# --- Member file import -------------------------------------------------------------------

IMPORT_COLUMNS = (
    "cin",
    "member_id",
    "first_name",
    "last_name",
    "birth_date",
    "sex",
    "language",
    "program",
    "span_start",
    "span_end",
    "health_network",
    "pof_codes",
)


def _choice(value: str, choices, column: str) -> str:
    """Accept a choice by value or by label, case-insensitively."""
    wanted = (value or "").strip().lower()
    for key, label in choices:
        if wanted in (str(key).lower(), str(label).lower()):
            return key
    allowed = ", ".join(str(label) for _, label in choices)
    raise ValidationError({column: f"'{value}' is not one of: {allowed}."})


# Model fields whose errors are reported under the file's column name.
FIELD_COLUMNS = {
    "start_date": "span_start",
    "end_date": "span_end",
    "preferred_language": "language",
}


@transaction.atomic
def _apply_member_row(row: dict, networks: dict, populations: dict) -> bool:
    """One span row: upsert the member by CIN, then its span, HN assignment and POFs. Returns
    whether anything changed. Raises ValidationError naming the column."""
    missing = [
        c for c in ("cin", "member_id", "first_name", "last_name") if not row.get(c, "").strip()
    ]
    if missing:
        raise ValidationError({c: "is required." for c in missing})
    start = parse_date(row.get("span_start"), "span_start", required=True)
    end = parse_date(row.get("span_end"), "span_end", required=False)
    program = _choice(row.get("program"), Program.choices, "program")
    hn_name = (row.get("health_network") or "").strip()
    network = None
    if hn_name:
        network = networks.get(hn_name.lower())
        if network is None:
            raise ValidationError({"health_network": f"'{hn_name}' is not a known health network."})
    codes = [c.strip() for c in (row.get("pof_codes") or "").split(";") if c.strip()]
    unknown = [c for c in codes if c.lower() not in populations]
    if unknown:
        raise ValidationError({"pof_codes": f"unknown POF code(s): {', '.join(unknown)}."})
    try:
        member, changed = upsert_member(
            cin=row["cin"],
            member_id=row["member_id"].strip(),
            first_name=row["first_name"].strip(),
            last_name=row["last_name"].strip(),
            birth_date=parse_date(row.get("birth_date"), "birth_date", required=True),
            sex=_choice(row.get("sex") or "U", Sex.choices, "sex"),
            preferred_language=_choice(row.get("language") or "en", Language.choices, "language"),
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "cin" in exc.error_dict:
            raise ValidationError({"cin": exc.error_dict["cin"]}) from None
        raise
    _locked_member(member.pk)
    _, c = _put_dated(
        member.eligibility_spans,
        start_date=start,
        end_date=end,
        what="eligibility span",
        member=member,
        program=program,
    )
    changed |= c
    if network is not None:
        _, c = _put_dated(
            member.health_network_assignments,
            start_date=start,
            end_date=end,
            what="health network assignment",
            member=member,
            health_network=network,
        )
        changed |= c
    for code in codes:
        pop = populations[code.lower()]
        _, c = _put_dated(
            member.populations.filter(population=pop),
            start_date=start,
            end_date=end,
            what=f"POF {pop.code} period",
            member=member,
            population=pop,
            source=PofSource.IMPORT,
        )
        changed |= c
    return changed


def import_members(lines) -> ImportReport:
    """Import a member eligibility CSV (one row per span): upsert by CIN, each row in its own
    transaction, bad rows reported by line number, a re-run of the same file changes nothing."""
    from providers.selectors import health_networks_by_name

    networks = health_networks_by_name()
    populations = {p.code.lower(): p for p in PopulationOfFocus.objects.all()}
    return run_import(
        lines,
        IMPORT_COLUMNS,
        lambda row: _apply_member_row(row, networks, populations),
        field_columns=FIELD_COLUMNS,
    )
