"""What every outbound file declares; the machinery (FileRun, streaming writer, delivery) in
exchange/services.py and exchange/delivery.py does the rest."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

WEEKLY = "weekly"
MONTHLY = "monthly"


@dataclass(frozen=True)
class Column:
    name: str  # the header, exactly as written in the file and in docs/files.md
    type: str  # "text", "date (YYYY-MM-DD)", "integer", ...
    meaning: str


@dataclass(frozen=True)
class OutboundFile:
    """A file that goes to each health network for a period.

    `rows(network, start, end)` returns a queryset of `values_list` tuples, one per row, in the
    columns' order and in a total order (the same data gives the same bytes, R-F4); it is read
    with a server-side cursor, and the benchmark runs the same SQL through psql's \\copy."""

    kind: str
    title: str
    rule: str
    cadence: str  # WEEKLY or MONTHLY
    name_pattern: str  # e.g. "ECM_ACTIVITY_LOG_{network}_{start:%Y%m%d}_{end:%Y%m%d}.csv"
    columns: tuple[Column, ...]
    rows: Callable[[object, datetime.date, datetime.date], QuerySet]

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]
