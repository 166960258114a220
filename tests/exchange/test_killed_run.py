"""R-F4 with a real Celery worker: a worker killed (SIGKILL) while it writes a file delivers
nothing; the sweep marks the run failed and queues it again with backoff; the next worker
finishes it, whole."""

import datetime
import hashlib
import os
import signal
import socket
import time

import pytest
from django.utils import timezone

from activities.models import EcmActivity
from calaim.celery import app as celery_app
from exchange import services
from exchange.models import FileRun, RunStatus
from tests.providers.factories import HealthNetworkFactory
from tests.workers import celery_worker

from .factories import ecm_authorization, eligible_member

QUEUE = f"pytest-exchange-{os.getpid()}"
ROWS = 400
WEEK = datetime.date(2026, 11, 16)

# The worker commits in its own process; the reference data from migrations is restored afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def broker_queue(require_postgres, require_redis, settings):
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_default_queue)
    conf.task_always_eager, conf.task_default_queue = False, QUEUE
    settings.EXCHANGE_RETRY_SECONDS = 1
    yield
    conf.task_always_eager, conf.task_default_queue = before
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def worker_env(settings, delay: str) -> dict:
    return {
        "EXCHANGE_ARCHIVE_DIR": str(settings.EXCHANGE_ARCHIVE_DIR),
        "EXCHANGE_DELIVERY_DIR": str(settings.EXCHANGE_DELIVERY_DIR),
        "EXCHANGE_PROGRESS_ROWS": "10",
        "EXCHANGE_TEST_ROW_DELAY": delay,
        "CELERY_QUEUE": QUEUE,
    }


def worker_pid() -> int:
    name = f"{QUEUE}@{socket.gethostname()}"
    return celery_app.control.inspect(destination=[name], timeout=2).stats()[name]["pid"]


def wait_for(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")


def files_in(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_r_f4_a_worker_killed_midway_delivers_nothing_and_the_run_is_failed_then_finished(
    broker_queue, settings
):
    network = HealthNetworkFactory(name="North Network")
    authorization = ecm_authorization(eligible_member(network))
    EcmActivity.objects.bulk_create(
        EcmActivity(
            authorization=authorization,
            member=authorization.member,
            provider=authorization.provider,
            date=WEEK + datetime.timedelta(days=i % 7),
            activity_type="engagement",
            method="phone",
            units=1 + i % 96,
        )
        for i in range(ROWS)
    )
    with celery_worker(QUEUE, env=worker_env(settings, "0.05")):  # 400 rows: 20 s
        pid = worker_pid()  # asked first: a solo worker busy with a task does not answer
        run = services.request_run(kind="ecm_activity_log", period_start=WEEK, organization=network)
        wait_for(lambda: FileRun.objects.filter(pk=run.pk, rows_done__gte=20).exists())
        os.kill(pid, signal.SIGKILL)  # mid-file
        time.sleep(0.5)

    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING and 0 < run.rows_done < ROWS
    assert files_in(settings.EXCHANGE_DELIVERY_DIR) == []  # nothing partial delivered
    archived = files_in(settings.EXCHANGE_ARCHIVE_DIR)
    assert [p.name.endswith(".part") and p.name.startswith(".") for p in archived] == [True]

    later = timezone.now() + datetime.timedelta(minutes=settings.EXCHANGE_STALE_MINUTES + 1)
    assert services.fail_stale_runs(now=later) == {"failed": 1, "requeued": 1}
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "no progress" in run.error
    assert files_in(settings.EXCHANGE_ARCHIVE_DIR) == []  # the temporary file is gone too
    assert files_in(settings.EXCHANGE_DELIVERY_DIR) == []

    with celery_worker(QUEUE, env=worker_env(settings, "0")):  # the retry, 1 s later
        wait_for(lambda: FileRun.objects.filter(pk=run.pk, status=RunStatus.DONE).exists())
    run.refresh_from_db()
    assert run.attempts == 2 and run.rows_done == ROWS and run.error == ""
    (delivered,) = files_in(settings.EXCHANGE_DELIVERY_DIR)
    data = delivered.read_bytes()
    assert hashlib.sha256(data).hexdigest() == run.sha256
    assert data.count(b"\r\n") == ROWS + 1  # header and every row: whole
    assert files_in(settings.EXCHANGE_ARCHIVE_DIR) == [services.archived_path(run)]
