"""A Celery task runs through a real worker process on Redis, against the test database."""

import os

import pytest

from calaim.celery import app as celery_app
from exchange.tasks import import_member_file
from members.models import Member
from tests.workers import celery_worker

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
    """A real `celery worker` pointed at the test database and Redis."""
    celery_app.conf.task_always_eager = False
    with celery_worker(QUEUE):
        yield


def test_import_task_runs_in_a_real_worker_on_redis(worker, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text(CSV)
    result = import_member_file.apply_async((str(path),), queue=QUEUE).get(timeout=60)
    assert result["read"] == 2 and result["applied"] == 1
    assert result["rejected"][0]["line"] == 3 and "cin" in result["rejected"][0]["reason"]
    member = Member.objects.get(cin="70000001A")
    assert member.eligibility_spans.get().program == "medi_cal"
    assert sorted(p.population.code for p in member.populations.all()) == ["1a", "2"]
