"""A double click on "Log activity": two submissions of the same activity at the same moment log it
once; the second is the duplicate warning (the authorization row is locked first; PostgreSQL row
locks, real threads)."""

import threading
import time

import pytest
from django.db import connection

from activities import rules, services
from activities.models import ActivityType, EcmActivity, Method

# Real transactions (threads commit); the reference data from migrations is restored afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_double_click_logs_the_activity_once(require_postgres, monkeypatch, staff, ecm):
    checks = rules.activity_problems

    def slow_checks(**kwargs):  # inside the locked section: without the lock, both would pass
        time.sleep(0.5)
        return checks(**kwargs)

    monkeypatch.setattr(rules, "activity_problems", slow_checks)
    barrier = threading.Barrier(2, timeout=20)
    outcomes = [None, None]

    def click(i):
        try:
            barrier.wait()
            outcomes[i] = services.log_activity(
                user=staff,
                authorization=ecm,
                date=ecm.start_date,
                activity_type=ActivityType.ENGAGEMENT,
                method=Method.PHONE,
                units=2,
            )
        except Exception as exc:  # noqa: BLE001 - inspected below
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    logged = [o for o in outcomes if isinstance(o, EcmActivity)]
    warned = [o for o in outcomes if isinstance(o, services.DuplicateActivity)]
    assert len(logged) == 1 and len(warned) == 1, outcomes
    assert EcmActivity.objects.count() == 1
