"""Browser views for authorizations: thin, calling authorizations and notices services."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common import listing
from common.forms import apply_errors
from common.http import safe_next
from common.pagination import paged
from members.models import Language
from members.selectors import eligibility_on
from notices import services as notice_services
from notices.selectors import notices_of_authorization

from . import rules, selectors, services
from .forms import (
    AuthorizationFilter,
    ClosureDecisionForm,
    ClosureRequestForm,
    DecisionForm,
    LegacyChangeForm,
    QueueFilter,
)
from .models import ResponsibleParty, Status

PAGE_SIZE = 50


def _with_due_state(rows):
    now = timezone.now()
    return [(a, rules.due_state(a.due_at, now)) for a in rows]


# Work lists (common/listing.py): the columns each list sorts by and what its CSV holds.
SEARCH_HELP = "Member name, CIN, authorization number or HN authorization number."
_MEMBER = listing.Column("member", "Member", ("member__last_name", "member__first_name"))
_SERVICE = listing.Column("service", "Service", ("service__name",))
_PROVIDER = listing.Column("provider", "Provider", ("provider__name",))
AUTHORIZATION_COLUMNS = (
    _MEMBER,
    _SERVICE,
    _PROVIDER,
    listing.Column("dates", "Dates", ("start_date", "end_date")),
    listing.Column("status", "Status", (listing.by_label("status", Status.choices),)),
    listing.Column(
        "responsible",
        "Responsible",
        (listing.by_label("responsible_party", ResponsibleParty.choices),),
    ),
    listing.Column("hn_number", "HN number", ("hn_authorization_number",)),
)
QUEUE_COLUMNS = (
    listing.Column("due", "Due", ("due_at",)),
    _MEMBER,
    _SERVICE,
    _PROVIDER,
    listing.Column("network", "Health network", ("member_network__name",)),
    listing.Column("urgency", "Urgency", ("urgency",)),
    listing.Column("reviewer", "Reviewer", ("reviewer__last_name", "reviewer__first_name")),
    listing.Column(
        "language", "Language", (listing.by_label("member__preferred_language", Language.choices),)
    ),
    listing.Column("actions", "Actions", hidden_label=True),
)


def _day(value) -> str:
    return value.isoformat() if value else ""


AUTHORIZATION_CSV = (
    ("authorization", lambda a: a.pk),
    ("member", lambda a: f"{a.member.last_name}, {a.member.first_name}"),
    ("preferred_language", lambda a: a.member.get_preferred_language_display()),
    ("service", lambda a: a.service.name),
    ("provider", lambda a: a.provider),
    ("start_date", lambda a: _day(a.start_date)),
    ("end_date", lambda a: _day(a.end_date)),
    ("status", lambda a: a.get_status_display()),
    ("urgency", lambda a: a.get_urgency_display()),
    ("responsible_party", lambda a: a.responsible_label),
    ("hn_authorization_number", lambda a: a.hn_authorization_number),
)


def _due(a) -> str:
    return timezone.localtime(a.due_at).strftime("%Y-%m-%d %H:%M") if a.due_at else ""


QUEUE_CSV = (
    ("due_pt", _due),
    *AUTHORIZATION_CSV[:5],
    ("health_network", lambda a: a.member_network or ""),
    ("urgency", lambda a: a.get_urgency_display()),
    ("reviewer", lambda a: a.reviewer.get_full_name() if a.reviewer else ""),
)


def _work_list(request, name, columns, filter_class, queryset):
    """A list as asked: scope (R-X2) in `queryset`, filters, search and sort."""
    work = listing.WorkList(
        request,
        name,
        columns,
        form_kwargs={"help_text": SEARCH_HELP},
        kept_params=tuple(filter_class.base_filters),
    )
    data = request.POST if request.method == "POST" else request.GET
    filters = filter_class(data or None, queryset=queryset)
    rows = selectors.matching(filters.qs, work.criteria.get("q", ""))
    return work, filters, work.sort(rows)


def _queue_rows(request):
    if not request.user.is_caloptima_staff:
        raise Http404
    return _work_list(
        request, "queue", QUEUE_COLUMNS, QueueFilter, selectors.review_queue(request.user)
    )


def queue(request):
    """The utilization review work queue (R-A8): pending requests, most urgent first."""
    work, filters, rows = _queue_rows(request)
    if redirect_to := work.after_post():
        return redirect_to
    paging = paged(request, rows, PAGE_SIZE)
    return render(
        request,
        "authorizations/queue.html",
        {
            "filter": filters,
            "listing": work,
            **paging,
            "rows": _with_due_state(paging["page"]),
            "closures": selectors.pending_closures_for(request.user),
        },
    )


def queue_export(request):
    """The queue as filtered, searched and sorted, every page, as CSV (an export, R-X3)."""
    _, _, rows = _queue_rows(request)
    return listing.csv_response(listing.export_rows(rows), QUEUE_CSV, "review-queue.csv")


def _authorization_rows(request):
    return _work_list(
        request,
        "authorizations",
        AUTHORIZATION_COLUMNS,
        AuthorizationFilter,
        selectors.authorization_list(request.user),
    )


def authorization_list(request):
    """All authorizations in scope, each labelled with its responsible party (R-A1)."""
    work, filters, rows = _authorization_rows(request)
    if redirect_to := work.after_post():
        return redirect_to
    return render(
        request,
        "authorizations/list.html",
        {
            "filter": filters,
            "listing": work,
            **paged(request, rows, PAGE_SIZE),
            "closures": selectors.pending_closures_for(request.user),
        },
    )


def authorization_list_export(request):
    """The filtered authorization list, every page, as CSV (an export, R-X3)."""
    _, _, rows = _authorization_rows(request)
    return listing.csv_response(listing.export_rows(rows), AUTHORIZATION_CSV, "authorizations.csv")


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
        letter_language=rules.letter_language(authorization.member.preferred_language),
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
            event = notice_services.decide(
                user=request.user, authorization_id=authorization.pk, **data
            )
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
            messages.success(request, notice_services.what_happens_next(event))
            return redirect("authorizations:detail", pk)
    return _render_detail(request, authorization, decision_form=decision_form)


def _render_detail(request, authorization, *, status=200, **forms):
    """The authorization page, with any bound form given (its errors beside its fields and what
    was typed kept, status 400) and fresh ones for the rest."""
    member = authorization.member
    referral = selectors.referral_of(request.user, authorization)
    forms.setdefault("decision_form", None)
    forms.setdefault("closure_form", ClosureRequestForm())
    forms.setdefault("closure_decision_form", ClosureDecisionForm())
    forms.setdefault("change_form", LegacyChangeForm(initial={"explanation_language": "en"}))
    changes_legacy = services.changes_legacy(request.user, authorization)
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
            **forms,
            "can_decide": services.can_decide(request.user, authorization),
            # R-A2: the HN changes its own legacy authorization itself rather than asking itself.
            "can_request_closure": services.can_request_closure(request.user, authorization)
            and not changes_legacy,
            "can_change_legacy": changes_legacy,
            "can_decide_closures": services.decides_closures(request.user, authorization),
            "due_state": rules.due_state(authorization.due_at, timezone.now()),
            "pending": authorization.status == Status.PENDING,
        },
        status=status,
    )


def _form_step(request, pk: int, form, *, run, form_name: str):
    """One form of the authorization page: accepted, the message and back to the page; refused,
    the page again with the error beside the field and what was typed kept (400)."""
    if form.is_valid():
        try:
            message = run(form.cleaned_data)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
            return redirect("authorizations:detail", pk)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("authorizations:detail", pk)
    page = selectors.decision_page(request.user, pk)
    return _render_detail(request, page, status=400, **{form_name: form})


@require_POST
def request_closure(request, pk: int):
    """The provider asks the responsible party to change or end an authorization (R-A2)."""
    authorization = selectors.authorization_detail(request.user, pk)

    def run(data):
        services.request_closure(user=request.user, authorization_id=authorization.pk, **data)
        return "Your request was sent to the responsible party."

    form = ClosureRequestForm(request.POST)
    return _form_step(request, pk, form, run=run, form_name="closure_form")


@require_POST
def decide_closure(request, pk: int, closure_id: int):
    """The responsible party approves or rejects a change or end request (R-A2, R-N5)."""
    authorization = selectors.authorization_detail(request.user, pk)
    if not authorization.closure_requests.filter(pk=closure_id).exists():
        raise Http404

    def run(data):
        event = notice_services.decide_closure(
            user=request.user,
            closure_id=closure_id,
            approve=request.POST.get("decision") == "approve",
            note=data["note"],
            notice_exception=data["notice_exception"] or None,
            member_explanation=data["member_explanation"],
            explanation_language=data["explanation_language"],
        )
        if event.kind == "closure_rejected":
            return "Request rejected."
        return notice_services.what_happens_next(event)

    form = ClosureDecisionForm(request.POST)
    return _form_step(request, pk, form, run=run, form_name="closure_decision_form")


@require_POST
def change_legacy(request, pk: int):
    """R-A2: the HN ends or changes its own legacy authorization in one step; the letter follows
    from the HN (R-N1)."""
    authorization = selectors.authorization_detail(request.user, pk)

    def run(data):
        event = notice_services.change_legacy(
            user=request.user, authorization_id=authorization.pk, **data
        )
        done = "ended" if event.kind == "terminated" else "changed"
        # Only what will happen: the letter and its date, or no letter.
        return f"The authorization is {done}. {notice_services.what_happens_next(event)}"

    form = LegacyChangeForm(request.POST)
    return _form_step(request, pk, form, run=run, form_name="change_form")
