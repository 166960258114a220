import datetime
import zoneinfo

from django.conf import settings
from django.db.models import QuerySet

from .models import AuditEvent


def _instant(day: datetime.date) -> datetime.datetime:
    """Midnight of a California date (business dates are Los Angeles dates)."""
    return datetime.datetime.combine(day, datetime.time(), zoneinfo.ZoneInfo(settings.TIME_ZONE))


def trail(*, member="", user="", organization="", event="", outcome="", start=None, end=None):
    """The trail filtered for the compliance view, newest first. The user and organization match
    the names as they were when the row was written."""
    rows: QuerySet[AuditEvent] = AuditEvent.objects.order_by("-timestamp", "-id")
    if member:
        rows = rows.filter(member_id=int(member))
    if user:
        rows = rows.filter(username__iexact=user.strip())
    if organization:
        value = organization.strip()
        if value.isdigit():
            rows = rows.filter(organization_id=int(value))
        else:
            rows = rows.filter(organization_name__icontains=value)
    if event:
        rows = rows.filter(event=event)
    if outcome:
        rows = rows.filter(outcome=outcome)
    if start:
        rows = rows.filter(timestamp__gte=_instant(start))
    if end:
        rows = rows.filter(timestamp__lt=_instant(end + datetime.timedelta(days=1)))
    return rows
