"""A Celery task runs through a real worker process on Redis, against the test database."""

import os
import socket
import subprocess
import sys
import time

import pytest
from django.db import connection

from calaim.celery import app as celery_app
from members.models import Member
from members.tasks import import_member_file

# A queue of this run's own: concurrent test runs on one Redis never take each other's tasks.
QUEUE = f"pytest-{os.getpid()}"
CSV = (
    "cin,member_id,first_name,last_name,birth_date,sex,language,program,span_start,span_end,"
    "health_network,pof_codes\n"
    "70000001A,W1,Ana,Worker,1980-01-02,F,es,Medi-Cal,2023-01-01,,Prospect Medical Group,1a;2\n"
    "BADCIN,W2,Bo,Worker,1981-01-02,M,en,Medi-Cal,2023-01-01,,,\n"
)


# The worker commits in its own process; the reference data from migrations is restored afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def worker(require_postgres, require_redis):
    """Start `celery worker` in a subprocess, pointed at the test database and Redis."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "calaim",
            "worker",
            "-P",
            "solo",
            "--loglevel",
            "WARNING",
            "-Q",
            QUEUE,
            "-n",
            f"{QUEUE}@%h",
        ],
        env=env,
    )
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(
            destination=[f"{QUEUE}@{socket.gethostname()}"], timeout=1
        ):
            assert proc.poll() is None, "the Celery worker exited during start-up"
            assert time.monotonic() < deadline, "the Celery worker did not answer within 60 s"
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_import_task_runs_in_a_real_worker_on_redis(worker, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(CSV)
    result = import_member_file.apply_async((str(path),), queue=QUEUE).get(timeout=60)
    assert result["read"] == 2 and result["applied"] == 1
    assert result["rejected"][0]["line"] == 3 and "cin" in result["rejected"][0]["reason"]
    member = Member.objects.get(cin="70000001A")
    assert member.eligibility_spans.get().program == "medi_cal"
    assert sorted(p.population.code for p in member.populations.all()) == ["1a", "2"]
