"""Factories for ECM activities: rows made directly (not through the service), for pages, lists,
files and query counts. Tests of behaviour log activities through activities.services."""

import datetime

import factory

from activities.models import ActivityType, EcmActivity, Method
from authorizations.models import Status
from tests.authorizations.factories import AuthorizationFactory


class EcmActivityFactory(factory.django.DjangoModelFactory):
    """An engagement by phone, 2 units, on the first day of its authorization (approved ECM)."""

    class Meta:
        model = EcmActivity

    authorization = factory.SubFactory(AuthorizationFactory, status=Status.APPROVED)
    member = factory.SelfAttribute("authorization.member")
    provider = factory.SelfAttribute("authorization.provider")
    date = factory.LazyAttribute(lambda a: a.authorization.start_date)
    activity_type = ActivityType.ENGAGEMENT
    method = Method.PHONE
    units = 2
    outcome = ""
    note = ""
    logged_by = None


def activities_for(authorization, count: int, *, first: datetime.date | None = None) -> None:
    """`count` activities on an authorization in bulk (query counts): one a day from `first`,
    cycling through the types (an outreach attempt says whether the member was reached)."""
    first = first or authorization.start_date
    types = list(ActivityType)
    rows = []
    for i in range(count):
        kind = types[i % len(types)]
        rows.append(
            EcmActivity(
                authorization=authorization,
                member_id=authorization.member_id,
                provider_id=authorization.provider_id,
                date=first + datetime.timedelta(days=i % 150),
                activity_type=kind,
                method=list(Method)[i % len(Method)],
                units=1 + i % 8,
                outcome="reached" if kind == ActivityType.OUTREACH_ATTEMPT else "",
            )
        )
    EcmActivity.objects.bulk_create(rows)
