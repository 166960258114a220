"""Browser views for authorizations: thin, calling authorizations and notices services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.forms import apply_errors
from common.http import safe_next
from common.pagination import paged
from members.selectors import eligibility_on
from notices import services as notice_services
from notices.selectors import notices_of_authorization

from . import rules, selectors, services
from .forms import (
    AuthorizationFilter,
    ClosureDecisionForm,
    ClosureRequestForm,
    DecisionForm,
    QueueFilter,
)
from .models import Status

PAGE_SIZE = 50


def _with_due_state(rows):
    now = timezone.now()
    return [(a, rules.due_state(a.due_at, now)) for a in rows]


def queue(request):
    """The utilization review work queue (R-A8): pending requests, most urgent first."""
    if not request.user.is_caloptima_staff:
        raise Http404
    filters = QueueFilter(request.GET or None, queryset=selectors.review_queue(request.user))
    paging = paged(request, filters.qs, PAGE_SIZE)
    return render(
        request,
        "authorizations/queue.html",
        {
            "filter": filters,
            **paging,
            "rows": _with_due_state(paging["page"]),
            "closures": selectors.pending_closures_for(request.user),
        },
    )


def authorization_list(request):
    """All authorizations in scope, each labelled with its responsible party (R-A1)."""
    filters = AuthorizationFilter(
        request.GET or None, queryset=selectors.authorization_list(request.user)
    )
    return render(
        request,
        "authorizations/list.html",
        {
            "filter": filters,
            **paged(request, filters.qs, PAGE_SIZE),
            "closures": selectors.pending_closures_for(request.user),
        },
    )


@require_POST
def assign_to_me(request, pk: int):
    authorization = selectors.authorization_detail(request.user, pk)
    try:
        services.assign(user=request.user, authorization_id=authorization.pk)
        messages.success(request, "Assigned to you.")
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect(safe_next(request, reverse("authorizations:detail", args=[pk])))


def detail(request, pk: int):
    """What a reviewer needs on one screen: eligibility on the start date, POFs, the referral and
    its attachments, earlier authorizations, history, letters; and the decision form."""
    authorization = selectors.decision_page(request.user, pk)
    decision_form = DecisionForm(
        request.POST or None,
        initial={
            "start_date": authorization.start_date,
            "end_date": authorization.end_date,
            "units": authorization.units,
            "provider": authorization.provider_id,
        },
    )
    if request.method == "POST" and decision_form.is_valid():
        data = decision_form.cleaned_data
        try:
            notice_services.decide(user=request.user, authorization_id=authorization.pk, **data)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            # Another reviewer decided first, or no form is shown (a legacy authorization, R-A2):
            # say why on the page, with the current state.
            if hasattr(exc, "current") or not services.can_decide(request.user, authorization):
                messages.error(request, " ".join(exc.messages))
                return redirect("authorizations:detail", pk)
            apply_errors(decision_form, exc)
        else:
            messages.success(request, "Decision recorded; the letter is being prepared.")
            return redirect("authorizations:detail", pk)
    member = authorization.member
    referral = selectors.referral_of(request.user, authorization)
    return render(
        request,
        "authorizations/detail.html",
        {
            "a": authorization,
            "verdict": eligibility_on(member, authorization.start_date),
            "referral": referral,
            "attachments": referral.attachments.all() if referral else [],
            "earlier": selectors.earlier_authorizations(request.user, authorization),
            "notices": notices_of_authorization(authorization),
            "decision_form": decision_form,
            "can_decide": services.can_decide(request.user, authorization),
            "closure_form": ClosureRequestForm(),
            "can_request_closure": services.can_request_closure(request.user, authorization),
            "closure_decision_form": ClosureDecisionForm(),
            "can_decide_closures": services.decides_closures(request.user, authorization),
            "due_state": rules.due_state(authorization.due_at, timezone.now()),
            "pending": authorization.status == Status.PENDING,
        },
    )


@require_POST
def request_closure(request, pk: int):
    authorization = selectors.authorization_detail(request.user, pk)
    form = ClosureRequestForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        services.request_closure(
            user=request.user, authorization_id=authorization.pk, **form.cleaned_data
        )
        messages.success(request, "Your request was sent to the responsible party.")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("authorizations:detail", pk)


@require_POST
def decide_closure(request, pk: int, closure_id: int):
    authorization = selectors.authorization_detail(request.user, pk)
    if not authorization.closure_requests.filter(pk=closure_id).exists():
        raise Http404
    form = ClosureDecisionForm(request.POST)
    form.is_valid()
    try:
        notice_services.decide_closure(
            user=request.user,
            closure_id=closure_id,
            approve=request.POST.get("decision") == "approve",
            note=form.cleaned_data.get("note", ""),
        )
        messages.success(request, "Decision recorded.")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("authorizations:detail", pk)
