"""Browser views for referrals: thin, calling referrals.services."""

import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from formtools.wizard.storage.session import SessionStorage
from formtools.wizard.views import SessionWizardView

from authorizations import services as authorization_services
from common.forms import apply_errors
from common.http import safe_next
from common.pagination import paged
from members.rules import plain_verdict
from members.selectors import can_see_member, eligibility_on, member_by_identity
from providers.selectors import (
    offerings_of_organization,
    offerings_of_service,
    referral_providers,
)

from . import rules, selectors, services
from .forms import (
    AttachmentForm,
    DetailsStepForm,
    IntakeMatchForm,
    IntakeRejectForm,
    MemberStepForm,
    MessageForm,
    MoveForm,
    ReferralFilter,
    ReviewStepForm,
    SelfReferralForm,
    ServiceStepForm,
)
from .models import ATTACHMENT_EXTENSIONS, Attachment, Referral, Status

PAGE_SIZE = 25


def referral_list(request):
    """My referrals: those the user's organization made or received, filtered, sorted, paginated."""
    qs = selectors.referral_list(request.user, unread_for=request.user)
    filters = ReferralFilter(request.GET or None, queryset=qs)
    return render(
        request,
        "referrals/list.html",
        {"filter": filters, **paged(request, filters.qs if filters.is_bound else qs, PAGE_SIZE)},
    )


def inbox(request):
    """What waits on the user's organization, with its published capacity."""
    rows = [
        (r, {name for name, _, _ in available_actions(request.user, r)})
        for r in selectors.inbox(request.user)
    ]
    return render(
        request,
        "referrals/inbox.html",
        {
            "rows": rows,
            "capacity": offerings_of_organization(request.user.organization),
            "move_form": MoveForm(),
        },
    )


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


def available_actions(user, referral) -> list[tuple[str, str, str]]:
    who = services.parties(user, referral)
    found = []
    for name, (target, label, note_label, _) in ACTIONS.items():
        if rules.transition_problem(referral.status, target, who) is None:
            found.append((name, label, note_label))
    return found


def detail(request, pk: int):
    referral = selectors.referral_detail(request.user, pk)
    services.mark_read(user=request.user, referral=referral)
    return _detail_page(request, referral)


def _detail_page(request, referral, *, attachment_form=None, status=200):
    actions = available_actions(request.user, referral)
    providers = None
    if any(name == "assign" for name, _, _ in actions):
        providers = referral_providers(referral.service)
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "actions": actions,
            "providers": providers,
            "message_form": MessageForm(),
            "attachment_form": attachment_form or AttachmentForm(),
            "owner": referral.receiving_organization,
            "next_steps": [Status(s).label for s in rules.next_steps(referral.status)]
            or (["Closed"] if referral.status != Status.CLOSED else []),
        },
        status=status,
    )


@require_POST
def move(request, pk: int, action: str):
    referral = selectors.referral_detail(request.user, pk)
    if action not in ACTIONS:
        raise Http404
    form = MoveForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    try:
        if action == "assign":
            services.assign_provider(
                user=request.user,
                referral_id=referral.pk,
                provider=form.cleaned_data.get("provider"),
                note=note,
            )
        elif action == "accept":
            # Accepting opens the authorization request (closed loop, issue 4).
            authorization_services.accept_referral(
                user=request.user, referral_id=referral.pk, note=note
            )
        elif action == "request_authorization":
            authorization_services.request_for_referral(
                user=request.user, referral_id=referral.pk, note=note
            )
        else:
            services.move(
                user=request.user, referral_id=referral.pk, to=ACTIONS[action][0], note=note
            )
    except ValidationError as exc:
        messages.error(request, " ".join(m for msgs in exc.message_dict.values() for m in msgs))
    else:
        messages.success(request, f"{referral.reference} {ACTIONS[action][3]}.")
    return redirect(safe_next(request, reverse("referrals:detail", args=[referral.pk])))


@require_POST
def post_message(request, pk: int):
    referral = selectors.referral_detail(request.user, pk)
    try:
        services.post_message(user=request.user, referral=referral, body=request.POST.get("body"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
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
            return {
                "service": service,
                "user": self.request.user,
                "providers": referral_providers(service) if service else None,
            }
        return {}

    def get_form_initial(self, step):
        if step == "review":
            token = self.storage.extra_data.setdefault("token", uuid.uuid4().hex)
            return {"token": token}
        return super().get_form_initial(step)

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
        if step == "details" and service is not None:
            context["not_accepting"] = [
                o for o in offerings_of_service(service) if not o.accepting_referrals
            ]
            context["routes_to_caloptima"] = service.code == services.HOUSING_NAVIGATION
        if step == "review":
            context["details"] = self.get_cleaned_data_for_step("details")
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


@login_not_required
@ratelimit(key="ip", rate="5/h", method="POST", block=False)
def self_referral(request):
    # Bound on every POST, even an empty one (an unbound form cannot carry the limit's error).
    form = SelfReferralForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.is_valid()
            form.add_error(
                None, "Too many requests from this connection. Please call CalOptima Health."
            )
        elif form.is_valid():
            try:
                submitted = services.submit_self_referral(**form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                request.session["self_referral_confirmation"] = submitted.confirmation_number
                return redirect("self_referral_thanks")
    return render(request, "referrals/self_referral.html", {"form": form})


@login_not_required
def self_referral_thanks(request):
    number = request.session.get("self_referral_confirmation")
    if not number:
        return redirect("self_referral")
    return render(request, "referrals/self_referral_thanks.html", {"number": number})


def intake(request):
    if not request.user.is_caloptima_staff:
        raise Http404
    return render(
        request,
        "referrals/intake.html",
        {
            "pending": selectors.pending_self_referrals(request.user),
            "match_form": IntakeMatchForm(),
            "reject_form": IntakeRejectForm(),
        },
    )


@require_POST
def intake_match(request, pk: int):
    if not request.user.is_caloptima_staff:
        raise Http404
    form = IntakeMatchForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        member = member_by_identity(**form.cleaned_data)
        if member is None:
            raise ValidationError({"cin": "No member has this CIN with this birth date."})
        referral = services.match_self_referral(
            user=request.user, self_referral_id=pk, member=member
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("referrals:intake")
    messages.success(request, f"Matched: referral {referral.reference} is in review.")
    return redirect("referrals:detail", referral.pk)


@require_POST
def intake_reject(request, pk: int):
    if not request.user.is_caloptima_staff:
        raise Http404
    form = IntakeRejectForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.reject_self_referral(user=request.user, self_referral_id=pk, note=note)
        messages.success(request, "Self-referral rejected.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("referrals:intake")
