"""The daily file of legacy authorizations a health network sends us (R-A1, R-A2): one row per
authorization the HN created before the cut-over, as it stands in the HN's system. This module reads
the columns and parses their values; authorizations.services.record_hn_authorization records
them."""

from django.core.exceptions import ValidationError

from authorizations.rules import parse_file_instant
from authorizations.services import record_hn_authorization
from common.csv_import import ImportReport, parse_date, run_import
from members.selectors import member_by_cin
from providers.selectors import organization_by_name, service_by_code

from .base import Column

TITLE = "Health network daily authorization file (received)"
NAME_PATTERN = "any (the path is given on the command line, with the sending HN's name)"
COLUMNS = (
    Column(
        "hn_authorization_number",
        "text (up to 40)",
        "The HN's own number for the authorization. Rows upsert by network and number.",
    ),
    Column("cin", "text (9)", "The member's Medi-Cal CIN (a member already known, any case)."),
    Column(
        "service_code",
        "code",
        "The service's code in the catalogue: ECM or a Community Support (CS_HOUSING_NAVIGATION, "
        "...).",
    ),
    Column("provider_name", "text", "The provider organization that delivers it, by name."),
    Column(
        "created_at",
        "date-time (ISO 8601)",
        "When the HN created it; without an offset, California time. Created on or after "
        "2023-01-01 00:00 Pacific: the row is refused (R-A1).",
    ),
    Column("start_date", "date (YYYY-MM-DD)", "First day of the authorization."),
    Column("end_date", "date (YYYY-MM-DD)", "Last day; empty: open-ended."),
    Column(
        "status",
        "code",
        "pending, approved, modified, denied, terminated, expired or withdrawn (any case).",
    ),
)
HEADER = tuple(c.name for c in COLUMNS)


def _found(value, column: str, what: str):
    if value is None:
        raise ValidationError({column: what})
    return value


def _created_at(text: str | None):
    try:
        return parse_file_instant(text or "")
    except ValueError:
        raise ValidationError({"created_at": f"'{text}' is not an ISO 8601 date-time."}) from None


def _read_row(row: dict) -> dict:
    """The row's values as record_hn_authorization takes them. Raises ValidationError naming the
    column."""
    cin, code, name = row.get("cin"), row.get("service_code"), row.get("provider_name")
    return {
        "hn_authorization_number": row.get("hn_authorization_number") or "",
        "created_at": _created_at(row.get("created_at")),
        "member": _found(member_by_cin((cin or "").strip()), "cin", f"no member with CIN '{cin}'."),
        "service": _found(
            service_by_code((code or "").strip()), "service_code", f"unknown service '{code}'."
        ),
        "provider": _found(
            organization_by_name((name or "").strip()),
            "provider_name",
            f"unknown provider '{name}'.",
        ),
        "start_date": parse_date(row.get("start_date"), "start_date", required=True),
        "end_date": parse_date(row.get("end_date"), "end_date", required=False),
        "status": row.get("status") or "",
    }


def import_file(*, network, lines) -> ImportReport:
    """Load one HN's file: upsert by network and number, each row in its own transaction, bad rows
    reported by line and column, a re-run changes nothing (R-F4)."""
    if not network.is_health_network:
        raise ValidationError({"network": f"{network} is not a health network."})
    return run_import(
        lines, HEADER, lambda row: record_hn_authorization(network=network, **_read_row(row))
    )
