"""Browser views for referrals: thin, calling referrals.services."""

import uuid
from pathlib import Path

import phonenumbers
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from formtools.wizard.storage.session import SessionStorage
from formtools.wizard.views import SessionWizardView

from authorizations import services as authorization_services
from common import listing
from common.forms import apply_errors
from common.http import safe_next
from common.i18n import translated
from common.limits import TEXT, limit_help
from common.pagination import paged
from members.models import Language
from members.rules import plain_verdict
from members.selectors import can_see_member, eligibility_on, member_by_identity, visible_members
from providers.models import Organization
from providers.selectors import (
    offerings_of_organization,
    offerings_of_service,
    referral_providers,
    services_with_providers,
)

from . import rules, selectors, services
from .forms import (
    ActionForm,
    AttachmentForm,
    DetailsStepForm,
    IntakeMatchForm,
    IntakeRejectForm,
    MemberStepForm,
    MessageForm,
    MoveForm,
    ReferralFilter,
    ResendForm,
    ReviewStepForm,
    SelfReferralForm,
    ServiceStepForm,
)
from .models import ATTACHMENT_EXTENSIONS, Attachment, Referral, Status

PAGE_SIZE = 25


# Work lists (common/listing.py): the columns each list sorts by and what its CSV holds.
SEARCH_HELP = "Member name, CIN, or referral reference."
_MEMBER = listing.Column("member", "Member", ("member__last_name", "member__first_name"))
_LANGUAGE = listing.Column(
    "language", "Language", (listing.by_label("member__preferred_language", Language.choices),)
)
_SERVICE = listing.Column("service", "Service", ("service__name",))
_STATUS = listing.Column("status", "Status", (listing.by_label("status", Status.choices),))
_URGENCY = listing.Column("urgency", "Urgency", ("urgency",))
_FROM = listing.Column("from", "From", ("referring_organization__name",))
REFERRAL_COLUMNS = (
    listing.Column("reference", "Reference", ("reference",)),
    _MEMBER,
    _LANGUAGE,
    _SERVICE,
    _STATUS,
    listing.Column("with", "With", ("receiving_organization__name",)),
    _URGENCY,
    listing.Column("created", "Created", ("created_at",)),
    listing.Column("messages", "Messages", ("unread",)),
)
INBOX_COLUMNS = (
    listing.Column("reference", "Reference", ("reference",)),
    _MEMBER,
    _LANGUAGE,
    _SERVICE,
    _FROM,
    _URGENCY,
    _STATUS,
    listing.Column("decide", "Decide"),
)
REFERRAL_CSV = (
    ("reference", lambda r: r.reference),
    ("member", lambda r: f"{r.member.last_name}, {r.member.first_name}"),
    ("preferred_language", lambda r: r.member.get_preferred_language_display()),
    ("service", lambda r: r.service.name),
    ("status", lambda r: r.get_status_display()),
    ("from", lambda r: r.referring_organization or "Self-referral"),
    ("with", lambda r: r.receiving_organization),
    ("urgency", lambda r: r.get_urgency_display()),
    ("created", lambda r: timezone.localtime(r.created_at).date().isoformat()),
)


def _referral_rows(request):
    """The referral list as asked: scope (R-X2), filters, search and sort."""
    work = listing.WorkList(
        request,
        "referrals",
        REFERRAL_COLUMNS,
        form_kwargs={"help_text": SEARCH_HELP},
        kept_params=tuple(ReferralFilter.base_filters),
    )
    qs = selectors.referral_list(request.user, unread_for=request.user)
    data = request.POST if request.method == "POST" else request.GET
    filters = ReferralFilter(data or None, queryset=qs)
    filters.filters.pop("ordering", None)  # the column headers sort
    rows = filters.qs if filters.is_bound else qs
    return work, filters, work.sort(selectors.matching(rows, work.criteria.get("q", "")))


def referral_list(request):
    """My referrals: those the user's organization made or received, searched, filtered, sorted,
    paginated."""
    work, filters, rows = _referral_rows(request)
    if redirect_to := work.after_post():
        return redirect_to
    return render(
        request,
        "referrals/list.html",
        {"filter": filters, "listing": work, **paged(request, rows, PAGE_SIZE)},
    )


def referral_list_export(request):
    """The filtered referral list, every page, as CSV (recorded as an export, R-X3)."""
    _, _, rows = _referral_rows(request)
    return listing.csv_response(listing.export_rows(rows), REFERRAL_CSV, "referrals.csv")


def _inbox_rows(request):
    work = listing.WorkList(request, "inbox", INBOX_COLUMNS, form_kwargs={"help_text": SEARCH_HELP})
    rows = selectors.matching(selectors.inbox(request.user), work.criteria.get("q", ""))
    return work, work.sort(rows)


def inbox(request):
    """What waits on the user's organization, with its published capacity."""
    work, rows = _inbox_rows(request)
    if redirect_to := work.after_post():
        return redirect_to
    return render(
        request,
        "referrals/inbox.html",
        {
            "listing": work,
            "rows": [(r, {name for name, *_ in available_actions(request.user, r)}) for r in rows],
            "capacity": offerings_of_organization(request.user.organization),
            "move_form": MoveForm(),
        },
    )


def inbox_export(request):
    """The inbox as searched and sorted, every page, as CSV (recorded as an export, R-X3)."""
    _, rows = _inbox_rows(request)
    return listing.csv_response(listing.export_rows(rows), REFERRAL_CSV, "referral-inbox.csv")


ACTIONS = {
    # action name: (target status, button label, note label, what the success message says)
    "assign": (Status.SENT, "Send to provider", "Note", "was sent to the provider"),
    "accept": (
        Status.ACCEPTED,
        "Accept",
        "Note",
        "was accepted; its authorization request is open",
    ),
    "decline": (
        Status.DECLINED,
        "Decline",
        "Reason (required)",
        "was declined; the referrer can see the reason",
    ),
    "request_authorization": (
        Status.AUTHORIZATION_REQUESTED,
        "Request authorization",
        "Note",
        "has an authorization request",
    ),
    "start_service": (Status.SERVICE_STARTED, "Service started", "Note", "is marked as started"),
    "close": (Status.CLOSED, "Close", "Reason for closing (required)", "is closed"),
}


# Irreversible actions ask first (static/js/confirm.js): the question shown in the dialog.
CONFIRM = {
    "decline": "Decline this referral? The referrer is told, with your reason, and it cannot be "
    "undone.",
    "close": "Close this referral? The loop ends here and it cannot be reopened.",
}
# A service's error key -> the field of the action form it belongs beside.
ACTION_ERROR_FIELDS = {
    "decline_reason": "note",
    "closed_reason": "note",
    "receiving_organization": "provider",
}


def available_actions(user, referral) -> list[tuple[str, str, str]]:
    who = services.parties(user, referral)
    found = []
    for name, (target, label, note_label, _) in ACTIONS.items():
        if rules.transition_problem(referral.status, target, who) is None:
            found.append((name, label, note_label))
    return found


def _action_form(referral, name: str, data=None) -> ActionForm:
    target, _, note_label, _ = ACTIONS[name]
    form = ActionForm(
        data,
        action=name,
        note_label=note_label,
        reason_required=target in rules.NOTE_REQUIRED,
        providers=referral_providers(referral.service) if name == "assign" else None,
    )
    if name == "assign":
        _assignment_choices(form, referral)
    return form


def _assignment_choices(form, referral) -> None:
    """Sending on from review: the provider the referrer asked for comes preselected (R-R4); when
    no organization accepts the service today, no empty list: `no_provider` says so instead."""
    field = form.fields["provider"]
    offered = set(field.queryset.values_list("pk", flat=True))
    form.no_provider = not offered
    requested = referral.requested_provider_id
    if requested in offered:
        field.initial = requested
        field.help_text = f"{referral.requested_provider} was requested by the referrer."
    elif requested:
        field.help_text = (
            f"{referral.requested_provider} was requested by the referrer but is not accepting "
            "referrals for this service now."
        )


def _apply_action_errors(form, exc: ValidationError) -> None:
    """A service's refusal beside the field it concerns, else at the top of the action's form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, errors in exc.message_dict.items():
        field = ACTION_ERROR_FIELDS.get(key, key)
        form.add_error(field if field in form.fields else None, errors)


def _linked_referrals(user, referral) -> tuple[Referral | None, list[Referral]]:
    """The referral this one re-sends and those re-sending it, each only if the user may see it
    (R-X2): one query."""
    linked = (
        selectors.visible_referrals(user)
        .filter(Q(pk=referral.resent_from_id) | Q(resent_from=referral))
        .only("pk", "reference", "resent_from_id")
        .order_by("created_at")
    )
    resent_from, resent_as = None, []
    for other in linked:
        if other.pk == referral.resent_from_id:
            resent_from = other
        else:
            resent_as.append(other)
    return resent_from, resent_as


def detail(request, pk: int):
    referral = selectors.referral_detail(request.user, pk)
    services.mark_read(user=request.user, referral=referral)
    return _detail_page(request, referral)


def _detail_page(
    request, referral, *, attachment_form=None, message_form=None, action_form=None, status=200
):
    """The referral page; a form given bound is shown with its errors beside its fields."""
    actions = [
        (
            name,
            label,
            action_form
            if action_form is not None and action_form.action == name
            else _action_form(referral, name),
            CONFIRM.get(name, ""),
        )
        for name, label, _ in available_actions(request.user, referral)
    ]
    resent_from, resent_as = _linked_referrals(request.user, referral)
    language = referral.member.preferred_language
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "actions": actions,
            "message_form": message_form or MessageForm(),
            "attachment_form": attachment_form or AttachmentForm(),
            "owner": referral.receiving_organization,
            "next_steps": [Status(s).label for s in rules.next_steps(referral.status)]
            or (["Closed"] if referral.status != Status.CLOSED else []),
            "resent_from": resent_from,
            "resent_as": resent_as,
            "can_resend": services.resend_problem(request.user, referral, resent_as=resent_as)
            is None,
            "language": Language(language).label,
            "interpreter_needed": language != Language.ENGLISH,
        },
        status=status,
    )


def _do_action(user, referral, action: str, data: dict) -> None:
    note = data.get("note", "")
    if action == "assign":
        services.assign_provider(
            user=user, referral_id=referral.pk, provider=data.get("provider"), note=note
        )
    elif action == "accept":
        # Accepting opens the authorization request (closed loop, issue 4).
        authorization_services.accept_referral(user=user, referral_id=referral.pk, note=note)
    elif action == "request_authorization":
        authorization_services.request_for_referral(user=user, referral_id=referral.pk, note=note)
    else:
        services.move(user=user, referral_id=referral.pk, to=ACTIONS[action][0], note=note)


@require_POST
def move(request, pk: int, action: str):
    referral = selectors.referral_detail(request.user, pk)
    if action not in ACTIONS:
        raise Http404
    form = _action_form(referral, action, request.POST)
    if form.is_valid():
        try:
            _do_action(request.user, referral, action, form.cleaned_data)
        except ValidationError as exc:
            _apply_action_errors(form, exc)
    if not form.errors:
        messages.success(request, f"{referral.reference} {ACTIONS[action][3]}.")
        return redirect(safe_next(request, reverse("referrals:detail", args=[referral.pk])))
    if action not in {name for name, _, _ in available_actions(request.user, referral)}:
        # Not an action of this user here: there is no form to show the refusal beside.
        messages.error(request, " ".join(m for msgs in form.errors.values() for m in msgs))
        return redirect(safe_next(request, reverse("referrals:detail", args=[referral.pk])))
    # The page again, the refusal beside the field and what was typed kept; nothing changed.
    return _detail_page(request, referral, action_form=form, status=400)


@require_POST
def post_message(request, pk: int):
    referral = selectors.referral_detail(request.user, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.post_message(
                user=request.user, referral=referral, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    if form.errors:  # the page again, the message kept in its box with the refusal beside it
        return _detail_page(request, referral, message_form=form, status=400)
    return redirect(reverse("referrals:detail", args=[pk]) + "#messages")


@require_POST
def add_attachment(request, pk: int):
    referral = selectors.referral_detail(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(
                user=request.user, referral=referral, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
    if form.errors:  # the page again, with the refusal beside the field; nothing stored
        return _detail_page(request, referral, attachment_form=form, status=400)
    messages.success(request, "Attachment added.")
    return redirect(reverse("referrals:detail", args=[pk]) + "#attachments")


def _resend_providers(referral):
    """Providers offering the service with open slots, except the one that declined (R-R3)."""
    open_offerings = offerings_of_service(referral.service).filter(
        accepting_referrals=True, open_slots__gt=0
    )
    return (
        Organization.objects.filter(
            pk__in=open_offerings.exclude(
                organization_id=referral.receiving_organization_id
            ).values("organization_id")
        )
        .active()
        .order_by("name")
    )


def resend(request, pk: int):
    """Send a declined referral to another provider: choose the provider, nothing retyped."""
    referral = selectors.referral_detail(request.user, pk)
    problem = services.resend_problem(request.user, referral)
    if problem:  # said on the page itself: no message left waiting in the session
        return render(
            request, "referrals/resend.html", {"referral": referral, "problem": problem}, status=409
        )
    org = request.user.organization
    form = ResendForm(
        request.POST if request.method == "POST" else None,
        referral=referral,
        providers=_resend_providers(referral),
        routed_to_caloptima=org is not None and org.is_health_network and not org.is_caloptima,
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = services.resend_referral(
                user=request.user,
                referral_id=referral.pk,
                receiving_organization=form.cleaned_data.get("receiving_organization"),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                f"Referral {new.reference} sent to {new.receiving_organization}, with the details "
                f"and attachments of {referral.reference}.",
            )
            return redirect("referrals:detail", new.pk)
    return render(
        request,
        "referrals/resend.html",
        {
            "referral": referral,
            "form": form,
            "no_room": "receiving_organization" in form.fields
            and not form.fields["receiving_organization"].queryset.exists(),
        },
        status=400 if form.errors else 200,
    )


def download_attachment(request, pk: int):
    attachment = get_object_or_404(
        Attachment.objects.filter(referral__in=selectors.visible_referrals(request.user)), pk=pk
    )
    return attachment_response(attachment)


def attachment_response(attachment) -> FileResponse:
    """A download, never shown inline: saved under the name given with the extension of the type
    its content was checked to be, and the browser told not to guess another type."""
    extension = ATTACHMENT_EXTENSIONS.get(attachment.content_type, "")
    name = Path(attachment.original_name).stem or "attachment"
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=f"{name}{extension}",
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- New referral wizard ------------------------------------------------------------------


class _Redisplay(Exception):
    def __init__(self, response):
        self.response = response


class WizardStorage(SessionStorage):
    """formtools keeps one file per field; the details step takes several attachments. Each file
    is kept under its own key and the field's list rebuilt on reading. Temporary file names are
    random: no personal data in stored paths."""

    SEP = "#"

    def set_step_files(self, step, files):
        stored = self.data[self.step_files_key]
        # A step posted again replaces the files it had.
        self._tmp_files.extend(f["tmp_name"] for f in stored.get(step, {}).values())
        self._files = {key: f for key, f in self._files.items() if key[0] != step}
        stored[step] = {}
        for field, uploads in files.lists() if files else ():
            for i, upload in enumerate(uploads):
                stored[step][f"{field}{self.SEP}{i}"] = {
                    "tmp_name": self.file_storage.save(f"wizard/{uuid.uuid4().hex}", upload),
                    "name": upload.name,
                    "content_type": upload.content_type,
                    "size": upload.size,
                    "charset": upload.charset,
                }

    def get_step_files(self, step):
        files = super().get_step_files(step)
        if not files:
            return files
        grouped = MultiValueDict()
        for key, upload in files.items():  # in the order they were posted
            grouped.appendlist(key.rpartition(self.SEP)[0], upload)
        return grouped


class NewReferralWizard(SessionWizardView):
    """find member -> service -> provider and details -> review -> submit."""

    form_list = [
        ("member", MemberStepForm),
        ("service", ServiceStepForm),
        ("details", DetailsStepForm),
        ("review", ReviewStepForm),
    ]
    file_storage = FileSystemStorage()
    storage_name = "referrals.views.WizardStorage"
    template_name = "referrals/wizard.html"
    titles = {
        "member": "Find the member",
        "service": "Choose the service",
        "details": "Provider and details",
        "review": "Review and submit",
    }

    def _member_step(self):
        data = self.get_cleaned_data_for_step("member")
        return data or {}

    def _service(self):
        data = self.get_cleaned_data_for_step("service")
        return data["service"] if data else None

    def _plain(self, member) -> bool:
        """R-X2: a member found by CIN and birth date may be outside the user's scope; then the
        wizard says eligible or not, and why, naming no program, health network or POF."""
        return not can_see_member(self.request.user, member)

    def get_form_kwargs(self, step=None):
        if step == "service":
            member_data = self._member_step()
            member = member_data.get("member")
            return {
                "member": member,
                "on": member_data.get("requested_start_date"),
                "plain": member is not None and self._plain(member),
            }
        if step == "details":
            service = self._service()
            member_data = self._member_step()
            member, on = member_data.get("member"), member_data.get("requested_start_date")
            held = None
            if member is not None and on is not None and not self._plain(member):
                held = {
                    p.population.code
                    for p in member.populations.all()
                    if p.start_date <= on and (p.end_date is None or on <= p.end_date)
                }
            return {
                "service": service,
                "user": self.request.user,
                "providers": referral_providers(service) if service else None,
                "held": held,
                "on": on,
            }
        return {}

    def get(self, request, *args, **kwargs):
        """A fresh wizard; `?member=<id>` (from the member's page) fills in a member the user may
        see, and is ignored otherwise (R-X2). The id only: no CIN or name in the address."""
        self.storage.reset()
        self.storage.current_step = self.steps.first
        wanted = request.GET.get("member", "")
        if wanted.isdigit() and len(wanted) <= 18:
            found = visible_members(request.user).filter(pk=int(wanted)).first()
            if found is not None:
                self.storage.extra_data["preselected_member_id"] = found.pk
        return self.render(self.get_form())

    def get_form_initial(self, step):
        if step == "review":
            token = self.storage.extra_data.setdefault("token", uuid.uuid4().hex)
            return {"token": token}
        if step == "member" and (member := self._preselected()) is not None:
            return {"cin": member.cin, "birth_date": member.birth_date}
        return super().get_form_initial(step)

    def _preselected(self):
        """The member named by `?member=` when the wizard started, if still in the user's scope.
        (Kept apart from `member`: formtools puts extra_data in the template's context.)"""
        pk = self.storage.extra_data.get("preselected_member_id")
        return visible_members(self.request.user).filter(pk=pk).first() if pk else None

    # Back keeps what was typed on the step being left (even incomplete) as a draft, shown again,
    # without error messages, when the user comes forward; Continue is the form's first button.

    def render_goto_step(self, goto_step, **kwargs):
        leaving = self.request.POST.get(f"{self.prefix}-current_step")
        if leaving == self.steps.current and leaving != "review":
            form = self.get_form(data=self.request.POST, files=self.request.FILES)
            self.storage.set_step_data(leaving, self.process_step(form))
            if self.request.FILES:
                self.storage.set_step_files(leaving, self.request.FILES)
            drafts = self.storage.extra_data.setdefault("drafts", [])
            if leaving not in drafts:
                drafts.append(leaving)
        return super().render_goto_step(goto_step, **kwargs)

    def _draft_form(self, step):
        """The step's form unbound, filled with what was typed before Back (no errors shown)."""
        typed = self.get_form(step, data=self.storage.get_step_data(step))
        initial = {
            name: typed[name].data
            for name, field in typed.fields.items()
            if not isinstance(field, forms.FileField)
        }
        form = self.get_form(step)
        form.initial.update(initial)
        return form

    def process_step(self, form):
        drafts = self.storage.extra_data.get("drafts", [])
        if self.steps.current in drafts:
            drafts.remove(self.steps.current)
        return super().process_step(form)

    def process_step_files(self, form):
        """Files chosen earlier on the details step stay unless others are chosen (a file input
        cannot be filled in again by the page)."""
        files = super().process_step_files(form)
        if self.steps.current == "details" and not files:
            return self.storage.get_step_files("details")
        return files

    def render_next_step(self, form, **kwargs):
        # A claim or a provider that deserves a second look: said once, beside the field, on
        # the details step; Continue again goes on (a warning, not a refusal).
        if self.steps.current == "details":
            warnings = self._warnings(form.cleaned_data)
            seen = sorted(warnings.items())
            if warnings and self.storage.extra_data.get("warned") != [list(w) for w in seen]:
                self.storage.extra_data["warned"] = [list(w) for w in seen]
                form.warn(warnings)
                return self.render(form, **kwargs)
        next_step = self.steps.next
        if next_step in self.storage.extra_data.get("drafts", []):
            self.storage.current_step = next_step
            return self.render(self._draft_form(next_step), **kwargs)
        return super().render_next_step(form, **kwargs)

    def _warnings(self, details) -> dict[str, str]:
        member_data = self._member_step()
        member = member_data.get("member")
        service = self._service()
        if details is None or service is None or member is None or self._plain(member):
            return {}
        return services.referral_warnings(
            member=member,
            on=member_data.get("requested_start_date"),
            service=service,
            populations=details.get("populations") or [],
            provider=details.get("receiving_organization"),
        )

    def _kept_files(self) -> list[str]:
        stored = self.storage.data[self.storage.step_files_key].get("details", {})
        return [f["name"] for f in stored.values()]

    def post(self, *args, **kwargs):
        # A repeated final POST (double click, retry) lands on the referral it already made.
        token = self.request.POST.get("review-token")
        if token:
            existing = Referral.objects.filter(
                idempotency_key=f"{self.request.user.pk}:{token}"
            ).first()
            if existing:
                return redirect("referrals:detail", existing.pk)
        return super().post(*args, **kwargs)

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(form=form, **kwargs)
        step = self.steps.current
        context["title"] = self.titles[step]
        member_data = self._member_step()
        member = member_data.get("member")
        if member is not None:
            context["member"] = member
            context["on"] = member_data["requested_start_date"]
            verdict = eligibility_on(member, member_data["requested_start_date"])
            context["plain"] = self._plain(member)
            context["verdict"] = plain_verdict(verdict) if context["plain"] else verdict
        service = self._service() if step in ("details", "review") else None
        context["service"] = service
        if step == "member":
            context["preselected"] = self._preselected()
        if step == "details" and service is not None:
            context["not_accepting"] = [
                o for o in offerings_of_service(service) if not o.accepting_referrals
            ]
            context["routes_to_caloptima"] = service.code == services.HOUSING_NAVIGATION
            context["health_network"] = getattr(form, "health_network", False)
            context["no_provider"] = getattr(form, "no_provider", False)
            context["warnings"] = getattr(form, "warnings", {})
            context["kept_files"] = self._kept_files()
        if step == "review":
            context["details"] = self.get_cleaned_data_for_step("details")
            context["warnings"] = self._warnings(context["details"])
            context["health_network"] = services.assigned_by_caloptima(self.request.user)
            context["no_provider"] = service is not None and (
                service.kind == "cs"
                and service.code != services.HOUSING_NAVIGATION
                and services.no_provider_accepting(service)
            )
            if member is not None and service is not None:
                # R-X2: the warning names the open referral only to a user who may see it.
                duplicate = selectors.open_referrals_for(member, service).first()
                context["duplicate"] = duplicate
                context["duplicate_visible"] = (
                    duplicate is not None
                    and selectors.visible_referrals(self.request.user)
                    .filter(pk=duplicate.pk)
                    .exists()
                )
        return context

    def render_done(self, form, **kwargs):
        try:
            return super().render_done(form, **kwargs)
        except _Redisplay as redisplay:
            return redisplay.response

    def done(self, form_list, form_dict, **kwargs):
        member_data = form_dict["member"].cleaned_data
        details = form_dict["details"].cleaned_data
        review = form_dict["review"]
        try:
            referral, created = services.create_referral(
                user=self.request.user,
                member=member_data["member"],
                service=form_dict["service"].cleaned_data["service"],
                requested_start_date=member_data["requested_start_date"],
                reason=details["reason"],
                member_consent=details["member_consent"],
                urgency=details["urgency"],
                expedited_justification=details["expedited_justification"],
                notes=details["notes"],
                authorized_representative=details["authorized_representative"],
                populations=details.get("populations") or [],
                receiving_organization=details.get("receiving_organization"),
                self_referral=details.get("self_referral", False),
                idempotency_key=review.cleaned_data["token"],
                confirm_duplicate=review.cleaned_data["confirm_duplicate"],
                attachments=details.get("attachments") or [],
            )
        except ValidationError as exc:
            apply_errors(review, exc)
            self.storage.current_step = "review"
            raise _Redisplay(self.render(review)) from None
        if created:
            messages.success(
                self.request,
                f"Referral {referral.reference} submitted to {referral.receiving_organization}.",
            )
        return redirect("referrals:detail", referral.pk)


new_referral = NewReferralWizard.as_view()


# --- Public self-referral and intake (R-R1) -------------------------------------------------------


def _caloptima_phone() -> dict:
    """CalOptima Health Customer Service as the public pages give it (settings.CALOPTIMA_PHONE)."""
    number = phonenumbers.parse(settings.CALOPTIMA_PHONE, "US")
    return {
        "number": settings.CALOPTIMA_PHONE,
        "tel": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        "tty": settings.CALOPTIMA_TTY,
    }


@translated  # R-M7: English or Spanish, as the visitor chooses
@login_not_required
@ratelimit(key="ip", rate="5/h", method="POST", block=False)
def self_referral(request):
    if request.method == "POST" and getattr(request, "limited", False):
        # Nothing typed is kept or echoed: the visitor is told to call, with the number.
        response = render(
            request,
            "referrals/self_referral_limited.html",
            {"caloptima": _caloptima_phone()},
            status=429,
        )
        response["Retry-After"] = "3600"
        return response
    form = SelfReferralForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            submitted = services.submit_self_referral(**form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session["self_referral_confirmation"] = submitted.confirmation_number
            return redirect("self_referral_thanks")
    return render(
        request, "referrals/self_referral.html", {"form": form, "caloptima": _caloptima_phone()}
    )


@translated
@login_not_required
def self_referral_thanks(request):
    number = request.session.get("self_referral_confirmation")
    if not number:
        return redirect("self_referral")
    return render(
        request,
        "referrals/self_referral_thanks.html",
        {
            "number": number,
            "caloptima": _caloptima_phone(),
            "callback_days": settings.SELF_REFERRAL_CALLBACK_BUSINESS_DAYS,
        },
    )


def intake(
    request, *, rejecting=None, reject_form=None, matching=None, match_form=None, status=200
):
    if not request.user.is_caloptima_staff:
        raise Http404
    pending = list(selectors.pending_self_referrals(request.user))
    # Services no organization accepts today: matching keeps the referral at CalOptima Health
    # for assignment, and the page says so rather than leading to an empty provider list.
    wanted = {p.service_id for p in pending}
    unassignable = wanted - services_with_providers(wanted)
    return render(
        request,
        "referrals/intake.html",
        {
            "pending": pending,
            "unassignable": unassignable,
            "match_form": match_form or IntakeMatchForm(),
            "matching": matching,
            "reject_form": reject_form or IntakeRejectForm(),
            "rejecting": rejecting,
            "text_limit": TEXT,
            "reject_help": limit_help(TEXT),
        },
        status=status,
    )


@require_POST
def intake_match(request, pk: int):
    if not request.user.is_caloptima_staff:
        raise Http404
    form = IntakeMatchForm(request.POST)
    referral = None
    if form.is_valid():
        member = member_by_identity(**form.cleaned_data)
        try:
            if member is None:
                raise ValidationError({"cin": "No member has this CIN with this birth date."})
            referral = services.match_self_referral(
                user=request.user, self_referral_id=pk, member=member
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    if referral is None:  # the page again, the refusal beside the row's fields, typed kept
        return intake(request, matching=pk, match_form=form, status=400)
    said = f"Matched: referral {referral.reference} is in review."
    if services.no_provider_accepting(referral.service):
        said += " No organization accepts this service today: it stays with CalOptima Health."
    messages.success(request, said)
    return redirect("referrals:detail", referral.pk)


@require_POST
def intake_reject(request, pk: int):
    if not request.user.is_caloptima_staff:
        raise Http404
    form = IntakeRejectForm(request.POST)
    if form.is_valid():
        try:
            services.reject_self_referral(
                user=request.user, self_referral_id=pk, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            form.add_error("note", exc.messages)
    if form.errors:  # the page again, the refusal beside the reason, the text kept
        return intake(request, rejecting=pk, reject_form=form, status=400)
    messages.success(request, "Self-referral rejected.")
    return redirect("referrals:intake")
