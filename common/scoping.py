"""R-X2 in one place: CalOptima Health staff see every record; anyone else sees what their
organization has a part in; no one unauthenticated or without an organization sees anything."""

from collections.abc import Callable

from django.db.models import Q, QuerySet


def scoped(queryset: QuerySet, user, organization_part: Callable[[int], Q]) -> QuerySet:
    if not user.is_authenticated:
        return queryset.none()
    if user.is_caloptima_staff:
        return queryset
    if user.organization_id is None:
        return queryset.none()
    return queryset.filter(organization_part(user.organization_id))
