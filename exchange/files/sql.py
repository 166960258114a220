"""SQL pieces the outbound files share: dated rows active on a date, California day bounds, and
codes joined in one cell. Each file stays one query (a server-side cursor streams it)."""

import datetime

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import Aggregate, CharField, Q

from common.dates import BUSINESS_TZ


def active_on(on: datetime.date, prefix: str = "") -> Q:
    """A dated row ([start_date, end_date], end inclusive and optional) that holds on `on` (R-M2).
    `on` may be a date or an expression (OuterRef("date"))."""
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": on})
    )


def california_day_bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """[midnight starting `start`, midnight after `end`) in California time, as aware instants."""
    after = end + datetime.timedelta(days=1)
    return (
        datetime.datetime.combine(start, datetime.time(), BUSINESS_TZ),
        datetime.datetime.combine(after, datetime.time(), BUSINESS_TZ),
    )


class JoinedCodes(Aggregate):
    """Distinct short codes joined by ";" in code order ("1a;3"). PostgreSQL: STRING_AGG with
    DISTINCT and ORDER BY. SQLite (local use): the JOINED_CODES aggregate that
    `register_sqlite_functions` adds to each connection (SQLite before 3.44 cannot order
    inside GROUP_CONCAT)."""

    function = "JOINED_CODES"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        expression = self.get_source_expressions()[0]
        joined = StringAgg(expression, delimiter=";", distinct=True, order_by=expression)
        return joined.as_sql(compiler, connection, **extra_context)


class _SqliteJoinedCodes:
    def __init__(self):
        self.codes = set()

    def step(self, value):
        if value is not None:
            self.codes.add(value)

    def finalize(self):
        return ";".join(sorted(self.codes)) if self.codes else None


def register_sqlite_functions(sender, connection, **kwargs):
    """connection_created receiver (exchange.apps): JOINED_CODES on SQLite connections."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("JOINED_CODES", 1, _SqliteJoinedCodes)
