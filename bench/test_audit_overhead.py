"""Benchmark (not part of the suite): what recording access (R-X3) costs a page.

Requests the member page and the referrals API list as a CalOptima reviewer, alternating between
the normal middleware stack and the same stack without the audit middleware, and reports the median
and 95th-percentile time of each and the difference. The issue's target: recording never slows a
page by more than a few milliseconds (checked here: median overhead under 5 ms).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/calaim
    .venv/bin/pytest bench/test_audit_overhead.py -s -p no:cacheprovider
"""

import statistics
import time

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from common.audit.models import AuditEvent
from tests.members.factories import member_with_history

pytestmark = pytest.mark.django_db

ROUNDS = 300
TARGET_MS = 5.0
AUDIT = "common.audit.middleware.AuditMiddleware"


def timed(client, url) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200
    return elapsed


def measure(client, bare, url) -> dict:
    """`bare` is a client whose handler was built without the audit middleware (a test client
    builds its middleware chain once, on its first request)."""
    with_audit, without_audit = [], []
    for _ in range(20):  # warm up both stacks
        timed(client, url)
        timed(bare, url)
    for _ in range(ROUNDS):
        with_audit.append(timed(client, url))
        without_audit.append(timed(bare, url))
    return {
        "with": statistics.median(with_audit),
        "without": statistics.median(without_audit),
        "p95_with": statistics.quantiles(with_audit, n=20)[-1],
        "p95_without": statistics.quantiles(without_audit, n=20)[-1],
    }


@pytest.mark.parametrize("page", ["member page", "referrals API list"])
def test_recording_costs_a_page_at_most_a_few_milliseconds(client, reviewer, page):
    member = member_with_history()
    client.force_login(reviewer)
    bare = Client()
    bare.force_login(reviewer)
    url = (
        reverse("members:detail", args=[member.pk])
        if page == "member page"
        else "/api/v1/referrals/"
    )
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != AUDIT]):
        timed(bare, url)
    before = AuditEvent.objects.count()
    result = measure(client, bare, url)
    recorded = AuditEvent.objects.count() - before
    overhead = result["with"] - result["without"]
    print(
        f"\n{page}: median {result['with']:.2f} ms with the audit trail, "
        f"{result['without']:.2f} ms without (overhead {overhead:+.2f} ms); "
        f"p95 {result['p95_with']:.2f} / {result['p95_without']:.2f} ms; "
        f"{recorded} rows recorded over {ROUNDS + 20} recorded requests"
    )
    assert recorded == ROUNDS + 20  # one row per request with the trail, none without
    assert overhead < TARGET_MS
