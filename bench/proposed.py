"""A prototype of `exchange.services._write` with the three changes the benchmark's diagnosis
proposes (bench/README.md), so that `python -m bench.files --writer proposed` measures them on the
app's own generation and checks that the file's bytes do not change (same sha256). The writer
itself belongs to exchange/ (its owner applies the changes there); this copy only measures.

1. The file's cursor is planned for all its rows (`cursor_tuple_fraction = 1`: PostgreSQL plans a
   cursor for its first 10% by default, a nested loop over every activity of the week for the
   activity log) and without JIT (`jit = off`: compiling the eligibility query's correlated
   subqueries takes longer than running them), for the session, reset after.
2. The rows expected come from the same query (`count(*) OVER ()`, the last column), not from a
   `count()` that runs the query a second time.
3. A row goes to csv.writer as it is unless it holds a datetime: csv already writes None as
   nothing, and dates, integers and text as `_cell` would.
"""

import csv
import datetime
import hashlib
import io
import os
import pathlib
import time

from django.conf import settings
from django.db import connection
from django.db.models import Count, Window

SESSION = {"cursor_tuple_fraction": "1", "jit": "off"}


def _session(values: dict) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, value in values.items():
            cursor.execute(f"SET {name} = {value}" if value else f"RESET {name}")


def write(run, token, path: pathlib.Path) -> tuple[int, str]:
    """Same contract and bytes as exchange.services._write."""
    from exchange import services
    from exchange.files import OUTBOUND

    outbound = OUTBOUND[run.kind]
    rows = outbound.rows(run.organization, run.period_start, run.period_end)
    counted = rows.annotate(rows_in_file=Window(Count("*")))
    services._remove_leftovers(path.with_name(run.file_name))
    path.parent.mkdir(parents=True, exist_ok=True)
    every = max(1, settings.EXCHANGE_PROGRESS_ROWS)
    delay = getattr(settings, "EXCHANGE_TEST_ROW_DELAY", 0) or 0
    digest = hashlib.sha256()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=services.DELIMITER, lineterminator=services.LINE_END)
    size = done = 0
    _session(SESSION)
    try:
        with open(path, "wb") as out:

            def flush() -> None:
                nonlocal size
                data = buffer.getvalue().encode(services.ENCODING)
                buffer.seek(0)
                buffer.truncate()
                digest.update(data)
                out.write(data)
                size += len(data)

            writer.writerow(outbound.header)
            for row in counted.iterator(chunk_size=services.CHUNK_ROWS):
                values = row[:-1]
                if done == 0:
                    services._progress(run, token, rows_expected=row[-1])
                if any(isinstance(value, datetime.datetime) for value in values):
                    values = [services._cell(value) for value in values]
                writer.writerow(values)
                done += 1
                if delay:
                    time.sleep(delay)
                if done % every == 0:
                    flush()
                    services._progress(run, token, rows_done=done)
            if done == 0:
                services._progress(run, token, rows_expected=0)
            flush()
            out.flush()
            os.fsync(out.fileno())
    finally:
        _session(dict.fromkeys(SESSION))
    services._progress(run, token, rows_done=done)
    return size, digest.hexdigest()
