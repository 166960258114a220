"""What the members app reads for others: member scoping (R-X2), search, detail, eligibility."""

import datetime
from collections.abc import Callable

from django.db.models import Prefetch, Q, QuerySet

from common import audit
from common.scoping import scoped

from .models import EligibilitySpan, HealthNetworkAssignment, Member, MemberPopulationOfFocus
from .rules import HeldPopulation, Span, Verdict, decide_eligibility

# Higher apps (referrals, authorizations) add the members an organization has a part in through
# them, without this app importing them: each rule takes a user and returns a Q over Member.
_member_access_rules: list[Callable] = []


def register_member_access(rule: Callable) -> None:
    if rule not in _member_access_rules:
        _member_access_rules.append(rule)


def visible_members(user) -> QuerySet[Member]:
    """R-X2: CalOptima Health staff see all members; others only those their organization has a part
    in (its health network members, and what higher apps register)."""

    def part(org_id):
        q = Q(health_network_assignments__health_network_id=org_id)
        for rule in _member_access_rules:
            q |= rule(user)
        return Q(pk__in=Member.objects.filter(q).values("pk"))

    return scoped(Member.objects.all(), user, part)


def can_see_member(user, member) -> bool:
    """Whether the member is in the user's scope (R-X2), e.g. before a referral by CIN."""
    return visible_members(user).filter(pk=member.pk).exists()


def search_members(
    user, *, cin: str = "", member_id: str = "", name: str = "", birth_date=None
) -> QuerySet[Member]:
    """Search within what the user may see: exact CIN, exact member id, or name and birth date."""
    qs = visible_members(user)
    if cin:
        return qs.filter(cin=cin.strip().upper())
    if member_id:
        return qs.filter(member_id=member_id.strip())
    qs = qs.filter(birth_date=birth_date) if birth_date else qs
    for part in name.split():
        qs = qs.filter(Q(first_name__icontains=part) | Q(last_name__icontains=part))
    return qs


def history_prefetches(path: str = "") -> list[Prefetch]:
    """What an eligibility verdict reads (spans, networks, POFs), for a Member or, with
    `path="member__"`, for anything that points at one: fixed query count whatever the history."""
    return [
        Prefetch(
            f"{path}eligibility_spans", queryset=EligibilitySpan.objects.order_by("-start_date")
        ),
        Prefetch(
            f"{path}health_network_assignments",
            queryset=HealthNetworkAssignment.objects.select_related("health_network").order_by(
                "-start_date"
            ),
        ),
        Prefetch(
            f"{path}populations",
            queryset=MemberPopulationOfFocus.objects.select_related("population").order_by(
                "population__code", "-start_date"
            ),
        ),
    ]


def member_detail(user, pk: int) -> Member:
    """One member with all dated history loaded in a fixed number of queries; 404s outside scope."""
    from django.shortcuts import get_object_or_404

    qs = visible_members(user).prefetch_related(*history_prefetches())
    return get_object_or_404(qs, pk=pk)


def eligibility_on(member: Member, on: datetime.date) -> Verdict:
    """The eligibility verdict for a member on an explicit date (R-M2); uses prefetched rows."""
    if on is None:
        raise ValueError("Eligibility is always checked for a given date (R-M2).")
    spans = [Span(s.program, s.start_date, s.end_date) for s in member.eligibility_spans.all()]
    hn = next(
        (
            a.health_network.name
            for a in member.health_network_assignments.all()
            if a.start_date <= on and (a.end_date is None or on <= a.end_date)
        ),
        None,
    )
    pops = [
        HeldPopulation(
            p.population.code,
            p.population.adult_live_from,
            p.population.child_live_from,
            p.population.name,
        )
        for p in member.populations.all()
        if p.start_date <= on and (p.end_date is None or on <= p.end_date)
    ]
    return decide_eligibility(
        on=on, birth_date=member.birth_date, spans=spans, populations=pops, health_network=hn
    )


def member_by_identity(*, cin: str, birth_date) -> Member | None:
    """Exact CIN and birth date: how any referrer finds a member to refer (R-R1), as providers
    verify eligibility on the portal (S4). Only an exact match on both is returned. Every look-up
    is recorded, found or not, without the terms (R-X3)."""
    member = (
        Member.objects.filter(cin=(cin or "").strip().upper(), birth_date=birth_date)
        .prefetch_related(*history_prefetches())
        .first()
    )
    audit.note_lookup(Member, member)
    return member


def member_by_cin(cin: str) -> Member | None:
    """For files exchanged with health networks, where the CIN identifies the member (R-M1)."""
    return Member.objects.filter(cin=(cin or "").strip().upper()).first()
