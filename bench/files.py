"""How fast and how lean the app writes its outbound files, next to PostgreSQL's own \\copy of the
same query (issue 11 targets: within 2x of \\copy, peak RSS under 150 MB whatever the size).

    .venv/bin/python -m bench.files --kind ecm_eligibility --kind ecm_activity_log \\
        --database-url postgres://postgres@127.0.0.1:5432/calaim_bench

For each kind and each network (default: the largest and the smallest health network by members
assigned today, so that memory can be compared across sizes), in the same run:

1. a warm-up run of the app and of \\copy (not counted, unless --no-warmup): the query's pages
   are in the cache for both timings below;
2. the app: a child process sets up Django and times `exchange.services.run_now` (what
   `run_file --sync` and the Celery task do: stream the file's query from a server-side cursor
   through the csv writer, fsync, rename into the archive, deliver to the local folder, audit);
   "write s" is `services._write` alone. The child's peak RSS is its VmHWM, read by the child at
   the end: the generation's own (the ru_maxrss that wait4 returns, kept in --json, also counts
   the parent's image forked before exec: Linux carries it over exec); its RSS before the run
   (Django and the app loaded) is printed beside it;
3. `psql -c "\\copy (<the same SQL>) to '<file>' with csv header"`, the SQL being the file's
   queryset (`OutboundFile.rows`) compiled by Django (`query.sql_with_params()` bound by
   psycopg2's `mogrify`); its row count must equal the app's.

The ratio app / \\copy is taken within one run, so other load on the machine weighs on both.
"""

import argparse
import datetime
import json
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import psycopg2

TARGET_RATIO = 2.0
TARGET_RSS_MB = 150.0
KINDS = ("ecm_eligibility", "ecm_activity_log")


# --- The child: one generation by the app ------------------------------------------------------


def _rss_mb(field: str) -> float:
    """VmRSS / VmHWM of this process from /proc, in MB."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(kind: str, network_id: int, period_start: datetime.date) -> dict:
    """Run in a fresh process (DATABASE_URL and the EXCHANGE_* folders in the environment)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calaim.settings")
    django.setup()
    from django.db import connection

    from exchange import services
    from exchange.files import OUTBOUND
    from exchange.models import FileRun, RunStatus
    from exchange.periods import checked_period
    from providers.models import Organization

    network = Organization.objects.get(pk=network_id)
    outbound = OUTBOUND[kind]
    start, end = checked_period(outbound.cadence, period_start)
    # A benchmark stopped midway (Ctrl-C) leaves its run RUNNING: this one takes it over.
    FileRun.objects.filter(
        kind=kind, period_start=start, organization=network, status__in=services.ACTIVE
    ).update(status=RunStatus.FAILED, error="benchmark: superseded")
    sql, params = outbound.rows(network, start, end).query.sql_with_params()
    with connection.cursor() as cursor:
        bound = cursor.mogrify(sql, params).decode()
    phases = {}
    write = getattr(services, "_write", None)
    if write is not None:  # the streaming part alone (count, cursor, csv, fsync), when exposed

        def timed_write(*args, **kwargs):
            began = time.perf_counter()
            try:
                return write(*args, **kwargs)
            finally:
                phases["write_s"] = time.perf_counter() - began

        services._write = timed_write
    base_rss = _rss_mb("VmRSS")
    began = time.perf_counter()
    run = services.run_now(kind=kind, period_start=start, organization=network)
    seconds = time.perf_counter() - began
    run.refresh_from_db()
    return {
        "status": run.status,
        "error": run.error,
        "rows": run.rows_done,
        "size": run.size,
        "sha256": run.sha256,
        "path": str(services.archived_path(run)),
        "seconds": seconds,
        **phases,
        "base_rss_mb": base_rss,
        "peak_rss_mb": _rss_mb("VmHWM"),
        "sql": bound,
        "network": network.name,
        "period": f"{start}..{end}",
    }


# --- The parent: networks, \copy, the table ----------------------------------------------------


def networks_by_size(database_url: str, today: datetime.date) -> list[tuple[int, str, int]]:
    """(id, name, members assigned today), largest first."""
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT o.id, o.name, count(a.id) FROM providers_organization o
               LEFT JOIN members_healthnetworkassignment a ON a.health_network_id = o.id
                    AND a.start_date <= %(d)s AND (a.end_date IS NULL OR a.end_date >= %(d)s)
               WHERE o.is_health_network AND o.active
               GROUP BY o.id, o.name ORDER BY count(a.id) DESC, o.name""",
            {"d": today},
        )
        return cur.fetchall()


def _env(pgoptions: str, **extra) -> dict:
    """The environment of a child or of psql: PGOPTIONS (libpq) sets the session for both."""
    env = dict(os.environ, **extra)
    if pgoptions:
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {pgoptions}".strip()
    return env


def psql_copy(
    database_url: str, sql: str, path: pathlib.Path, pgoptions: str = ""
) -> tuple[float, int]:
    """Seconds and rows of psql's \\copy of the query to a CSV file with a header."""
    target = str(path).replace("'", "''")
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database_url, "-c",
               f"\\copy ({sql}) to '{target}' with csv header"]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=_env(pgoptions))
    seconds = time.perf_counter() - began
    if done.returncode:
        raise RuntimeError(f"psql \\copy failed: {done.stderr.strip()}")
    with path.open("rb") as copied:
        rows = sum(1 for _ in copied) - 1
    return seconds, rows


def run_app(database_url, kind, network_id, period_start, out, pgoptions=""):
    """The app's generation in a child process, so that its peak RSS is its own."""
    env = _env(pgoptions, DATABASE_URL=database_url,
               EXCHANGE_ARCHIVE_DIR=str(out / "archive"),
               EXCHANGE_DELIVERY_DIR=str(out / "outbox"))  # fmt: skip
    command = [sys.executable, "-m", "bench.files", "--child", kind, str(network_id),
               period_start.isoformat()]  # fmt: skip
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        began = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, stdout=stdout, stderr=stderr, text=True,
            cwd=pathlib.Path(__file__).resolve().parent.parent,
        )  # fmt: skip
        _, status, usage = os.wait4(process.pid, 0)  # the child's own rusage
        wall = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        output, errors = stdout.read(), stderr.read()
    if process.returncode:
        raise RuntimeError(f"generation of {kind} failed:\n{errors[-3000:]}")
    result = json.loads(output.strip().splitlines()[-1])
    if result["status"] != "done":
        raise RuntimeError(f"generation of {kind} ended {result['status']}: {result['error']}")
    result["process_s"] = wall
    result["ru_maxrss_mb"] = usage.ru_maxrss / 1024  # Linux: kB, at least the parent's at fork
    return result


def period_for(kind: str, today: datetime.date) -> datetime.date:
    """The period the schedule would run on `today`: last week's log, the month starting."""
    if kind == "ecm_activity_log":
        monday = today - datetime.timedelta(days=today.weekday())
        return monday - datetime.timedelta(days=7)
    if today.day == 1:
        return today
    return (today.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def measure(args, kind, network, out) -> dict:
    network_id, name, members = network
    start = period_for(kind, args.today)
    app_runs, write_runs, copy_runs = [], [], []
    copied = out / f"{kind}_{network_id}_copy.csv"
    result = None
    app = (args.database_url, kind, network_id, start, out, args.pgoptions)
    for attempt in range(args.repeat):
        result = run_app(*app)
        if attempt == 0 and args.warmup:  # warm-up of both (its timings are not counted)
            psql_copy(args.database_url, result["sql"], copied, args.pgoptions)
            result = run_app(*app)
        app_runs.append(result["seconds"])
        write_runs.append(result.get("write_s"))
        seconds, copy_rows = psql_copy(args.database_url, result["sql"], copied, args.pgoptions)
        copy_runs.append(seconds)
        if copy_rows != result["rows"]:
            raise RuntimeError(f"{kind}: the app wrote {result['rows']} rows, \\copy {copy_rows}")
    app_s, copy_s = statistics.median(app_runs), statistics.median(copy_runs)
    return {
        "kind": kind,
        "sha256": result["sha256"],
        "network": name,
        "members": members,
        "period": result["period"],
        "rows": result["rows"],
        "bytes": result["size"],
        "app_s": app_s,
        "write_s": None if None in write_runs else statistics.median(write_runs),
        "rows_per_s": result["rows"] / app_s if app_s else 0.0,
        "peak_rss_mb": result["peak_rss_mb"],
        "ru_maxrss_mb": result["ru_maxrss_mb"],
        "base_rss_mb": result["base_rss_mb"],
        "copy_s": copy_s,
        "ratio": app_s / copy_s if copy_s else float("inf"),
        "file": result["path"],
        "copy_file": str(copied),
    }


COPY = "\\copy"
HEADER = (
    f"{'file':17} {'network':28} {'members':>8} {'rows':>8} {'app s':>7} "
    f"{'write s':>7} {'rows/s':>8} {'peak RSS':>9} {'base RSS':>9} "
    f"{COPY + ' s':>8} {'app/' + COPY:>9}"
)


def line(r: dict) -> str:
    write = f"{r['write_s']:7.2f}" if r["write_s"] is not None else f"{'-':>7}"
    return (
        f"{r['kind']:17} {r['network'][:28]:28} {r['members']:8,} {r['rows']:8,} "
        f"{r['app_s']:7.2f} {write} {r['rows_per_s']:8,.0f} {r['peak_rss_mb']:6.1f} MB "
        f"{r['base_rss_mb']:6.1f} MB {r['copy_s']:8.2f} {r['ratio']:8.2f}x"
    )


def main(argv=None, out=sys.stdout) -> list[dict]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.files",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--kind",
        action="append",
        choices=KINDS,
        help="a file to measure (repeatable; default: both)",
    )
    parser.add_argument(
        "--network",
        action="append",
        default=None,
        help="'largest', 'smallest' or a network's exact name (repeatable; "
        "default: largest and smallest)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="default: $DATABASE_URL (the generated calaim_bench database)",
    )
    parser.add_argument(
        "--today",
        type=datetime.date.fromisoformat,
        default=datetime.datetime.now(ZoneInfo("America/Los_Angeles")).date(),
        help="periods as scheduled on this California date (default: today)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="timings per figure (median)")
    parser.add_argument("--out", type=pathlib.Path, help="folder for the files (default: temp)")
    parser.add_argument(
        "--no-warmup",
        dest="warmup",
        action="store_false",
        help="time the first runs (cold cache; the smoke test's choice)",
    )
    parser.add_argument(
        "--pgoptions",
        default="",
        help="session settings for the app and for psql alike, through libpq's "
        "PGOPTIONS, e.g. '-c jit=off -c cursor_tuple_fraction=1'",
    )
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or DATABASE_URL is required")
    if urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("the benchmark needs PostgreSQL")
    networks = networks_by_size(args.database_url, args.today)
    chosen = []
    for wanted in args.network or ["largest", "smallest"]:
        match = {"largest": networks[:1], "smallest": networks[-1:]}.get(wanted) or [
            n for n in networks if n[1] == wanted
        ]
        if not match:
            parser.error(f"no active health network named {wanted!r}")
        if match[0] not in chosen:
            chosen.append(match[0])
    folder = args.out or pathlib.Path(tempfile.mkdtemp(prefix="bench-files-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    print(f"session settings (app and psql): {args.pgoptions or 'server defaults'}", file=out)
    print(HEADER, file=out, flush=True)
    for kind in args.kind or KINDS:
        for network in chosen:
            results.append(measure(args, kind, network, folder))
            print(line(results[-1]), file=out, flush=True)
    worst_ratio = max(r["ratio"] for r in results)
    worst_rss = max(r["peak_rss_mb"] for r in results)
    print(
        f"worst app/\\copy {worst_ratio:.2f}x (target {TARGET_RATIO:.0f}x): "
        f"{'met' if worst_ratio <= TARGET_RATIO else 'MISSED'}; "
        f"worst peak RSS {worst_rss:.1f} MB (target {TARGET_RSS_MB:.0f} MB): "
        f"{'met' if worst_rss < TARGET_RSS_MB else 'MISSED'}; files in {folder}",
        file=out,
    )
    if args.json:
        print(json.dumps(results, indent=2), file=out)
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        kind, network_id, start = sys.argv[2:5]
        print(json.dumps(child(kind, int(network_id), datetime.date.fromisoformat(start))))
    else:
        main()
