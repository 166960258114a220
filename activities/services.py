"""What the activities app does: ECM provider staff log an activity against an ECM authorization of
their organization in force (R-F1). One transaction; a refusal raises ValidationError keyed by
field and saves nothing."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from authorizations.models import IN_FORCE, Authorization
from common.dates import business_today
from providers.models import Role

from . import rules
from .models import EcmActivity

# Who logs activities: the provider's staff, and its site administrators, who may act as staff
# (as they keep its capacity, providers.services.can_edit_capacity). CalOptima Health and the
# health networks read them; they do not deliver them (unless the network is the provider).
LOGGING_ROLES = (Role.PROVIDER_STAFF, Role.SITE_ADMIN)

NOT_THE_PROVIDER = "Only the provider's own staff log activities against its authorizations."


class DuplicateActivity(ValidationError):
    """The same member, date, type and method is already logged by this provider: a warning that
    the user may confirm past (`confirm_duplicate=True`)."""

    def __init__(self):
        super().__init__({"confirm_duplicate": rules.DUPLICATE})


def can_log(user, authorization) -> bool:
    """Provider staff (or a site administrator) of the authorization's provider."""
    return (
        getattr(user, "is_authenticated", False)
        and user.organization_id is not None
        and user.organization_id == authorization.provider_id
        and user.role in LOGGING_ROLES
    )


def is_duplicate(*, authorization, date, activity_type: str, method: str) -> bool:
    """R-X2: only this provider's own activities count; another provider's are never hinted at."""
    return EcmActivity.objects.filter(
        provider_id=authorization.provider_id,
        member_id=authorization.member_id,
        date=date,
        activity_type=activity_type,
        method=method,
    ).exists()


@transaction.atomic
def log_activity(
    *,
    user,
    authorization,
    date: datetime.date,
    activity_type: str,
    method: str,
    units: int,
    outcome: str = "",
    note: str = "",
    confirm_duplicate: bool = False,
) -> EcmActivity:
    """Log one ECM activity (R-F1). The authorization row is locked first, so two submissions of
    the same activity (a double click) queue: the second sees the first as a duplicate."""
    locked = (
        Authorization.objects.select_for_update(of=("self",))
        .select_related("service")
        .get(pk=authorization.pk)
    )
    if not can_log(user, locked):
        raise ValidationError({"authorization": NOT_THE_PROVIDER})
    outcome, note = (outcome or "").strip(), (note or "").strip()
    problems = {}
    problem = rules.authorization_problem(
        service_kind=locked.service.kind, in_force=locked.status in IN_FORCE
    )
    if problem:
        problems["authorization"] = problem
    problems.update(
        rules.activity_problems(
            on=date,
            today=business_today(),
            start=locked.start_date,
            end=locked.end_date,
            activity_type=activity_type,
            method=method,
            units=units,
            outcome=outcome,
            note=note,
        )
    )
    if problems:
        raise ValidationError(problems)
    if not confirm_duplicate and is_duplicate(
        authorization=locked, date=date, activity_type=activity_type, method=method
    ):
        raise DuplicateActivity()
    return EcmActivity.objects.create(
        authorization=locked,
        member_id=locked.member_id,
        provider_id=locked.provider_id,
        date=date,
        activity_type=activity_type,
        method=method,
        units=units,
        outcome=outcome,
        note=note,
        logged_by=user,
    )
