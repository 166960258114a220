"""The ECM payment report (R-$1): per provider and month, each member with an ECM authorization in
force that month, the units the provider logged for the member in the month, and whether the
month is payable. One GROUP BY query gives the member rows, one more the totals per provider."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Count,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from authorizations.models import Authorization, Status
from common.dates import business_today
from providers.models import Organization, ServiceKind

from .models import ActivityType, EcmActivity
from .selectors import month_bounds
from .services import LOGGING_ROLES

PAYABLE_UNITS = 12  # R-$1: at least 12 units of service in the month
OUTREACH_TYPES = (ActivityType.OUTREACH_ATTEMPT, ActivityType.ENGAGEMENT)

# An authorization counts for a month when it was approved (or modified) and its dates overlap
# the month. One that was later terminated or expired was in force until its end date, so it
# still counts for the months it overlaps; a pending, denied or withdrawn one never does.
REPORTED_STATUSES = (Status.APPROVED, Status.MODIFIED, Status.TERMINATED, Status.EXPIRED)

# Who reads the report for their own organization: the ECM provider's staff who log activities.
PROVIDER_ROLES = LOGGING_ROLES


def is_payable(units: int) -> bool:
    """R-$1: a member's month is paid only with at least 12 units, outreach attempts (reached or
    not) and engagement counting like every other type."""
    return units >= PAYABLE_UNITS


def previous_month(today: datetime.date | None = None) -> datetime.date:
    """The first day of the month before today's, in California (the report's default)."""
    first = (today or business_today()).replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


# --- Who sees what -------------------------------------------------------------------------------


def sees_all_providers(user) -> bool:
    return bool(user.is_authenticated and user.is_caloptima_staff)


def own_provider_id(user) -> int | None:
    """The ECM provider whose rows this user may read, or None (CalOptima staff: see all)."""
    organization = getattr(user, "organization", None) if user.is_authenticated else None
    if organization is None or not organization.is_ecm_provider or user.is_caloptima_staff:
        return None
    return organization.pk if user.role in PROVIDER_ROLES else None


def may_read_report(user) -> bool:
    """CalOptima Health staff (every provider) and an ECM provider's staff (their own, R-X2)."""
    return sees_all_providers(user) or own_provider_id(user) is not None


def report_providers() -> QuerySet[Organization]:
    """The providers CalOptima Health staff choose among."""
    return Organization.objects.filter(is_ecm_provider=True).order_by("name")


# --- The report ----------------------------------------------------------------------------------


class _PerRow(Subquery):
    """A correlated subquery over grouped columns only, kept out of GROUP BY and ORDER BY: the
    database computes it for the rows it returns (a page's 50), not for every authorization."""

    def get_group_by_cols(self):
        return []


def _units(first, last, **only) -> Subquery:
    """Units the row's provider logged for the row's member between the dates (California):
    SUM as a plain function, so that the subquery always answers one row (0 when none)."""
    logged = (
        EcmActivity.objects.filter(
            provider_id=OuterRef("provider_id"),
            member_id=OuterRef("member_id"),
            date__range=(first, last),
            **only,
        )
        .order_by()
        .values(total=Coalesce(Func("units", function="SUM"), 0, output_field=IntegerField()))
    )
    return _PerRow(logged, output_field=IntegerField())


def in_force(first, last, provider_id: int | None = None) -> QuerySet[Authorization]:
    """ECM authorizations in force for some day between the dates (see REPORTED_STATUSES)."""
    found = Authorization.objects.filter(
        service__kind=ServiceKind.ECM,
        status__in=REPORTED_STATUSES,
        start_date__lte=last,
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
    return found if provider_id is None else found.filter(provider_id=provider_id)


def payment_rows(month: datetime.date, provider_id: int | None = None) -> QuerySet[dict]:
    """One row per provider and member in force that month (GROUP BY), with the month's units
    (`units`, of which `outreach_units` from outreach attempts and engagement), the first and
    last day in force, and the number of authorizations. Units are the provider's own: a member
    served by two providers has two rows, each with its provider's units."""
    first, last = month_bounds(month)
    return (
        in_force(first, last, provider_id)
        .order_by()
        .values(
            "provider_id",
            "member_id",
            provider_name=F("provider__name"),
            last_name=F("member__last_name"),
            first_name=F("member__first_name"),
            cin=F("member__cin"),
        )
        .annotate(
            authorizations=Count("id"),
            starts=Min("start_date"),
            ends=Max(Coalesce("end_date", last)),
            units=_units(first, last),
            outreach_units=_units(first, last, activity_type__in=OUTREACH_TYPES),
        )
        .order_by("provider_name", "last_name", "first_name", "member_id", "provider_id")
    )


def with_payable(rows, month: datetime.date):
    """Each row with `payable` (R-$1) and its days in force clipped to the month."""
    first, last = month_bounds(month)
    for row in rows:
        row["month"], row["month_end"] = first, last
        row["payable"] = is_payable(row["units"])
        row["in_force_from"] = max(row["starts"], first)
        row["in_force_to"] = min(row["ends"], last)
        yield row


@dataclass(frozen=True)
class ProviderTotal:
    provider_id: int
    provider_name: str
    members: int
    payable_members: int
    units: int


def provider_totals(month: datetime.date, provider_id: int | None = None) -> list[ProviderTotal]:
    """Members, payable members and units per provider for the month, in one query: the
    members in force (payment_rows' set) joined to the month's units summed once by provider
    and member (a hash aggregate over the month's activities, not one look-up per member)."""
    first, last = month_bounds(month)
    members, member_params = _sql(
        in_force(first, last, provider_id).order_by().values("provider_id", "member_id").distinct()
    )
    logged = EcmActivity.objects.filter(date__range=(first, last))
    if provider_id is not None:
        logged = logged.filter(provider_id=provider_id)
    units, unit_params = _sql(
        logged.order_by().values("provider_id", "member_id").annotate(units=Sum("units"))
    )
    sql = (
        f"WITH members AS ({members}), logged AS ({units}) "
        "SELECT m.provider_id, o.name, COUNT(*), "
        "COUNT(*) FILTER (WHERE COALESCE(l.units, 0) >= %s), COALESCE(SUM(l.units), 0) "
        "FROM members m JOIN providers_organization o ON o.id = m.provider_id "
        "LEFT JOIN logged l ON l.provider_id = m.provider_id AND l.member_id = m.member_id "
        "GROUP BY m.provider_id, o.name ORDER BY o.name, m.provider_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*member_params, *unit_params, PAYABLE_UNITS])
        return [ProviderTotal(*row) for row in cursor.fetchall()]


def _sql(queryset) -> tuple[str, tuple]:
    return queryset.query.sql_with_params()
