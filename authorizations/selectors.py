"""What the authorizations app reads: scope (R-X2, R-A2), the review queue, the decision page."""

from django.db.models import (
    Case,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, Replace
from django.shortcuts import get_object_or_404

from common.scoping import scoped
from members.selectors import history_prefetches
from referrals.selectors import visible_referrals

from .models import Authorization, ClosureRequest, Event, Status


def member_access(user) -> Q:
    """Q over Member: members whose authorizations name the user's organization."""
    org_id = user.organization_id
    return Q(authorizations__provider_id=org_id) | Q(authorizations__health_network_id=org_id)


def visible_authorizations(user) -> QuerySet[Authorization]:
    """CalOptima Health staff see all (legacy ones read-only, R-A2); an HN sees its own legacy
    authorizations and never another network's; a provider sees those it delivers."""
    return scoped(
        Authorization.objects.all(),
        user,
        lambda org: Q(provider_id=org) | Q(health_network_id=org),
    )


def _list_relations(qs):
    return qs.select_related(
        "member", "service", "provider", "health_network", "member_network", "reviewer"
    )


def _with_shown_referral(qs, user):
    """`shown_referral_id`: the authorization's referral when the user may see that referral too,
    else None (R-X2 per record: a provider given the authorization by a decision that changed the
    provider does not learn the id of a referral made between other organizations)."""
    if user.is_caloptima_staff:
        return qs.annotate(shown_referral_id=F("referral_id"))
    visible = visible_referrals(user).filter(pk=OuterRef("referral_id")).values("pk")
    return qs.annotate(shown_referral_id=Subquery(visible[:1]))


def authorization_list(user) -> QuerySet[Authorization]:
    return _with_shown_referral(_list_relations(visible_authorizations(user)), user).order_by(
        "-created_at", "-id"
    )


def review_queue(user) -> QuerySet[Authorization]:
    """Pending requests CalOptima Health decides (R-A3), most urgent first (R-A8)."""
    if not user.is_caloptima_staff:
        return Authorization.objects.none()
    return _list_relations(
        Authorization.objects.filter(status=Status.PENDING, responsible_party="caloptima_health")
    ).order_by("due_at", "id")


HIDDEN_REFERRAL = "a referral held by another organization"


def _events(user) -> QuerySet[Event]:
    """History rows with `shown_note`: the note, with the reference of a referral the user may
    not see replaced by words (R-X2 per record; "From referral R-..." is written on request)."""
    qs = Event.objects.select_related("actor")
    if user.is_caloptima_staff:
        return qs.annotate(shown_note=F("note"))
    hidden = Q(authorization__referral__isnull=False) & ~Q(
        authorization__referral__in=visible_referrals(user).values("pk")
    )
    reference = F("authorization__referral__reference")
    return qs.annotate(
        shown_note=Case(
            When(
                hidden,
                then=Replace(
                    Replace("note", Concat(Value("referral "), reference), Value(HIDDEN_REFERRAL)),
                    reference,
                    Value(HIDDEN_REFERRAL),
                ),
            ),
            default=F("note"),
            output_field=TextField(),
        )
    )


def _detail_queryset(user) -> QuerySet[Authorization]:
    return (
        _with_shown_referral(_list_relations(visible_authorizations(user)), user)
        .select_related("decided_by", "referral")
        .prefetch_related(
            Prefetch("events", queryset=_events(user)),
            Prefetch(
                "closure_requests",
                queryset=ClosureRequest.objects.select_related("requested_by", "decided_by"),
            ),
        )
    )


def authorization_detail(user, pk: int) -> Authorization:
    return get_object_or_404(_detail_queryset(user), pk=pk)


def decision_page(user, pk: int) -> Authorization:
    """authorization_detail plus what the decision page shows, in a fixed number of queries: the
    referrer, and the member's spans, networks and POFs (the eligibility verdict)."""
    qs = (
        _detail_queryset(user)
        .select_related("referral__referring_organization")
        .prefetch_related(*history_prefetches("member__"))
    )
    return get_object_or_404(qs, pk=pk)


def earlier_authorizations(user, authorization) -> QuerySet[Authorization]:
    """The member's other authorizations the user may see, newest first (e.g. earlier housing
    deposits). R-X2 per record: CalOptima Health staff see all; others only their own."""
    return (
        visible_authorizations(user)
        .filter(member_id=authorization.member_id)
        .exclude(pk=authorization.pk)
        .select_related("service", "provider", "health_network")
        .order_by("-start_date", "-id")
    )


def referral_of(user, authorization):
    """The referral the authorization came from, when the user may see that referral too (R-X2
    per record: seeing an authorization does not open another organization's referral)."""
    if authorization.referral_id is None:
        return None
    if user.is_caloptima_staff:
        return authorization.referral
    return (
        visible_referrals(user)
        .select_related("referring_organization")
        .filter(pk=authorization.referral_id)
        .first()
    )


def authorizations_of_member(user, member) -> QuerySet[Authorization]:
    return _list_relations(visible_authorizations(user).filter(member=member)).order_by(
        "-start_date"
    )


def pending_closures_for(user) -> QuerySet[ClosureRequest]:
    """Closure requests the user's side decides: CalOptima Health for new authorizations, the HN
    for its legacy ones (R-A2)."""
    qs = ClosureRequest.objects.filter(state=ClosureRequest.State.PENDING).select_related(
        "authorization__member",
        "authorization__service",
        "authorization__provider",
        "requested_by",
    )
    if user.is_caloptima_staff:
        return qs.filter(authorization__responsible_party="caloptima_health")
    if user.organization and user.organization.is_health_network:
        return qs.filter(authorization__health_network_id=user.organization_id)
    return qs.none()


SEARCH_WORDS = 6  # a longer search is narrowed by its first words
MAX_ID = 2**63 - 1


def matching(qs: QuerySet[Authorization], text: str) -> QuerySet[Authorization]:
    """A work list's search, inside the scope `qs` already has (R-X2): the authorization number,
    part of the HN authorization number, the member's exact CIN, or every word in the member's
    first or last name. Never the referral's reference: a provider may hold an authorization
    whose referral it may not see (R-X2 per record)."""
    text = " ".join((text or "").split())
    if not text:
        return qs
    name = Q()
    for word in text.split()[:SEARCH_WORDS]:
        name &= Q(member__first_name__icontains=word) | Q(member__last_name__icontains=word)
    found = name | Q(hn_authorization_number__icontains=text) | Q(member__cin=text.upper())
    number = text.removeprefix("#")
    if number.isascii() and number.isdigit() and int(number) <= MAX_ID:
        found |= Q(pk=int(number))
    return qs.filter(found)
