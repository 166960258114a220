"""Fault test (R-N4, issue 9): with the broker down a decision answers at once, and its letter and
the referral emails are made once the broker is back, by a real worker and its beat sweep.

The test starts its own Redis on a free port, a Celery worker with embedded beat (sweep every
second) on a queue of its own against the test database, stops Redis, decides through the API,
starts Redis again on the same port, and waits (bounded) for the letter and the emails."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from rest_framework.test import APIClient

from authorizations.models import Event
from calaim.celery import app as celery_app
from common.outbox.models import Message
from notices.models import Notice
from tests.conftest import require
from tests.workers import celery_worker

QUEUE = f"pytest-outbox-{os.getpid()}"
WAIT = 120  # seconds: worker reconnection back-off plus a letter's rendering, on a busy machine

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _until(check, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.5)
    return found


class RedisServer:
    """A real redis-server of the test's own, stopped and started again on the same port."""

    def __init__(self, port: int):
        self.port, self.proc = port, None
        self.url = f"redis://127.0.0.1:{port}/0"

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        _until(lambda: self._ping(client), "redis-server start", timeout=20)

    @staticmethod
    def _ping(client) -> bool:
        try:
            return client.ping()
        except redis.RedisError:
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def _forget_broker_connections():
    """Celery keeps a pool of broker connections (used by `control.ping`) made for the broker URL
    of its first use: drop it when the URL changes, so pings reach the right Redis."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(require_postgres, require_redis):
    require(shutil.which("redis-server") is not None, "redis-server")
    server = RedisServer(_free_port())
    server.start()
    conf = celery_app.conf
    before = (conf.broker_url, conf.task_always_eager, conf.task_default_queue)
    conf.broker_url, conf.task_always_eager, conf.task_default_queue = server.url, False, QUEUE
    _forget_broker_connections()
    yield server
    conf.broker_url, conf.task_always_eager, conf.task_default_queue = before
    _forget_broker_connections()
    server.stop()


@pytest.fixture
def worker(broker, tmp_path):
    """`celery worker -B` on the test database, the test's Redis and a queue of its own; its
    beat sweeps the outbox every second. Mail goes to files the test reads."""
    mail = tmp_path / "mail"
    env = {
        "REDIS_URL": broker.url,
        "CELERY_QUEUE": QUEUE,
        "OUTBOX_SWEEP_SECONDS": "1",
        "EMAIL_URL": f"filemail:///{mail}",  # four slashes: an absolute path
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    options = ["-B", "-s", str(tmp_path / "beat-schedule")]
    with celery_worker(QUEUE, env=env, options=options):
        yield mail


def _mails(folder: Path) -> list[str]:
    return [p.read_text() for p in sorted(folder.glob("*.log"))] if folder.exists() else []


def test_r_n4_letter_and_emails_are_made_after_the_broker_returns(
    worker, broker, reviewer, coordinator, open_request
):
    broker.stop()

    authorization = open_request()  # the provider accepts: an email to the referrer is queued
    client = APIClient()
    client.force_authenticate(reviewer)
    started = time.monotonic()
    response = client.post(
        f"/api/v1/authorizations/{authorization.pk}/decide/",
        {
            "decision": "deny",
            "reason_code": "not_medically_appropriate",
            "member_explanation": "No emergency visits on record this year.",  # R-N6
        },
        format="json",
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200, response.content
    assert elapsed < 1.0, f"the decision took {elapsed:.2f} s with the broker down"
    event_id = Event.objects.get(authorization=authorization, kind="denied").pk
    rows = Message.objects.all()
    assert {m.task for m in rows} >= {"notices.render_notice", "referrals.notify_status_change"}
    assert {m.status for m in rows} == {"pending"}  # refused by the broker, kept for the sweep
    assert not Notice.objects.exists()

    broker.start()  # same port: the worker reconnects, its beat sweeps the outbox

    notice = _until(lambda: Notice.objects.filter(event_id=event_id).first(), "the letter")
    _until(lambda: not Message.objects.exclude(status="done").exists(), "every row done")
    assert notice.kind == "denial" and notice.size > 0
    mails = _mails(worker)
    assert len(mails) == rows.filter(task__startswith="referrals.").count()  # one per row
    assert all(f"To: {coordinator.email}" in text for text in mails)
    assert any("is now Denied" in text for text in mails)
