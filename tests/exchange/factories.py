"""Factories for the exchange: file runs, and the rows the outbound files read (activities,
members with history on a date), made directly for the file tests."""

import datetime

import factory

from activities.models import EcmActivity
from authorizations.models import Status
from exchange.models import Direction, FileRun, RunStatus
from members.models import Member
from tests.authorizations.factories import AuthorizationFactory
from tests.members.factories import (
    EligibilitySpanFactory,
    HealthNetworkAssignmentFactory,
    MemberFactory,
    MemberPopulationFactory,
    population,
)
from tests.providers.factories import HealthNetworkFactory


class FileRunFactory(factory.django.DjangoModelFactory):
    """A weekly activity-log run for the week of Monday 2026-11-16, queued."""

    class Meta:
        model = FileRun

    kind = "ecm_activity_log"
    direction = Direction.OUT
    period_start = datetime.date(2026, 11, 16)
    period_end = factory.LazyAttribute(lambda r: r.period_start + datetime.timedelta(days=6))
    organization = factory.SubFactory(HealthNetworkFactory)
    status = RunStatus.QUEUED
    file_name = factory.LazyAttribute(
        lambda r: f"ECM_ACTIVITY_LOG_test_{r.period_start:%Y%m%d}_{r.period_end:%Y%m%d}.csv"
    )


def eligible_member(
    network,
    *,
    program="medi_cal",
    pof_codes=("1a",),
    since=datetime.date(2022, 1, 1),
    until=None,
    pof_since=None,
    **member_fields,
) -> Member:
    """A member with one span, one assignment to `network` and POFs, all from `since`."""
    member = MemberFactory(**member_fields)
    EligibilitySpanFactory(member=member, program=program, start_date=since, end_date=until)
    HealthNetworkAssignmentFactory(
        member=member, health_network=network, start_date=since, end_date=until
    )
    for code in pof_codes:
        MemberPopulationFactory(
            member=member, population=population(code), start_date=pof_since or since
        )
    return member


def ecm_authorization(member, **fields):
    """An approved ECM authorization of the member (CalOptima Health's, R-A1)."""
    fields.setdefault("status", Status.APPROVED)
    return AuthorizationFactory(member=member, **fields)


class EcmActivityFactory(factory.django.DjangoModelFactory):
    """An engagement activity on an approved ECM authorization (member and provider its own)."""

    class Meta:
        model = EcmActivity

    authorization = factory.SubFactory(AuthorizationFactory, status=Status.APPROVED)
    member = factory.SelfAttribute("authorization.member")
    provider = factory.SelfAttribute("authorization.provider")
    date = datetime.date(2026, 11, 18)
    activity_type = "engagement"
    method = "phone"
    units = 4
