"""Factories for authorizations: rows made directly (not through the services), for pages, lists,
letters and query counts. Tests of behaviour open and decide requests through the services."""

import datetime
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone

from authorizations.models import Authorization, ClosureRequest, Event, Status
from authorizations.rules import CALOPTIMA_HEALTH, HEALTH_NETWORK, decision_due_at, ecm_default_end
from members.models import Member
from providers.models import Organization, Service, User
from tests.members.factories import MemberFactory
from tests.providers.factories import EcmProviderFactory, HealthNetworkFactory, UserFactory

PT = ZoneInfo("America/Los_Angeles")


def service(code: str) -> Service:
    """A catalogue service loaded by the data migration (R-C1)."""
    return Service.objects.get(code=code)


class AuthorizationFactory(factory.django.DjangoModelFactory):
    """A pending request at CalOptima Health (created after the cut-over, R-A1)."""

    class Meta:
        model = Authorization

    member = factory.SubFactory(MemberFactory)
    service = factory.LazyFunction(lambda: service("ECM"))
    provider = factory.SubFactory(EcmProviderFactory)
    referral = None
    created_at = factory.LazyFunction(timezone.now)
    received_at = factory.SelfAttribute("created_at")
    start_date = datetime.date(2024, 6, 3)
    end_date = factory.LazyAttribute(
        lambda a: ecm_default_end(a.start_date) if a.service.kind == "ecm" else None
    )
    urgency = "standard"
    status = Status.PENDING
    due_at = factory.LazyAttribute(lambda a: decision_due_at(a.received_at, a.urgency))
    responsible_party = CALOPTIMA_HEALTH


class LegacyAuthorizationFactory(AuthorizationFactory):
    """An authorization an HN created before 1 January 2023 and still owns (R-A1, R-A2)."""

    created_at = datetime.datetime(2022, 6, 1, 9, 0, tzinfo=PT)
    start_date = datetime.date(2022, 7, 1)
    end_date = None
    status = Status.APPROVED
    due_at = None
    responsible_party = HEALTH_NETWORK
    health_network = factory.SubFactory(HealthNetworkFactory)
    hn_authorization_number = factory.Sequence(lambda n: f"HN-{100000 + n}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    authorization = factory.SubFactory(AuthorizationFactory)
    kind = Event.Kind.REQUESTED
    to_status = factory.SelfAttribute("authorization.status")


class ClosureRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosureRequest

    authorization = factory.SubFactory(AuthorizationFactory, status=Status.APPROVED)
    kind = ClosureRequest.Kind.END
    reason = "The member moved out of Orange County."
    end_date = datetime.date(2024, 9, 30)
    requested_by = factory.SubFactory(
        UserFactory, organization=factory.SelfAttribute("..authorization.provider")
    )


def pending_requests(count: int, *, networks: list[Organization], reviewers: list[User]) -> None:
    """`count` pending requests with their members, in bulk (queue and list query counts): spread
    over two services, both urgencies, the given networks and reviewers."""
    providers = [EcmProviderFactory(), EcmProviderFactory()]
    services = [service("ECM"), service("CS_MEDICALLY_TAILORED_MEALS")]
    members = Member.objects.bulk_create(
        MemberFactory.build(cin=f"{70000000 + i:08d}B", member_id=f"Q{700000 + i}")
        for i in range(count)
    )
    now = timezone.now()
    rows = []
    for i, member in enumerate(members):
        received = now - datetime.timedelta(hours=i % 200)
        urgency = "expedited" if i % 3 == 0 else "standard"
        rows.append(
            Authorization(
                member=member,
                service=services[i % 2],
                provider=providers[i % 2],
                created_at=received,
                received_at=received,
                start_date=datetime.date(2024, 6, 3),
                urgency=urgency,
                status=Status.PENDING,
                due_at=decision_due_at(received, urgency),
                responsible_party=CALOPTIMA_HEALTH,
                member_network=networks[i % len(networks)],
                reviewer=reviewers[i % len(reviewers)] if i % 4 else None,
            )
        )
    Authorization.objects.bulk_create(rows)
