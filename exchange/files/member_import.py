"""The member eligibility file we receive from the plan's enrolment system: one row per
eligibility span (R-M1) with the member, the span's HN assignment and POFs. This module reads the
columns and parses their values; members.services.record_member_span records the span."""

from django.core.exceptions import ValidationError

from common.csv_import import ImportReport, parse_date, run_import
from members.models import Language, Program, Sex
from members.services import record_member_span
from providers.selectors import health_networks_by_name

from .base import Column

TITLE = "Member eligibility file (received)"
NAME_PATTERN = "any (the path is given on the command line or to the task)"
COLUMNS = (
    Column(
        "cin",
        "text (9)",
        "The member's Medi-Cal CIN: 8 digits and a letter (any case). Rows upsert by it.",
    ),
    Column("member_id", "text (up to 20)", "The member's CalOptima Health member id."),
    Column("first_name", "text (up to 80)", "The member's first name."),
    Column("last_name", "text (up to 80)", "The member's last name."),
    Column("birth_date", "date (YYYY-MM-DD)", "The member's birth date; not in the future."),
    Column(
        "sex",
        "code",
        "F, M, X or U, or Female, Male, Non-binary, Unknown (any case); empty: U.",
    ),
    Column(
        "language",
        "code",
        "Preferred language for letters (R-M7): en, es, vi, ko, zh, fa or ar, or the language's "
        "English name (any case); empty: en.",
    ),
    Column(
        "program",
        "code",
        "The span's program: medi_cal, onecare or pace, or Medi-Cal, OneCare, PACE (any case).",
    ),
    Column("span_start", "date (YYYY-MM-DD)", "First day of the eligibility span (R-M1)."),
    Column("span_end", "date (YYYY-MM-DD)", "Last day of the span; empty: open-ended."),
    Column(
        "health_network",
        "text",
        "The health network the member is assigned to for the span's dates, by name (any "
        "case); empty: none.",
    ),
    Column(
        "pof_codes",
        "codes separated by ;",
        "The Populations of Focus the member meets for the span's dates (R-M6): 1a, 1b, 2 to 9 "
        "(any case); empty: none.",
    ),
)
HEADER = tuple(c.name for c in COLUMNS)
REQUIRED = ("cin", "member_id", "first_name", "last_name")

# Model fields whose errors are reported under the file's column name.
FIELD_COLUMNS = {
    "start_date": "span_start",
    "end_date": "span_end",
    "preferred_language": "language",
}


def _choice(value: str, choices, column: str) -> str:
    """Accept a choice by value or by label, case-insensitively."""
    wanted = (value or "").strip().lower()
    for key, label in choices:
        if wanted in (str(key).lower(), str(label).lower()):
            return key
    allowed = ", ".join(str(label) for _, label in choices)
    raise ValidationError({column: f"'{value}' is not one of: {allowed}."})


def _network(row: dict, networks: dict):
    name = (row.get("health_network") or "").strip()
    if not name:
        return None
    network = networks.get(name.lower())
    if network is None:
        raise ValidationError({"health_network": f"'{name}' is not a known health network."})
    return network


def _read_row(row: dict, networks: dict) -> dict:
    """The row's values as record_member_span takes them. Raises ValidationError naming the
    column."""
    missing = [c for c in REQUIRED if not row.get(c, "").strip()]
    if missing:
        raise ValidationError({c: "is required." for c in missing})
    return {
        "start_date": parse_date(row.get("span_start"), "span_start", required=True),
        "end_date": parse_date(row.get("span_end"), "span_end", required=False),
        "program": _choice(row.get("program"), Program.choices, "program"),
        "health_network": _network(row, networks),
        "pof_codes": [c.strip() for c in (row.get("pof_codes") or "").split(";") if c.strip()],
        "cin": row["cin"],
        "member_id": row["member_id"].strip(),
        "first_name": row["first_name"].strip(),
        "last_name": row["last_name"].strip(),
        "birth_date": parse_date(row.get("birth_date"), "birth_date", required=True),
        "sex": _choice(row.get("sex") or "U", Sex.choices, "sex"),
        "preferred_language": _choice(row.get("language") or "en", Language.choices, "language"),
    }


def _apply_row(row: dict, networks: dict) -> bool:
    try:
        return record_member_span(**_read_row(row, networks))
    except ValidationError as exc:
        # A wrong CIN is the row's one problem worth reporting: nothing else of it can be matched.
        if hasattr(exc, "error_dict") and "cin" in exc.error_dict:
            raise ValidationError({"cin": exc.error_dict["cin"]}) from None
        raise


def import_file(lines) -> ImportReport:
    """Import the file: upsert by CIN, each row in its own transaction, bad rows reported by line
    number and column, a re-run of the same file changes nothing (R-F4)."""
    networks = health_networks_by_name()
    return run_import(
        lines, HEADER, lambda row: _apply_row(row, networks), field_columns=FIELD_COLUMNS
    )
