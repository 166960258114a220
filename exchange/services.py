"""What the exchange DOES: queue a file run, write the file as a stream, deliver it (R-F1..R-F4).

One FileRun per kind, period and health network (R-F4): a re-run rewrites the same row and the
same file name, atomically, and the same data gives the same bytes. The file is written under a
temporary name, fsynced and renamed into the archive, and only then delivered: a reader never sees
a partial file, and a run that dies midway delivers nothing.

Every attempt at a run is fenced by its `started_at`: progress and the final state are written only
while that attempt still owns the run, so a redelivered task (worker killed, R-F4) or a re-run
takes over and the old attempt, if it still lives, stops at its next progress step."""

import contextlib
import csv
import datetime
import hashlib
import io
import itertools
import logging
import os
import pathlib
import time

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.text import slugify

from common.audit.models import Channel, Event, Outcome
from common.audit.services import file_run, record
from common.csv_import import ImportReport
from common.dates import business_today
from providers.models import Organization

from . import periods
from .files import OUTBOUND
from .files.base import OutboundFile
from .models import Direction, FileRun, RunStatus

log = logging.getLogger(__name__)

# R-F4 layout of every outbound file (docs/files.md): UTF-8 without BOM, comma, RFC 4180 quoting
# (only where a value needs it), CRLF line endings, one header row, dates as YYYY-MM-DD.
ENCODING = "utf-8"
DELIMITER = ","
LINE_END = "\r\n"

CHUNK_ROWS = 2000  # rows per FETCH from the server-side cursor
FILE_WORK_MEM = "64MB"  # sorts and hashes of one file in memory, not on disk (bench/README.md)
ROWS_TABLE = "exchange_file_rows"  # per session (temporary): the rows of the file being written
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


class Superseded(Exception):
    """Another attempt took the run over; this one stops without touching it."""


# --- Files we receive ------------------------------------------------------------------------


class UnreadableFile(Exception):
    """A partner's file that cannot be read at all: missing, not UTF-8, or not CSV."""


def import_file(path: str, *, name: str, model: str, read) -> ImportReport:
    """Read a partner's CSV file (UTF-8, with or without a BOM) with `read(handle)` under one
    audit record of the run (R-X3). A file that cannot be read raises UnreadableFile(reason)."""
    try:
        with file_run(name, path, model), open(path, newline="", encoding="utf-8-sig") as handle:
            return read(handle)
    except OSError as exc:
        raise UnreadableFile(f"Cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UnreadableFile(f"Cannot read {path}: it is not UTF-8 text.") from None
    except csv.Error as exc:
        raise UnreadableFile(f"Cannot read {path}: {exc}.") from None


# --- Queueing ---------------------------------------------------------------------------------


def request_run(*, kind: str, period_start: datetime.date, organization, user=None) -> FileRun:
    """Create or reuse the one run for (kind, period, organization), mark it queued and queue the
    task once the transaction commits. ValidationError keyed by field on bad input."""
    with transaction.atomic():
        run = _prepare(kind=kind, period_start=period_start, organization=organization, user=user)
        transaction.on_commit(lambda: queue(run.pk))
    return run


def run_now(*, kind: str, period_start: datetime.date, organization, user=None) -> FileRun:
    """The same run made in this process, without Celery (`run_file --sync`); raises what
    `generate` raises, with the run marked FAILED."""
    with transaction.atomic():
        run = _prepare(kind=kind, period_start=period_start, organization=organization, user=user)
    return generate(run.pk)


def _prepare(*, kind, period_start, organization, user) -> FileRun:
    """The one run for (kind, period, organization), locked, checked and set QUEUED."""
    outbound = _outbound(kind)
    if not isinstance(period_start, datetime.date) or isinstance(period_start, datetime.datetime):
        raise ValidationError({"period_start": "Give the period's first day as a date."})
    start, end = periods.checked_period(outbound.cadence, period_start)
    _check_network(organization)
    run, created = _locked_run(kind, start, end, organization)
    if run.status in ACTIVE and not created:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: f"This file is already {run.get_status_display().lower()}: "
                "wait for it to finish before running it again (a run whose worker stopped is "
                f"marked failed within {settings.EXCHANGE_STALE_MINUTES} minutes)."
            }
        )
    run.status = RunStatus.QUEUED
    run.period_end = end
    run.file_name = file_name(outbound, organization, start, end)
    run.rows_done = 0
    run.rows_expected = None
    run.attempts = 0
    run.error = ""
    run.requested_by = user
    run.save()
    return run


def rerun(*, run: FileRun, user) -> FileRun:
    """Run a file again for the same kind, period and health network (R-F4: same row, same
    name, same bytes for the same data)."""
    if run.direction != Direction.OUT:
        raise ValidationError({NON_FIELD_ERRORS: "Only a file that goes out can be run again."})
    return request_run(
        kind=run.kind, period_start=run.period_start, organization=run.organization, user=user
    )


def queue(run_id: int, *, countdown: float | None = None) -> None:
    """Hand the run to Celery. A broker that is down leaves the run queued: the stale-run sweep
    queues it again (`fail_stale_runs`)."""
    from .tasks import generate_file

    try:
        generate_file.apply_async((run_id,), countdown=countdown)
    except Exception:  # eager (local use): the run itself carries the error
        log.warning("exchange: run %s not queued or failed at once", run_id, exc_info=True)


def _outbound(kind: str) -> OutboundFile:
    try:
        return OUTBOUND[kind]
    except KeyError:
        known = ", ".join(sorted(OUTBOUND))
        raise ValidationError({"kind": f"Unknown file {kind!r}. Files: {known}."}) from None


def _check_network(organization) -> None:
    if not isinstance(organization, Organization) or not organization.is_health_network:
        raise ValidationError({"organization": "Files go to health networks only."})
    if not organization.active:
        raise ValidationError({"organization": f"{organization} is not active."})


def _locked_run(kind, start, end, organization) -> tuple[FileRun, bool]:
    """The one outbound run for (kind, start, organization), locked; created if missing."""
    key = {"kind": kind, "period_start": start, "organization": organization}
    run = FileRun.objects.select_for_update().filter(direction=Direction.OUT, **key).first()
    if run is not None:
        return run, False
    try:
        with transaction.atomic():
            return FileRun.objects.create(direction=Direction.OUT, period_end=end, **key), True
    except IntegrityError:  # created meanwhile by another request: use that one
        return FileRun.objects.select_for_update().get(direction=Direction.OUT, **key), False


# --- The beat schedule --------------------------------------------------------------------------

# The period each scheduled run covers, from the California date it runs on (CELERY_BEAT_SCHEDULE).
SCHEDULED_PERIOD = {
    "ecm_activity_log": periods.previous_week,  # Monday 02:00: the Monday..Sunday before (R-F1)
    "ecm_eligibility": periods.month_starting,  # the 1st 03:00: the month starting (R-F2)
    "pof_list": periods.month_starting,  # the 1st 03:30: the month starting (R-P4)
    "reconciliation": periods.previous_month,  # the 1st 04:00: the month just ended (R-A7)
}


def request_runs(*, kind: str, period_start, organizations, user=None):
    """One run of `kind` per organization: (runs queued, (organization, reason) skipped). A network
    whose run is already queued or running is skipped with the reason; a problem with the kind,
    the period or the organization is raised as ValidationError."""
    runs, skipped = [], []
    for organization in organizations:
        try:
            runs.append(
                request_run(
                    kind=kind, period_start=period_start, organization=organization, user=user
                )
            )
        except ValidationError as error:
            if set(getattr(error, "error_dict", {})) - {NON_FIELD_ERRORS}:
                raise
            skipped.append((organization, error))
    return runs, skipped


def request_scheduled(kind: str, *, today: datetime.date | None = None) -> list[FileRun]:
    """One run of `kind` for every active health network, for the period the schedule covers on
    `today` (California). A network whose run is already queued or running is skipped."""
    _outbound(kind)
    start, _ = SCHEDULED_PERIOD[kind](today or business_today())
    networks = Organization.objects.active().health_networks().order_by("pk")
    runs, skipped = request_runs(kind=kind, period_start=start, organizations=networks)
    for network, error in skipped:
        log.warning("exchange: %s %s for %s not queued: %s", kind, start, network, error)
    return runs


def _stale_after() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.EXCHANGE_STALE_MINUTES)


def retry_delay(attempts: int) -> int:
    """Seconds before attempt `attempts + 1`: doubling from EXCHANGE_RETRY_SECONDS, at most an
    hour."""
    return min(3600, settings.EXCHANGE_RETRY_SECONDS * 2 ** max(0, attempts - 1))


def fail_stale_runs(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The sweep (beat, every few minutes): a run RUNNING without progress for
    EXCHANGE_STALE_MINUTES died with its worker (SIGKILL, a lost machine): marked FAILED, its
    temporary file removed, and queued again with backoff until EXCHANGE_MAX_ATTEMPTS. A run
    QUEUED that long is queued again (the broker lost its message)."""
    cutoff = (now or timezone.now()) - _stale_after()
    failed = requeued = 0
    stale = FileRun.objects.filter(
        direction=Direction.OUT, status=RunStatus.RUNNING, updated_at__lt=cutoff
    )
    for run in stale.select_related("organization"):
        if not _fail_stale(run, cutoff):
            continue
        failed += 1
        if run.attempts < settings.EXCHANGE_MAX_ATTEMPTS:
            queue(run.pk, countdown=retry_delay(run.attempts))
            requeued += 1
    waiting = FileRun.objects.filter(
        direction=Direction.OUT, status=RunStatus.QUEUED, updated_at__lt=cutoff
    )
    for run_id in list(waiting.values_list("pk", flat=True)):
        FileRun.objects.filter(pk=run_id).update(updated_at=timezone.now())
        queue(run_id)
        requeued += 1
    return {"failed": failed, "requeued": requeued}


def _fail_stale(run: FileRun, cutoff) -> bool:
    """Mark one stale run FAILED, if it is still stale under the lock."""
    reason = (
        f"Attempt {run.attempts} stopped without finishing: no progress for "
        f"{settings.EXCHANGE_STALE_MINUTES} minutes (worker stopped or lost). Nothing was "
        "delivered."
    )
    if run.attempts >= settings.EXCHANGE_MAX_ATTEMPTS:
        reason += f" Gave up after {run.attempts} attempts: run it again once the cause is fixed."
    with transaction.atomic():
        marked = FileRun.objects.filter(
            pk=run.pk, status=RunStatus.RUNNING, updated_at__lt=cutoff
        ).update(status=RunStatus.FAILED, error=reason, finished_at=timezone.now())
        if marked:
            _record(run, Outcome.FAILED, reason)
    if marked:
        _remove_leftovers(archived_path(run))
    return bool(marked)


# --- Names and places -------------------------------------------------------------------------


def network_slug(organization) -> str:
    """The partner's folder and file-name part (the same as exchange.delivery's folder)."""
    return slugify(organization.name) or f"organization-{organization.pk}"


def file_name(outbound: OutboundFile, organization, start, end) -> str:
    return outbound.name_pattern.format(network=network_slug(organization), start=start, end=end)


def archived_path(run: FileRun) -> pathlib.Path:
    """Where the finished file is kept (system admins download it from here)."""
    folder = pathlib.Path(settings.EXCHANGE_ARCHIVE_DIR) / network_slug(run.organization)
    return folder / run.file_name


def _temporary_path(final: pathlib.Path, token: datetime.datetime) -> pathlib.Path:
    """A hidden name beside the final one, unique per attempt."""
    return final.with_name(f".{final.name}.{token:%Y%m%d%H%M%S%f}.part")


def _remove_leftovers(final: pathlib.Path) -> None:
    """Temporary files of earlier attempts that died (SIGKILL leaves them behind)."""
    for leftover in final.parent.glob(f".{final.name}.*.part"):
        leftover.unlink(missing_ok=True)


# --- Generating -------------------------------------------------------------------------------


def generate(run_id: int) -> FileRun:
    """Write, archive and deliver one run's file; the task calls it. Safe to call again: a done
    run is left as it is, any other run is written afresh (same data, same bytes)."""
    claimed = _claim(run_id)
    if claimed is None:
        return FileRun.objects.select_related("organization").get(pk=run_id)
    run, token = claimed
    final = archived_path(run)
    temporary = _temporary_path(final, token)
    try:
        size, digest = _write(run, token, temporary)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, final)
        _fsync_dir(final.parent)
        _progress(run, token)  # still ours, and alive, before the delivery
        delivered_to = _deliver(run, final)
        _finish(run, token, size=size, sha256=digest, delivered_to=delivered_to)
    except Superseded:
        temporary.unlink(missing_ok=True)
        log.info("exchange: run %s taken over by a newer attempt; this one stops", run_id)
        return FileRun.objects.select_related("organization").get(pk=run_id)
    except BaseException as error:
        temporary.unlink(missing_ok=True)
        if _fail(run, token, error) is False:  # a newer attempt owns the run: leave it be
            log.info("exchange: run %s failed after a newer attempt took it over", run_id)
            return FileRun.objects.select_related("organization").get(pk=run_id)
        raise
    return run


def _claim(run_id: int) -> tuple[FileRun, datetime.datetime] | None:
    """Take the run for this attempt: RUNNING, a new fencing token, one more attempt. A run
    found RUNNING was left by an attempt that died (worker killed): recorded, then taken over."""
    with transaction.atomic():
        run = (
            FileRun.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk=run_id)
            .first()
        )
        if run is None or run.status == RunStatus.DONE:
            return None
        if run.status == RunStatus.RUNNING:
            if run.updated_at > timezone.now() - _stale_after():
                log.info("exchange: run %s is running and moving; duplicate task dropped", run_id)
                return None
            _record(run, Outcome.FAILED, "attempt stopped without finishing (worker lost)")
        token = timezone.now()
        run.status = RunStatus.RUNNING
        run.attempts += 1
        run.started_at = token
        run.rows_done = 0
        run.rows_expected = None
        run.error = ""
        run.save(
            update_fields=[
                "status", "attempts", "started_at", "rows_done", "rows_expected", "error",
                "updated_at",
            ]
        )  # fmt: skip
    return run, token


def _owned(run: FileRun, token):
    return FileRun.objects.filter(pk=run.pk, started_at=token, status=RunStatus.RUNNING)


def _progress(run: FileRun, token, **fields) -> None:
    """A short transaction of its own (autocommit), so the browser's progress bar moves."""
    if not _owned(run, token).update(updated_at=timezone.now(), **fields):
        raise Superseded


def _write(run: FileRun, token, path: pathlib.Path) -> tuple[int, str]:
    """Stream the rows from a server-side cursor into `path`: size and sha256 of the bytes."""
    outbound = OUTBOUND[run.kind]
    rows = outbound.rows(run.organization, run.period_start, run.period_end)
    _remove_leftovers(path.with_name(run.file_name))
    path.parent.mkdir(parents=True, exist_ok=True)
    every = max(1, settings.EXCHANGE_PROGRESS_ROWS)
    delay = getattr(settings, "EXCHANGE_TEST_ROW_DELAY", 0) or 0  # tests only: a slow writer
    digest = hashlib.sha256()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator=LINE_END)
    size = done = 0
    with open(path, "wb") as out:

        def flush() -> None:
            nonlocal size
            data = buffer.getvalue().encode(ENCODING)
            buffer.seek(0)
            buffer.truncate()
            digest.update(data)
            out.write(data)
            size += len(data)

        writer.writerow(outbound.header)
        # Chunks of at most `every` rows: the progress moves every `every` rows (or at the first
        # chunk boundary after), and the per-row work is csv's own (writerows).
        width, chunk_rows = len(outbound.columns), min(CHUNK_ROWS, every)
        with _streamed(rows, width=width, chunk=chunk_rows) as (expected, chunks):
            _progress(run, token, rows_expected=expected)
            for chunk in chunks:
                writer.writerows(map(_cells, chunk))
                if delay:
                    time.sleep(delay * len(chunk))
                before, done = done, done + len(chunk)
                if done // every > before // every:
                    flush()
                    _progress(run, token, rows_done=done)
        flush()
        out.flush()
        os.fsync(out.fileno())
    _progress(run, token, rows_done=done, rows_expected=done)
    return size, digest.hexdigest()


@contextlib.contextmanager
def _streamed(rows, *, width: int, chunk: int):
    """(how many rows, the rows in lists of `chunk`) read from a server-side cursor.

    PostgreSQL: the query runs once into a temporary table numbered in the file's order
    (CREATE TABLE AS may use a parallel plan, which a cursor never gets), planned for all rows and
    without JIT; a server-side cursor then reads it back in that order. The count is the table's.
    Memory stays flat: the rows wait on the database server (bench/README.md). Elsewhere (SQLite,
    local use) the queryset's own iterator, after a count."""
    if connection.vendor != "postgresql":
        yield rows.count(), _batched(rows.iterator(chunk_size=chunk), chunk)
        return
    numbered = rows.annotate(file_row=Window(RowNumber(), order_by=list(rows.query.order_by)))
    sql, params = numbered.query.sql_with_params()
    names = ", ".join(f"c{i}" for i in range(width))
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('cursor_tuple_fraction', '1', false), "
                "set_config('jit', 'off', false), set_config('work_mem', %s, false); "
                f"DROP TABLE IF EXISTS pg_temp.{ROWS_TABLE}",
                [FILE_WORK_MEM],
            )
            cursor.execute(
                f"CREATE TEMPORARY TABLE {ROWS_TABLE} ({names}, file_row) AS {sql}", params
            )
            expected = cursor.rowcount
        with connection.chunked_cursor() as cursor:
            cursor.execute(f"SELECT {names} FROM pg_temp.{ROWS_TABLE} ORDER BY file_row")
            yield expected, iter(lambda: cursor.fetchmany(chunk), [])
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DROP TABLE IF EXISTS pg_temp.{ROWS_TABLE}; "
                "RESET cursor_tuple_fraction; RESET jit; RESET work_mem"
            )


def _batched(iterator, size: int):
    """Lists of `size` items (itertools.batched from Python 3.12)."""
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _cells(row: list) -> list:
    """csv writes None as nothing and dates, numbers and text as _cell does: only a row holding
    a datetime needs converting."""
    if datetime.datetime in map(type, row):  # C-level scan: this runs once per row
        return [_cell(value) for value in row]
    return row


def _cell(value) -> str:
    """One value as written: dates ISO (YYYY-MM-DD), nothing for NULL."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _fsync_dir(folder: pathlib.Path) -> None:
    """Make the rename itself durable (POSIX)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _deliver(run: FileRun, path: pathlib.Path) -> str:
    """exchange.delivery (SFTP or the local delivery folder) puts the finished file in place."""
    from . import delivery

    return delivery.deliver(run, path)


def _finish(run: FileRun, token, *, size: int, sha256: str, delivered_to: str) -> None:
    now = timezone.now()
    if not _owned(run, token).update(
        status=RunStatus.DONE,
        size=size,
        sha256=sha256,
        finished_at=now,
        delivered_at=now,
        delivered_to=delivered_to[:300],
        error="",
        updated_at=now,
    ):
        raise Superseded
    run.refresh_from_db()
    _record(run, Outcome.ALLOWED, f"{run.rows_done} rows, sha256 {sha256}")


def _fail(run: FileRun, token, error: BaseException) -> bool | None:
    """FAILED with the reason, only if this attempt still owns the run: True when marked, False
    when a newer attempt owns it, None when the database could not be reached. Never raises."""
    reason = _reason(error)
    log.warning("exchange: run %s failed: %s", run.pk, reason)
    try:
        if not _owned(run, token).update(
            status=RunStatus.FAILED, error=reason, finished_at=timezone.now()
        ):
            return False
        run.status, run.error = RunStatus.FAILED, reason
        _record(run, Outcome.FAILED, reason)
        return True
    except Exception:  # the database itself may be what failed
        log.exception("exchange: could not mark run %s failed", run.pk)
        return None


def note_retry(run_id: int, seconds: int) -> None:
    """A failed run that the task tries again: its error says when (the runs page shows it)."""
    run = FileRun.objects.filter(pk=run_id, status=RunStatus.FAILED).first()
    if run is not None:
        note = f" Trying again in {seconds} s."
        FileRun.objects.filter(pk=run_id, status=RunStatus.FAILED).update(
            error=(run.error + note)[-2000:]
        )


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    name = type(error).__name__
    return f"{name}: {text}"[:2000] if text else name


def _record(run: FileRun, outcome: str, detail: str) -> None:
    """The audit row of a generated file (R-X3): who asked, which file, which HN, when."""
    record(
        Event.EXPORT,
        outcome=outcome,
        user=run.requested_by,
        channel=Channel.FILE,
        object_type="exchange.filerun",
        object_pk=str(run.pk),
        object_id=run.pk,
        object_repr=f"{run.file_name} for {run.organization.name}: {detail}"[:2000],
        path=run.file_name[:300],
    )
