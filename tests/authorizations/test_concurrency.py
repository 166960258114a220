"""Two reviewers deciding one request at the same moment: exactly one decision stands, the other
gets a clear message and the current state (PostgreSQL row locks, real threads)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from rest_framework.test import APIClient

from authorizations import services
from authorizations.models import Authorization, Event, Status
from referrals.models import Referral

# Real transactions (threads commit); the reference data from migrations is restored afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DECISION_KINDS = [Event.Kind.APPROVED, Event.Kind.MODIFIED, Event.Kind.DENIED]


def race(monkeypatch, *calls):
    """Run each call in its own thread; all pass the permission check (before the row lock)
    together, then race for the lock. Returns each call's result or exception."""
    barrier = threading.Barrier(len(calls), timeout=20)
    original = services._is_reviewer

    def check_then_wait(user):
        allowed = original(user)
        barrier.wait()
        return allowed

    monkeypatch.setattr(services, "_is_reviewer", check_then_wait)
    outcomes = [None] * len(calls)

    def run(i):
        try:
            outcomes[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - inspected by the test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a decision never finished"
    return outcomes


@pytest.fixture
def pending(require_postgres, open_request):
    return open_request()


def test_two_reviewers_deciding_at_once_one_decision_stands(
    monkeypatch, pending, reviewer, second_reviewer
):
    def approve():
        return services.decide(user=reviewer, authorization_id=pending.pk, decision="approve")

    def deny():
        return services.decide(
            user=second_reviewer,
            authorization_id=pending.pk,
            decision="deny",
            reason_code="not_medically_appropriate",
            member_explanation="No recent emergency visits.",
        )

    outcomes = race(monkeypatch, approve, deny)

    events = [o for o in outcomes if isinstance(o, Event)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(events) == 1 and len(errors) == 1, outcomes
    winner, error = events[0], errors[0]
    assert isinstance(error, ValidationError)
    authorization = Authorization.objects.get(pk=pending.pk)
    assert authorization.status == winner.to_status
    assert authorization.decided_by == winner.actor
    assert Event.objects.filter(authorization=pending, kind__in=DECISION_KINDS).count() == 1
    message = " ".join(error.message_dict["status"])
    assert f"already {authorization.get_status_display().lower()}" in message
    assert winner.actor.get_full_name() in message
    assert error.current.pk == pending.pk
    assert error.current.status == winner.to_status
    referral = Referral.objects.get(pk=pending.referral_id)
    assert referral.status == ("denied" if winner.to_status == Status.DENIED else "authorized")
    assert referral.history.filter(to_status__in=["authorized", "denied"]).count() == 1


def test_two_reviewers_deciding_at_once_through_the_api(
    monkeypatch, pending, reviewer, second_reviewer
):
    url = f"/api/v1/authorizations/{pending.pk}/decide/"

    def post(user, body):
        def call():
            client = APIClient()
            client.force_authenticate(user)
            response = client.post(url, body, format="json")
            return response.status_code, response.json(), user

        return call

    outcomes = race(
        monkeypatch,
        post(reviewer, {"decision": "approve"}),
        post(
            second_reviewer,
            {"decision": "deny", "reason_code": "not_eligible", "member_explanation": "Not yet."},
        ),
    )

    assert sorted(code for code, _, _ in outcomes) == [200, 409], outcomes
    (_, won, winner), (_, lost, _) = sorted(outcomes, key=lambda o: o[0])
    authorization = Authorization.objects.get(pk=pending.pk)
    assert authorization.status == won["status"]
    assert authorization.decided_by == winner
    assert lost["current"]["id"] == pending.pk
    assert lost["current"]["status"] == won["status"]
    assert winner.get_full_name() in " ".join(lost["status"])
    assert Event.objects.filter(authorization=pending, kind__in=DECISION_KINDS).count() == 1
