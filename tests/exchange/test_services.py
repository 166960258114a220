"""The file machinery (R-F4): one run per kind, period and network; a streamed CSV written under
a temporary name and renamed; byte-identical re-runs; failures that leave nothing behind; the
audit trail; the beat's scheduler and the stale-run sweep."""

import csv
import datetime
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import EcmActivity
from common.audit.models import AuditEvent
from exchange import delivery, services
from exchange.models import FileRun, RunStatus
from providers.models import Organization
from tests.providers.factories import EcmProviderFactory, HealthNetworkFactory, SystemAdminFactory

from .factories import EcmActivityFactory, FileRunFactory, ecm_authorization, eligible_member

pytestmark = pytest.mark.django_db
d = datetime.date
WEEK = d(2026, 11, 16)
KIND = "ecm_activity_log"


@pytest.fixture
def network():
    return HealthNetworkFactory(name="North Network")


@pytest.fixture
def admin():
    return SystemAdminFactory()


@pytest.fixture
def activities(network):
    """Three activities of one member of the network in the week of 16 November 2026."""
    authorization = ecm_authorization(eligible_member(network))
    return [
        EcmActivityFactory(authorization=authorization, date=d(2026, 11, day), units=day)
        for day in (16, 18, 22)
    ]


@pytest.fixture
def run_file(django_capture_on_commit_callbacks, admin, network):
    """Ask for the weekly log as a system admin; the task runs in-process once the request's
    transaction commits, as with a worker."""

    def run(kind=KIND, period=WEEK, organization=network, user=admin):
        with django_capture_on_commit_callbacks(execute=True):
            queued = services.request_run(
                kind=kind, period_start=period, organization=organization, user=user
            )
        queued.refresh_from_db()
        return queued

    return run


def delivered_files(settings):
    return sorted(p for p in settings.EXCHANGE_DELIVERY_DIR.rglob("*") if p.is_file())


def archived_files(settings):
    return sorted(p for p in settings.EXCHANGE_ARCHIVE_DIR.rglob("*") if p.is_file())


# --- The file written -------------------------------------------------------------------------


def test_r_f4_the_run_writes_the_documented_csv_and_delivers_it(run_file, activities, settings):
    run = run_file()
    assert run.status == RunStatus.DONE, run.error
    assert run.file_name == "ECM_ACTIVITY_LOG_north-network_20261116_20261122.csv"
    path = services.archived_path(run)
    data = path.read_bytes()
    assert run.size == len(data) and run.sha256 == hashlib.sha256(data).hexdigest()
    assert (run.rows_expected, run.rows_done) == (3, 3)
    assert run.finished_at and run.delivered_at and run.attempts == 1
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff")  # no byte-order mark
    lines = text.split("\r\n")
    assert lines[-1] == "" and len(lines) == 5  # header, three rows, CRLF after each
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0][:3] == ["activity_id", "activity_date", "member_cin"]
    assert [row[1] for row in parsed[1:]] == ["2026-11-16", "2026-11-18", "2026-11-22"]
    assert [row[12] for row in parsed[1:]] == ["16", "18", "22"]
    (delivered,) = delivered_files(settings)
    assert run.delivered_to == str(delivered)
    assert delivered.name == run.file_name and delivered.read_bytes() == data
    assert archived_files(settings) == [path]  # no temporary file left


def test_r_f4_a_rerun_gives_the_same_bytes_one_run_and_one_file(run_file, activities, settings):
    first = run_file()
    first_bytes = services.archived_path(first).read_bytes()
    second = run_file()
    assert second.pk == first.pk and FileRun.objects.count() == 1
    assert second.status == RunStatus.DONE and second.sha256 == first.sha256
    assert services.archived_path(second).read_bytes() == first_bytes
    assert len(delivered_files(settings)) == 1 and len(archived_files(settings)) == 1


def test_r_f4_rerun_of_a_run_uses_its_kind_period_and_network(run_file, activities, admin):
    run = run_file()
    EcmActivity.objects.filter(date=d(2026, 11, 16)).delete()
    again = services.rerun(run=run, user=admin)
    assert again.pk == run.pk and again.status == RunStatus.QUEUED
    services.generate(run.pk)
    run.refresh_from_db()
    assert run.rows_done == 2 and run.status == RunStatus.DONE


def test_an_empty_period_is_a_file_with_its_header_only(run_file, network):
    run = run_file()
    assert run.status == RunStatus.DONE and run.rows_done == 0
    header = services.archived_path(run).read_bytes().decode("utf-8")
    assert header.count("\r\n") == 1 and header.startswith("activity_id,activity_date,")


def test_values_that_need_quoting_are_quoted(run_file, network):
    provider = EcmProviderFactory(name='Care, "Plus" Clinic')
    EcmActivityFactory(authorization=ecm_authorization(eligible_member(network), provider=provider))
    run = run_file()
    text = services.archived_path(run).read_bytes().decode("utf-8")
    assert ',"Care, ""Plus"" Clinic",' in text
    assert list(csv.reader(io.StringIO(text, newline="")))[1][8] == 'Care, "Plus" Clinic'


def test_r_x3_the_generated_file_is_in_the_audit_trail(run_file, activities, admin, network):
    run = run_file()
    event = AuditEvent.objects.get(event="export", object_type="exchange.filerun")
    assert event.actor_id == admin.pk and event.outcome == "allowed"
    assert event.object_pk == str(run.pk) and event.channel == "file"
    assert run.file_name in event.object_repr and network.name in event.object_repr


# --- Bad requests ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "payroll"}, "kind"),
        ({"period_start": d(2026, 11, 17)}, "period_start"),  # a Tuesday
        ({"kind": "ecm_eligibility", "period_start": d(2026, 11, 2)}, "period_start"),
        ({"period_start": "2026-11-16"}, "period_start"),  # not a date
        ({"organization": "caloptima"}, "organization"),  # not a health network
        ({"organization": "inactive"}, "organization"),
    ],
)
def test_bad_requests_are_refused_by_field_and_nothing_is_queued(network, change, field):
    arguments = {"kind": KIND, "period_start": WEEK, "organization": network, **change}
    if change.get("organization") == "caloptima":
        arguments["organization"] = Organization.objects.get(is_caloptima=True)
    if change.get("organization") == "inactive":
        arguments["organization"] = HealthNetworkFactory(active=False)
    with pytest.raises(ValidationError) as raised:
        services.request_run(**arguments)
    assert field in raised.value.message_dict
    assert not FileRun.objects.exists()


@pytest.mark.parametrize("status", [RunStatus.QUEUED, RunStatus.RUNNING])
def test_a_run_queued_or_running_is_not_asked_for_twice(network, status):
    run = FileRunFactory(organization=network, status=status)
    with pytest.raises(ValidationError) as raised:
        services.request_run(kind=KIND, period_start=WEEK, organization=network)
    assert "__all__" in raised.value.message_dict
    run.refresh_from_db()
    assert run.status == status


# --- Failures ----------------------------------------------------------------------------------


def test_r_f4_a_failure_midway_leaves_no_file_anywhere_and_says_why(
    run_file, activities, settings, monkeypatch
):
    written = []
    real_cells = services._cells

    def failing_cells(row):
        written.append(row)
        if len(written) == 2:  # the second row
            raise OSError(28, "No space left on device")
        return real_cells(row)

    monkeypatch.setattr(services, "_cells", failing_cells)
    run = run_file()
    assert run.status == RunStatus.FAILED
    assert "No space left on device" in run.error
    assert archived_files(settings) == [] and delivered_files(settings) == []
    event = AuditEvent.objects.get(event="export", object_type="exchange.filerun")
    assert event.outcome == "failed" and "No space left" in event.object_repr


def test_r_f4_a_refused_delivery_fails_the_run_with_the_reason(
    run_file, activities, settings, monkeypatch
):
    def refuse(run, path):
        raise delivery.DeliveryError("The SFTP server refused the login for user hn.")

    monkeypatch.setattr(delivery, "deliver", refuse)
    run = run_file()
    assert run.status == RunStatus.FAILED
    assert "refused the login" in run.error
    assert delivered_files(settings) == []


def test_a_newer_attempt_takes_over_and_the_older_stops_without_touching_the_run(
    network, activities, settings, monkeypatch
):
    run = FileRunFactory(organization=network, file_name="", status=RunStatus.QUEUED)
    services.request_run  # noqa: B018 (the run below is prepared as request_run does)
    run.file_name = "ECM_ACTIVITY_LOG_north-network_20261116_20261122.csv"
    run.save()
    real_progress = services._progress

    def taken_over(the_run, token, **fields):
        FileRun.objects.filter(pk=the_run.pk).update(started_at=timezone.now())
        real_progress(the_run, token, **fields)

    monkeypatch.setattr(services, "_progress", taken_over)
    services.generate(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # the newer attempt's to finish
    assert archived_files(settings) == [] and delivered_files(settings) == []


def test_a_duplicate_task_for_a_run_that_is_moving_does_nothing(network, activities, settings):
    run = FileRunFactory(organization=network, status=RunStatus.RUNNING, attempts=1)
    services.generate(run.pk)
    run.refresh_from_db()
    assert (run.status, run.attempts) == (RunStatus.RUNNING, 1)
    assert archived_files(settings) == []


def test_a_done_run_is_not_made_again_by_a_late_task(run_file, activities):
    run = run_file()
    services.generate(run.pk)
    run.refresh_from_db()
    assert run.attempts == 1


def test_r_f4_a_run_left_running_by_a_dead_worker_is_taken_over_and_recorded(
    run_file, network, activities, settings
):
    run = run_file()
    FileRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    FileRun.objects.filter(pk=run.pk).update(  # update() leaves updated_at as given here
        updated_at=timezone.now() - datetime.timedelta(minutes=settings.EXCHANGE_STALE_MINUTES + 1)
    )
    services.generate(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.attempts == 2
    outcomes = list(
        AuditEvent.objects.filter(object_type="exchange.filerun")
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["allowed", "failed", "allowed"]


# --- The stale-run sweep -----------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(
        services, "queue", lambda run_id, countdown=None: calls.append((run_id, countdown))
    )
    return calls


def later(settings, minutes=1):
    return timezone.now() + datetime.timedelta(minutes=settings.EXCHANGE_STALE_MINUTES + minutes)


def stalled_since(run, settings):
    """No progress for longer than EXCHANGE_STALE_MINUTES (update() leaves updated_at as set)."""
    past = timezone.now() - datetime.timedelta(minutes=settings.EXCHANGE_STALE_MINUTES + 1)
    FileRun.objects.filter(pk=run.pk).update(updated_at=past)


def test_r_f4_the_sweep_fails_a_stalled_run_removes_its_temporary_file_and_queues_it_again(
    network, settings, queued
):
    settings.EXCHANGE_RETRY_SECONDS = 60
    run = FileRunFactory(organization=network, status=RunStatus.RUNNING, attempts=2)
    final = services.archived_path(run)
    final.parent.mkdir(parents=True)
    leftover = final.with_name(f".{final.name}.20261116000000000000.part")
    leftover.write_bytes(b"activity_id,half a row")
    stalled_since(run, settings)
    moving = FileRunFactory(
        organization=network, status=RunStatus.RUNNING, period_start=d(2026, 11, 9)
    )
    assert services.fail_stale_runs() == {"failed": 1, "requeued": 1}
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "no progress" in run.error
    assert not leftover.exists()
    assert queued == [(run.pk, 120)]  # attempt 3 after 60 s doubled once
    moving.refresh_from_db()
    assert moving.status == RunStatus.RUNNING  # its progress is recent
    assert services.fail_stale_runs() == {"failed": 0, "requeued": 0}


def test_r_f4_the_sweep_gives_up_after_the_last_attempt(network, settings, queued):
    run = FileRunFactory(
        organization=network, status=RunStatus.RUNNING, attempts=settings.EXCHANGE_MAX_ATTEMPTS
    )
    assert services.fail_stale_runs(now=later(settings)) == {"failed": 1, "requeued": 0}
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "Gave up" in run.error and queued == []


def test_the_sweep_queues_again_a_run_whose_message_was_lost(network, settings, queued):
    run = FileRunFactory(organization=network, status=RunStatus.QUEUED)
    assert services.fail_stale_runs(now=later(settings)) == {"failed": 0, "requeued": 1}
    assert queued == [(run.pk, None)]


@pytest.mark.parametrize("delay, attempts", [(60, 1), (120, 2), (240, 3), (3600, 9)])
def test_retry_delay_doubles_up_to_an_hour(settings, delay, attempts):
    settings.EXCHANGE_RETRY_SECONDS = 60
    assert services.retry_delay(attempts) == delay


# --- The beat's scheduler ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, today, start",
    [
        ("ecm_activity_log", d(2026, 11, 23), d(2026, 11, 16)),  # Monday: the week before
        ("ecm_eligibility", d(2026, 12, 1), d(2026, 12, 1)),  # the 1st: the month starting
        ("pof_list", d(2026, 12, 1), d(2026, 12, 1)),
        ("reconciliation", d(2026, 12, 1), d(2026, 11, 1)),  # the month just ended
    ],
)
def test_the_scheduler_queues_every_active_health_network(kind, today, start, queued):
    HealthNetworkFactory(active=False)
    runs = services.request_scheduled(kind, today=today)
    networks = Organization.objects.active().health_networks()
    assert sorted(r.organization_id for r in runs) == sorted(networks.values_list("pk", flat=True))
    assert {(r.kind, r.period_start, r.status) for r in runs} == {(kind, start, RunStatus.QUEUED)}
    assert all(r.requested_by is None for r in runs)


def test_the_scheduler_skips_a_network_whose_run_is_under_way(network, queued):
    FileRunFactory(organization=network, status=RunStatus.RUNNING)
    runs = services.request_scheduled(KIND, today=d(2026, 11, 23))
    assert network.pk not in [r.organization_id for r in runs] and runs


def test_beat_entries_run_the_files_in_california_time(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert settings.CELERY_TIMEZONE == "America/Los_Angeles"
    log = schedule["exchange-ecm-activity-log"]
    assert log["args"] == ("ecm_activity_log",)
    assert (log["schedule"].day_of_week, log["schedule"].hour, log["schedule"].minute) == (
        {1}, {2}, {0},
    )  # fmt: skip
    monthly = {
        key: (entry["args"][0], entry["schedule"].day_of_month, entry["schedule"].hour)
        for key, entry in schedule.items()
        if key in ("exchange-ecm-eligibility", "exchange-pof-list", "exchange-reconciliation")
    }
    assert monthly == {
        "exchange-ecm-eligibility": ("ecm_eligibility", {1}, {3}),
        "exchange-pof-list": ("pof_list", {1}, {3}),
        "exchange-reconciliation": ("reconciliation", {1}, {4}),
    }
    assert schedule["exchange-stale-runs"]["task"] == "exchange.fail_stale_runs"


# --- Streaming ---------------------------------------------------------------------------------


def many_activities(network, count):
    authorization = ecm_authorization(eligible_member(network))
    EcmActivity.objects.bulk_create(
        EcmActivity(
            authorization=authorization,
            member=authorization.member,
            provider=authorization.provider,
            date=d(2026, 11, 16 + i % 7),
            activity_type="engagement",
            method="phone",
            units=1 + i % 96,
        )
        for i in range(count)
    )


@pytest.mark.parametrize("count", [10, 100])
def test_query_count_of_a_run_does_not_grow_with_its_rows(network, settings, count):
    settings.EXCHANGE_PROGRESS_ROWS = 1000
    many_activities(network, count)
    run = services.request_run(kind=KIND, period_start=WEEK, organization=network)
    with CaptureQueriesContext(connection) as queries:
        services.generate(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.rows_done == count
    # the claim (savepoint, lock, update, release), the rows (SQLite: their count, then one
    # cursor), rows expected, rows done, alive before delivery, the SFTP destination, done, reload,
    # audit row: the same for 10 and 100 rows. PostgreSQL: the session planned for all rows, the
    # rows written into a temporary table, read back by one cursor, the table dropped and the
    # session reset.
    expected = 16 if connection.vendor == "postgresql" else 14
    assert len(queries) == expected, [q["sql"][:80] for q in queries]


def test_progress_is_written_every_n_rows(network, settings, monkeypatch):
    settings.EXCHANGE_PROGRESS_ROWS = 4
    many_activities(network, 10)
    seen = []
    real_progress = services._progress

    def spy(run, token, **fields):
        seen.append(fields.get("rows_done"))
        real_progress(run, token, **fields)

    monkeypatch.setattr(services, "_progress", spy)
    run = services.request_run(kind=KIND, period_start=WEEK, organization=network)
    services.generate(run.pk)
    assert [n for n in seen if n is not None] == [4, 8, 10]


def test_rows_are_read_from_a_server_side_cursor_chunk_by_chunk_on_postgresql(
    network, monkeypatch, require_postgres
):
    """A server-side cursor (PostgreSQL: a named cursor) streams the rows, CHUNK_ROWS at a time;
    memory does not hold the whole result (the benchmark measures it at scale). The temporary
    table the rows were written into is gone afterwards."""
    many_activities(network, 5)
    names, fetches = [], []
    real_chunked = connection.chunked_cursor

    def spy_chunked():
        cursor = real_chunked()
        names.append(cursor.cursor.name)
        real_fetchmany = cursor.fetchmany

        def fetchmany(size):
            fetches.append(size)
            return real_fetchmany(size)

        cursor.fetchmany = fetchmany
        return cursor

    monkeypatch.setattr(connection, "chunked_cursor", spy_chunked)
    run = services.request_run(kind=KIND, period_start=WEEK, organization=network)
    services.generate(run.pk)
    assert len(names) == 1 and names[0]  # a named (server-side) cursor
    assert fetches and set(fetches) == {services.CHUNK_ROWS}
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [f"pg_temp.{services.ROWS_TABLE}"])
        assert cursor.fetchone()[0] is None


def test_r_f2_the_beat_at_0030_pacific_on_the_first_asks_for_the_month_starting(
    network, queued, monkeypatch
):
    """00:30 Pacific on 1 December is 08:30 UTC on 1 December: December's file, not November's."""
    instant = datetime.datetime(2026, 12, 1, 8, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    runs = services.request_scheduled("ecm_eligibility")
    assert {r.period_start for r in runs} == {d(2026, 12, 1)}
    assert {r.period_end for r in runs} == {d(2026, 12, 31)}


def peak_memory_of_a_run(network, count) -> int:
    import tracemalloc

    EcmActivity.objects.all().delete()
    FileRun.objects.all().delete()
    many_activities(network, count)
    run = services.request_run(kind=KIND, period_start=WEEK, organization=network)
    tracemalloc.start()
    try:
        services.generate(run.pk)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_of_a_run_does_not_grow_with_its_rows(network, settings, require_postgres):
    """Rows stream from a server-side cursor into the file: ten times the rows, about the same
    peak (a chunk of rows and a buffer, never the whole file). The benchmark measures it at
    CalOptima scale."""
    settings.EXCHANGE_PROGRESS_ROWS = 500
    small = peak_memory_of_a_run(network, 10_000)
    large = peak_memory_of_a_run(network, 50_000)
    assert FileRun.objects.get().rows_done == 50_000
    assert large < small * 1.2, (small, large)  # about 3 MB either way here


def test_r_f4_a_transient_failure_is_tried_again_with_backoff_and_the_run_says_when(
    network, activities, settings, monkeypatch
):
    """The task (not eager, as in a worker): an SFTP server that is down fails the run with the
    reason, says when it is tried again, and queues the retry with the doubling delay."""
    from celery.exceptions import Retry

    from exchange import tasks

    settings.EXCHANGE_RETRY_SECONDS = 60

    def down(run, path):
        raise delivery.DeliveryError("Could not connect to sftp.example:22: connection refused.")

    sent = []
    monkeypatch.setattr(delivery, "deliver", down)
    monkeypatch.setattr(tasks.generate_file, "apply_async", lambda *a, **k: sent.append(k))
    run = services.request_run(kind=KIND, period_start=WEEK, organization=network)
    tasks.generate_file.push_request(retries=1, is_eager=False, called_directly=False)
    try:
        with pytest.raises(Retry):
            tasks.generate_file.run(run.pk)
    finally:
        tasks.generate_file.pop_request()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error.endswith("connection refused. Trying again in 120 s.")
    assert [k.get("countdown") for k in sent] == [120]


def test_an_old_attempt_that_fails_after_a_takeover_leaves_the_newer_attempts_run_alone(
    network, activities, monkeypatch
):
    run = services.request_run(kind=KIND, period_start=WEEK, organization=network)

    def taken_over_then_broken(the_run, path):
        FileRun.objects.filter(pk=the_run.pk).update(started_at=timezone.now())
        raise OSError("the old worker's disk went away")

    monkeypatch.setattr(services, "_deliver", taken_over_then_broken)
    services.generate(run.pk)  # no error: not this attempt's run any more
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and run.error == ""
    assert not AuditEvent.objects.filter(object_type="exchange.filerun", outcome="failed")


def test_cells_are_written_as_documented_without_converting_plain_values():
    when = datetime.datetime(2026, 11, 30, 23, 30, tzinfo=datetime.UTC)
    plain = (1, d(2026, 11, 16), None, "text")
    assert services._cells(plain) is plain  # csv writes them as _cell would
    assert [services._cell(v) for v in plain] == ["1", "2026-11-16", "", "text"]
    assert services._cells((when, None)) == ["2026-11-30T23:30:00+00:00", ""]


def test_the_session_is_reset_after_the_file_is_read(network, activities, require_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        before = cursor.fetchone()[0]
    run = services.request_run(kind=KIND, period_start=WEEK, organization=network)
    services.generate(run.pk)
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        assert cursor.fetchone()[0] == before
