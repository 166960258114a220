"""A real Celery worker for tests: a subprocess on the test database and a queue of the test's own
(concurrent runs on one Redis never take each other's tasks), ready once it answers a ping."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from calaim.celery import app as celery_app

START_TIMEOUT = 60  # seconds


def worker_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def celery_worker(queue: str, *, env: dict | None = None, options=()) -> Iterator[None]:
    """`celery worker` (solo pool) with `options` (e.g. -B and its schedule file) and `env` on top
    of this process's environment; stopped when the block ends."""
    command = [sys.executable, "-m", "celery", "-A", "calaim", "worker", *options]
    command += ["-P", "solo", "--loglevel", "WARNING", "-Q", queue, "-n", f"{queue}@%h"]
    environment = {
        **os.environ,
        "DATABASE_URL": worker_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **(env or {}),
    }
    proc = subprocess.Popen(command, env=environment)
    try:
        name = f"{queue}@{socket.gethostname()}"
        deadline = time.monotonic() + START_TIMEOUT
        while not celery_app.control.ping(destination=[name], timeout=1):
            assert proc.poll() is None, "the Celery worker exited during start-up"
            assert time.monotonic() < deadline, (
                f"the Celery worker did not answer within {START_TIMEOUT} s"
            )
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)
