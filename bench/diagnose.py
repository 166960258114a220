"""Where an outbound file's time goes: each phase of the app's writer timed alone, and the
alternatives worth trying, in one process against the generated database (bench/generate.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/calaim_bench \\
        .venv/bin/python -m bench.diagnose --kind ecm_activity_log --network largest

Phases and variants (each timed --repeat times, the median printed; none writes a file):

- count: `rows.count()`, which the writer runs before streaming (rows expected, for the bar);
- cursor: `rows.iterator(chunk_size=2000)` read to the end (server-side cursor, Django's
  converters), the rows only;
- cursor+csv: the same through csv.writer and the writer's `_cell` (what `_write` does, no disk);
- cursor 20000: the iterator with a ten times larger chunk;
- raw cursor: a psycopg2 named cursor WITH HOLD, fetchmany(2000), no Django converters;
- fraction 1: `SET cursor_tuple_fraction = 1` before the cursor (plan for all rows, not the first
  10%: a cursor never gets a parallel plan, and the fast-start plan may be the slower one);
- jit off: `SET jit = off` before the cursor (JIT compiles big plans: seconds for the eligibility
  file's correlated subqueries);
- copy: `COPY (query) TO STDOUT WITH CSV HEADER` into a sink in this process (what psql's \\copy
  does, the floor any writer in Python is measured against);
- client cursor: the whole result in one fetchall (memory grows with the rows: reference only);
- tuned cursor: raw cursor with fraction 1 and jit off together;
- tuned window: the same, the total counted by the same query (`count(*) OVER ()`), so that no
  separate count runs the query a second time.
"""

import argparse
import datetime
import os
import statistics
import time
from zoneinfo import ZoneInfo

VARIANTS = (
    "count",
    "cursor",
    "cursor+csv",
    "cursor 20000",
    "raw cursor",
    "fraction 1",
    "jit off",
    "copy",
    "client cursor",
    "tuned cursor",
    "tuned window",
)


class Sink:
    """A file-like object that only counts what is written."""

    def __init__(self):
        self.size = 0

    def write(self, data):
        self.size += len(data)


def _drain(iterable) -> int:
    return sum(1 for _ in iterable)


def variants(rows):
    """{name: function returning a row count}, each reading the file's query its own way."""
    import csv
    import io

    from django.db import connection

    from exchange import services

    sql, params = rows.query.sql_with_params()

    def with_setting(setting, value):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(f"SET {setting} = {value}")
            try:
                return _drain(rows.iterator(chunk_size=2000))
            finally:
                with connection.cursor() as cursor:
                    cursor.execute(f"RESET {setting}")

        return run

    def cursor_csv():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        done = 0
        cell = getattr(services, "_cell", str)
        for row in rows.iterator(chunk_size=2000):
            writer.writerow([cell(value) for value in row])
            done += 1
            if done % 5000 == 0:
                buffer.seek(0)
                buffer.truncate()
        return done

    def raw_cursor():
        connection.ensure_connection()
        raw = connection.connection.cursor(name="bench_raw", withhold=True)
        try:
            raw.execute(sql, params)
            done = 0
            while batch := raw.fetchmany(2000):
                done += len(batch)
            return done
        finally:
            raw.close()

    def copy():
        connection.ensure_connection()
        with connection.connection.cursor() as raw:
            bound = raw.mogrify(sql, params).decode()
            sink = Sink()
            raw.copy_expert(f"COPY ({bound}) TO STDOUT WITH CSV HEADER", sink)
            return raw.rowcount

    def tuned(window: bool):
        """fraction 1 and jit off; with window, the total counted by the same query."""

        def run():
            connection.ensure_connection()
            with connection.connection.cursor() as plain:
                plain.execute("SET cursor_tuple_fraction = 1; SET jit = off")
            query = f"SELECT *, count(*) OVER () FROM ({sql}) q" if window else sql
            raw = connection.connection.cursor(name="bench_tuned", withhold=True)
            try:
                raw.execute(query, params)
                done = 0
                while batch := raw.fetchmany(2000):
                    done += len(batch)
                return done
            finally:
                raw.close()
                with connection.connection.cursor() as plain:
                    plain.execute("RESET cursor_tuple_fraction; RESET jit")

        return run

    def client_cursor():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return len(cursor.fetchall())

    return {
        "count": rows.count,
        "cursor": lambda: _drain(rows.iterator(chunk_size=2000)),
        "cursor+csv": cursor_csv,
        "cursor 20000": lambda: _drain(rows.iterator(chunk_size=20000)),
        "raw cursor": raw_cursor,
        "fraction 1": with_setting("cursor_tuple_fraction", "1"),
        "jit off": with_setting("jit", "off"),
        "copy": copy,
        "client cursor": client_cursor,
        "tuned cursor": tuned(window=False),
        "tuned window": tuned(window=True),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.diagnose",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--kind", action="append", required=True)
    parser.add_argument("--network", default="largest", help="'largest' or an exact name")
    parser.add_argument("--variant", action="append", choices=VARIANTS)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument(
        "--today",
        type=datetime.date.fromisoformat,
        default=datetime.datetime.now(ZoneInfo("America/Los_Angeles")).date(),
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calaim.settings")
    import django

    django.setup()
    from django.conf import settings

    from bench.files import networks_by_size, period_for
    from exchange.files import OUTBOUND
    from exchange.periods import checked_period
    from providers.models import Organization

    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    networks = networks_by_size(url, args.today)
    wanted = (
        networks[0]
        if args.network == "largest"
        else next(n for n in networks if n[1] == args.network)
    )
    network = Organization.objects.get(pk=wanted[0])
    for kind in args.kind:
        outbound = OUTBOUND[kind]
        start, end = checked_period(outbound.cadence, period_for(kind, args.today))
        rows = outbound.rows(network, start, end)
        print(f"{kind} for {network.name}, {start}..{end}")
        for name, run in variants(rows).items():
            if args.variant and name not in args.variant:
                continue
            timings, count = [], None
            for _ in range(args.repeat):
                began = time.perf_counter()
                count = run()
                timings.append(time.perf_counter() - began)
            print(
                f"  {name:14} {count:>8,} rows {statistics.median(timings):7.2f} s  "
                f"({', '.join(f'{t:.2f}' for t in timings)})",
                flush=True,
            )


if __name__ == "__main__":
    main()
