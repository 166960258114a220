"""What the activities app reads: activities in scope (R-X2), units per month, and the provider's
ECM members in force today."""

import datetime

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.shortcuts import get_object_or_404

from authorizations.models import IN_FORCE, Authorization
from authorizations.selectors import visible_authorizations
from common.scoping import scoped
from members.models import Member
from members.selectors import visible_members

from .models import EcmActivity


def activities_for(user) -> QuerySet[EcmActivity]:
    """R-X2, minimum necessary: a user sees the activities their organization delivered (provider
    staff; a health network that is itself the ECM provider); CalOptima Health staff see all. A
    health network does not see another provider's activities for its members."""
    return scoped(EcmActivity.objects.all(), user, lambda org: Q(provider_id=org))


def activity_rows(user) -> QuerySet[EcmActivity]:
    """activities_for with what a list shows, newest first."""
    return (
        activities_for(user)
        .select_related("member", "provider", "logged_by")
        .order_by("-date", "-id")
    )


def units_by_month(activities: QuerySet[EcmActivity]) -> list[dict]:
    """[{"month": date (the 1st), "units": int}, ...], newest month first, in one query."""
    return list(
        activities.order_by()
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(units=Sum("units"))
        .order_by("-month")
    )


def units_in_month(activities: QuerySet[EcmActivity], on: datetime.date) -> int:
    """The units of the calendar month of `on` (California dates, as stored)."""
    first, last = month_bounds(on)
    total = activities.filter(date__range=(first, last)).aggregate(total=Sum("units"))["total"]
    return total or 0


def authorization_of(user, pk: int) -> Authorization:
    """An authorization the user may see (R-X2), with what the activity pages show; 404 else:
    another provider's authorization answers exactly as a missing one."""
    qs = visible_authorizations(user).select_related("member", "service", "provider")
    return get_object_or_404(qs, pk=pk)


def member_of(user, pk: int) -> Member:
    return get_object_or_404(visible_members(user), pk=pk)


def month_bounds(on: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = on.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following - datetime.timedelta(days=1)


def ecm_members(user, today: datetime.date) -> QuerySet[Authorization]:
    """The ECM authorizations of the user's organization in force today (CalOptima Health staff:
    every provider's), each with `units_this_month`: what the provider logged for the member
    this calendar month. One query, whatever the number of rows."""
    qs = visible_authorizations(user)
    if not user.is_caloptima_staff:
        qs = qs.filter(provider_id=user.organization_id)
    first, last = month_bounds(today)
    units = (
        EcmActivity.objects.filter(
            member_id=OuterRef("member_id"),
            provider_id=OuterRef("provider_id"),
            date__range=(first, last),
        )
        .order_by()
        .values("member_id")
        .annotate(total=Sum("units"))
        .values("total")
    )
    return (
        qs.filter(service__kind="ecm", status__in=IN_FORCE, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("member", "provider")
        .annotate(
            units_this_month=Coalesce(
                Subquery(units, output_field=IntegerField()), Value(0), output_field=IntegerField()
            )
        )
        .order_by("member__last_name", "member__first_name", "id")
    )
