"""What the notices app reads: letters of an authorization, letters the user may download."""

from django.db.models import QuerySet

from members.selectors import visible_members

from .models import Notice


def notices_of_authorization(authorization) -> QuerySet[Notice]:
    return Notice.objects.filter(authorization=authorization).select_related("sender")


def visible_notices(user) -> QuerySet[Notice]:
    """Letters are downloadable only by users who may see the member (R-X2)."""
    return Notice.objects.filter(authorization__member__in=visible_members(user)).select_related(
        "sender", "authorization__service", "authorization__member"
    )


def notices_of_member(user, member) -> QuerySet[Notice]:
    return visible_notices(user).filter(authorization__member=member)
