"""One way to read a CSV file exchanged with a partner: every row checked, good rows applied (each
in its own transaction, by the caller's `apply_row`), bad rows reported by line number with the
column and the problem, and a re-run of the same file changing nothing (R-F4)."""

import csv
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError


@dataclass
class ImportReport:
    read: int = 0
    applied: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.read} rows read, {self.applied} applied, {self.unchanged} unchanged, "
            f"{len(self.rejected)} rejected"
        )


def parse_date(value: str | None, column: str, *, required: bool) -> datetime.date | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError({column: "is required."})
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError({column: f"'{value}' is not a date (YYYY-MM-DD)."}) from None


def error_text(exc: ValidationError, field_columns: dict[str, str] | None = None) -> str:
    """'column: problem; column: problem', naming the file's columns rather than model fields."""
    names = field_columns or {}
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{names.get(k, k)}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def field_count_problem(row: dict, expected: int) -> str | None:
    """csv.DictReader pads a short row with None and files a long row's extras under None."""
    extra = row.get(None) or []
    given = sum(v is not None for k, v in row.items() if k is not None) + len(extra)
    if extra or given < expected:
        return f"the row has {given} fields, the header has {expected}."
    return None


def run_import(
    lines: Iterable[str],
    columns: Iterable[str],
    apply_row: Callable[[dict], bool],
    *,
    field_columns: dict[str, str] | None = None,
) -> ImportReport:
    """Read the file; `apply_row` returns whether the row changed anything, or raises
    ValidationError naming the column."""
    report = ImportReport()
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header]
    if missing:
        report.rejected.append((1, f"missing column(s): {', '.join(missing)}"))
        return report
    reader.fieldnames = header
    for row in reader:
        report.read += 1
        line = reader.line_num
        problem = field_count_problem(row, len(header))
        if problem:
            report.rejected.append((line, problem))
            continue
        try:
            if apply_row(row):
                report.applied += 1
            else:
                report.unchanged += 1
        except ValidationError as exc:
            report.rejected.append((line, error_text(exc, field_columns)))
    return report
