"""What the referrals app reads: referrals in scope (R-X2), lists, detail, inbox, unread counts."""

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from common.scoping import scoped

from .models import Attachment, Message, Referral, SelfReferral, StatusChange, ThreadRead


def member_access(user) -> Q:
    """Q over Member: members of referrals the user's organization made or received (R-X2)."""
    org_id = user.organization_id
    return Q(referrals__referring_organization_id=org_id) | Q(
        referrals__receiving_organization_id=org_id
    )


def visible_referrals(user) -> QuerySet[Referral]:
    """R-X2: CalOptima Health staff see all; others what their organization referred or received."""
    return scoped(
        Referral.objects.all(),
        user,
        lambda org: Q(referring_organization_id=org) | Q(receiving_organization_id=org),
    )


def _with_list_relations(qs):
    return qs.select_related(
        "member", "service", "receiving_organization", "referring_organization"
    )


def _unread_messages(user, referral_ref):
    """Messages of others, newer than the user's last read of the thread (or never read)."""
    read_at = ThreadRead.objects.filter(user=user, referral=OuterRef(referral_ref)).values(
        "read_at"
    )[:1]
    return (
        Message.objects.exclude(author=user)
        .annotate(read_at=Subquery(read_at))
        .filter(Q(read_at__isnull=True) | Q(created_at__gt=F("read_at")))
    )


def referral_list(user, *, unread_for=None) -> QuerySet[Referral]:
    """Referrals in scope with what a list row shows, and the number of unread messages."""
    qs = _with_list_relations(visible_referrals(user))
    if unread_for is not None:
        unread = (
            _unread_messages(unread_for, "referral")
            .filter(referral=OuterRef("pk"))
            .order_by()
            .values("referral")
            .annotate(n=Count("id"))
            .values("n")
        )
        qs = qs.annotate(unread=Coalesce(Subquery(unread), 0))
    return qs


def referral_detail(user, pk: int) -> Referral:
    """One referral with its history, messages and attachments; 404 outside the user's scope."""
    qs = (
        _with_list_relations(visible_referrals(user))
        .select_related("referring_user", "requested_provider")
        .prefetch_related(
            "populations",
            Prefetch("history", queryset=StatusChange.objects.select_related("actor")),
            Prefetch("messages", queryset=Message.objects.select_related("author", "organization")),
            Prefetch("attachments", queryset=Attachment.objects.select_related("uploaded_by")),
        )
    )
    return get_object_or_404(qs, pk=pk)


def inbox(user) -> QuerySet[Referral]:
    """What waits on the user's organization: sent to it, or in review at CalOptima Health."""
    qs = referral_list(user, unread_for=user)
    if user.is_caloptima_staff:
        return qs.filter(
            Q(status="in_review") | Q(status="sent", receiving_organization_id=user.organization_id)
        )
    return qs.filter(status="sent", receiving_organization_id=user.organization_id)


def open_referrals_for(member, service) -> QuerySet[Referral]:
    from .models import OPEN_STATUSES

    return Referral.objects.filter(member=member, service=service, status__in=OPEN_STATUSES)


def unread_total(user) -> int:
    """Unread messages across the referrals the user can see (home page), in one query."""
    return _unread_messages(user, "referral").filter(referral__in=visible_referrals(user)).count()


def pending_self_referrals(user) -> QuerySet[SelfReferral]:
    if not user.is_caloptima_staff:
        return SelfReferral.objects.none()
    return SelfReferral.objects.filter(status="pending").select_related("service")


SEARCH_WORDS = 6  # a longer search is narrowed by its first words


def matching(qs: QuerySet[Referral], text: str) -> QuerySet[Referral]:
    """A work list's search, inside the scope `qs` already has (R-X2): part of the referral
    reference, the member's exact CIN, or every word in the member's first or last name."""
    text = " ".join((text or "").split())
    if not text:
        return qs
    name = Q()
    for word in text.split()[:SEARCH_WORDS]:
        name &= Q(member__first_name__icontains=word) | Q(member__last_name__icontains=word)
    return qs.filter(name | Q(reference__icontains=text) | Q(member__cin=text.upper()))
