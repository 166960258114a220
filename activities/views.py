"""Browser views for ECM activities (R-F1): thin, calling activities services and selectors."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from authorizations.models import IN_FORCE
from common.dates import business_today
from common.forms import apply_errors
from common.pagination import paged

from . import rules, selectors, services
from .forms import ActivityForm

PAGE_SIZE = 50
RECENT = 5
# The last type and method logged, preselected on the next entry form.
LAST_CHOICES = "activities_last_choices"


def _remembered(request) -> dict:
    kept = request.session.get(LAST_CHOICES) or {}
    return {k: v for k, v in kept.items() if k in ("activity_type", "method")}


def _logged_message(activity) -> str:
    return (
        f"Logged: {activity.get_activity_type_display()}, "
        f"{activity.get_method_display().lower()}, {activity.units} "
        f"unit{'s' if activity.units != 1 else ''} on {activity.date:%-d %B %Y}."
    )


def log(request, pk: int):
    """The fast entry form for one authorization: saved, back to an empty form with the last type
    and method preselected; refused, the errors beside their fields and what was typed kept."""
    authorization = selectors.authorization_of(request.user, pk)
    if not services.can_log(request.user, authorization):
        raise PermissionDenied(services.NOT_THE_PROVIDER)
    data = request.POST if request.method == "POST" else None
    form = ActivityForm(
        data,
        confirming=bool(data and "confirm_duplicate" in data),
        initial={"date": business_today(), **_remembered(request)},
    )
    status = 200
    if data is not None:
        status = 400
        if form.is_valid():
            values = form.cleaned_data
            try:
                activity = services.log_activity(
                    user=request.user, authorization=authorization, **values
                )
            except services.DuplicateActivity as exc:
                form.add_confirm()
                apply_errors(form, exc)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                request.session[LAST_CHOICES] = {
                    "activity_type": activity.activity_type,
                    "method": activity.method,
                }
                messages.success(request, _logged_message(activity))
                return redirect("activities:log", pk)
        form.focus_first_error()
    return _render_log(request, authorization, form, status)


def _render_log(request, authorization, form, status):
    month = business_today().replace(day=1)
    mine = selectors.activity_rows(request.user).filter(authorization_id=authorization.pk)
    return render(
        request,
        "activities/log.html",
        {
            "a": authorization,
            "form": form,
            "problem": rules.authorization_problem(
                service_kind=authorization.service.kind,
                in_force=authorization.status in IN_FORCE,
            ),
            "recent": list(mine[:RECENT]),
            "month_units": selectors.units_in_month(mine, month),
            "month": month,
        },
        status=status,
    )


def for_authorization(request, pk: int):
    """One authorization's activities, with units per month (R-F1, R-$1)."""
    authorization = selectors.authorization_of(request.user, pk)
    rows = selectors.activity_rows(request.user).filter(authorization_id=authorization.pk)
    return render(
        request,
        "activities/list.html",
        {
            "a": authorization,
            "member": authorization.member,
            "months": selectors.units_by_month(rows),
            "can_log": services.can_log(request.user, authorization),
            **paged(request, rows, PAGE_SIZE),
        },
    )


def for_member(request, pk: int):
    """A member's activities the user may see (their organization's; CalOptima Health: all)."""
    member = selectors.member_of(request.user, pk)
    rows = selectors.activity_rows(request.user).filter(member_id=member.pk)
    return render(
        request,
        "activities/list.html",
        {
            "a": None,
            "member": member,
            "show_provider": True,
            "months": selectors.units_by_month(rows),
            **paged(request, rows, PAGE_SIZE),
        },
    )


def members(request):
    """The provider's ECM members: an ECM authorization of the organization in force today, each
    with its units this month and a link to log an activity."""
    today = business_today()
    rows = selectors.ecm_members(request.user, today)
    paging = paged(request, rows, PAGE_SIZE)
    return render(
        request,
        "activities/members.html",
        {
            **paging,
            "rows": [(a, services.can_log(request.user, a)) for a in paging["page"]],
            "today": today,
            "month": today.replace(day=1),
        },
    )
