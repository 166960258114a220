"""Reading never answers "database is locked" on SQLite (issue 9): reads write only when there is
something new to mark read, in one statement, and SQLite waits for its write lock (WAL, IMMEDIATE,
busy timeout) instead of failing. Parallel readers run in their own process on a SQLite file."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from referrals import services
from referrals.models import ThreadRead
from referrals.selectors import referral_detail
from tests.referrals.factories import MessageFactory, ReferralFactory

ROOT = Path(__file__).resolve().parents[2]
WRITES = ("INSERT", "UPDATE", "DELETE")


def test_parallel_reads_on_a_sqlite_file_never_answer_500(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tests.trust.sqlite_parallel_reads", str(tmp_path / "db.sqlite3")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])

    print(f"parallel reads on SQLite: {answers['statuses']}")
    assert answers["errors"] == []
    assert answers["statuses"] == {"200": 144, "201": 12}


def writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


@pytest.mark.django_db
def test_reading_a_thread_again_writes_nothing():
    referral = ReferralFactory()
    reader = referral.referring_user
    MessageFactory(referral=referral)  # from the receiving organization

    with CaptureQueriesContext(connection) as first:
        services.mark_read(user=reader, referral=referral_detail(reader, referral.pk))
    with CaptureQueriesContext(connection) as again:
        services.mark_read(user=reader, referral=referral_detail(reader, referral.pk))

    assert len(writes(first.captured_queries)) == 1  # the one INSERT of the read mark
    assert writes(again.captured_queries) == []
    assert ThreadRead.objects.filter(user=reader, referral=referral).count() == 1


@pytest.mark.django_db
def test_a_new_message_is_marked_read_in_one_update():
    referral = ReferralFactory()
    reader = referral.referring_user
    MessageFactory(referral=referral)
    services.mark_read(user=reader, referral=referral_detail(reader, referral.pk))
    MessageFactory(referral=referral)

    with CaptureQueriesContext(connection) as queries:
        services.mark_read(user=reader, referral=referral_detail(reader, referral.pk))

    assert [sql.split()[0] for sql in writes(queries.captured_queries)] == ["UPDATE"]
    assert ThreadRead.objects.get(user=reader).read_at >= referral.messages.last().created_at


@pytest.mark.django_db
def test_a_thread_with_only_ones_own_messages_writes_nothing():
    referral = ReferralFactory()
    reader = referral.referring_user
    MessageFactory(referral=referral, author=reader)

    with CaptureQueriesContext(connection) as queries:
        services.mark_read(user=reader, referral=referral_detail(reader, referral.pk))

    assert writes(queries.captured_queries) == []
