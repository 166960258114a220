"""Audit rows made directly (prune, the compliance view's filters and CSV). Rows that the app
records are made by doing the thing (tests/audit/test_recording.py)."""

import datetime

import factory
from django.utils import timezone

from common.audit.models import AuditEvent, Channel, Event, Outcome


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    event = Event.VIEW
    outcome = Outcome.ALLOWED
    channel = Channel.BROWSER
    username = factory.Sequence(lambda n: f"auditor{n}")
    organization_id = 1
    organization_name = "CalOptima Health"
    role = "utilization_reviewer"
    object_type = "members.member"
    object_pk = factory.LazyAttribute(lambda e: str(e.member_id or ""))
    member_id = factory.Sequence(lambda n: 1000 + n)
    remote_addr = "203.0.113.7"
    cid = factory.Sequence(lambda n: f"{n:032x}")
    method = "GET"
    path = factory.LazyAttribute(lambda e: f"/members/{e.member_id}/")
    status_code = 200
    timestamp = factory.LazyFunction(timezone.now)


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)
