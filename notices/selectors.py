"""What the notices app reads: letters of an authorization, letters the user may download."""

from django.db.models import QuerySet

from authorizations.selectors import visible_authorizations

from .models import Notice


def notices_of_authorization(authorization) -> QuerySet[Notice]:
    """For a page that already scoped the authorization to the user: its letters."""
    return Notice.objects.filter(authorization=authorization).select_related("sender")


def visible_notices(user) -> QuerySet[Notice]:
    """R-X2 per record: a letter follows its authorization, not its member. It is visible to
    exactly those who may see the authorization (seeing the member opens nothing else)."""
    return Notice.objects.filter(
        authorization__in=visible_authorizations(user).values("pk")
    ).select_related("sender", "authorization__service", "authorization__member")


def notices_of_member(user, member) -> QuerySet[Notice]:
    return visible_notices(user).filter(authorization__member=member)
