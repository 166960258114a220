"""Two simultaneous submissions with one idempotency key make one referral (PostgreSQL, threads)."""

import datetime
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from members.models import Member
from referrals import services
from referrals.models import Referral, StatusChange
from tests.members.factories import EligibilitySpanFactory, MemberFactory, MemberPopulationFactory
from tests.providers.factories import OrganizationFactory, UserFactory

# Real transactions (threads commit); the reference data from migrations is restored afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def coordinator():
    clinic = OrganizationFactory(is_referring_organization=True)
    return UserFactory(organization=clinic, role="care_coordinator")


@pytest.fixture
def member() -> Member:
    member = MemberFactory()
    EligibilitySpanFactory(member=member, start_date=datetime.date(2022, 1, 1))
    MemberPopulationFactory(member=member)
    return member


def _race(monkeypatch, workers: int, submit):
    """Run `submit` in `workers` threads that all pass the pre-insert checks together, so that
    they really insert at the same time."""
    barrier = threading.Barrier(workers, timeout=20)
    original = services.open_referrals_for

    def checks_then_wait(*args, **kwargs):
        found = original(*args, **kwargs)
        list(found)  # evaluate before the others insert
        barrier.wait()
        return found

    monkeypatch.setattr(services, "open_referrals_for", checks_then_wait)
    results, errors = [None] * workers, []

    def run(i):
        try:
            results[i] = submit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


def test_r_r2_simultaneous_api_posts_with_one_idempotency_key_make_one_referral(
    require_postgres, monkeypatch, coordinator, member
):
    body = {
        "member": member.pk,
        "service": "ECM",
        "requested_start_date": "2026-03-02",
        "reason": "Two ED visits this month",
        "member_consent": True,
    }
    # The coordinator's organization has no part in the member yet: refer by CIN and birth date.
    body = {**body, "cin": member.cin, "birth_date": member.birth_date.isoformat()}
    del body["member"]

    def submit():
        client = APIClient()
        client.force_authenticate(coordinator)
        response = client.post(
            "/api/v1/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY="double-click-7f3a"
        )
        return response.status_code, response.json()["id"]

    results = _race(monkeypatch, 2, submit)
    assert sorted(code for code, _ in results) == [200, 201]
    assert len({pk for _, pk in results}) == 1
    assert Referral.objects.count() == 1
    # One submission's history, not two.
    assert StatusChange.objects.filter(to_status="submitted").count() == 1


def test_r_r2_simultaneous_service_calls_with_one_key_make_one_referral(
    require_postgres, monkeypatch, coordinator, member
):
    from providers.models import Service

    service = Service.objects.get(code="CS_HOUSING_NAVIGATION")

    def submit():
        referral, created = services.create_referral(
            user=coordinator,
            member=Member.objects.get(pk=member.pk),
            service=service,
            requested_start_date=datetime.date(2026, 3, 2),
            reason="Sleeping in a car",
            member_consent=True,
            idempotency_key="retry-1",
        )
        return referral.pk, created

    results = _race(monkeypatch, 4, submit)
    assert len({pk for pk, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert Referral.objects.count() == 1


RACES = 20


def test_r_x2_r_r2_simultaneous_posts_with_different_keys_make_one_open_referral(
    require_postgres, monkeypatch, coordinator
):
    """The duplicate rule holds under concurrency: two submissions for one member and service
    with different Idempotency-Keys, both past the first duplicate check together, make one open
    referral and one 409, in each of 20 races (check-then-insert without the lock on the member
    row made two open referrals in 20 of these 20 races)."""
    barrier = {"now": None}
    original = services.open_referrals_for

    def checks_then_wait(*args, **kwargs):
        found = original(*args, **kwargs)
        list(found)
        barrier["now"].wait()
        return found

    monkeypatch.setattr(services, "open_referrals_for", checks_then_wait)
    members = []
    for _ in range(RACES):
        member = MemberFactory()
        EligibilitySpanFactory(member=member, start_date=datetime.date(2022, 1, 1))
        MemberPopulationFactory(member=member)
        members.append(member)

    def post(member, key):
        client = APIClient()
        client.force_authenticate(coordinator)
        body = {
            "cin": member.cin,
            "birth_date": member.birth_date.isoformat(),
            "service": "ECM",
            "requested_start_date": "2026-03-02",
            "reason": "Two ED visits this month",
            "member_consent": True,
        }
        try:
            return client.post(
                "/api/v1/referrals/", body, format="json", HTTP_IDEMPOTENCY_KEY=key
            ).status_code
        finally:
            connection.close()

    doubles, outcomes = 0, []
    for i, member in enumerate(members):
        barrier["now"] = threading.Barrier(2, timeout=20)
        codes = [None, None]

        def run(j, member=member, i=i, codes=codes):
            codes[j] = post(member, f"race-{i}-tab-{j}")

        threads = [threading.Thread(target=run, args=(j,)) for j in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        outcomes.append(tuple(sorted(codes, key=str)))
        if Referral.objects.filter(member=member, status="in_review").count() > 1:
            doubles += 1

    assert doubles == 0, f"two open referrals in {doubles} of {RACES} races"
    assert outcomes == [(201, 409)] * RACES


def test_r_r2_a_confirmed_duplicate_still_makes_a_second_referral_under_the_lock(
    require_postgres, coordinator, member
):
    """confirm_duplicate=True deliberately allows a second open referral (R-X2 duplicate rule)."""
    from providers.models import Service

    ecm = Service.objects.get(code="ECM")
    kwargs = {
        "user": coordinator,
        "member": member,
        "service": ecm,
        "requested_start_date": datetime.date(2026, 3, 2),
        "reason": "Two ED visits this month",
        "member_consent": True,
    }
    services.create_referral(**kwargs)
    with pytest.raises(services.DuplicateReferral):
        services.create_referral(**kwargs)
    second, created = services.create_referral(**kwargs, confirm_duplicate=True)
    assert created and Referral.objects.filter(member=member).count() == 2
