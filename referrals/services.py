"""What the referrals app does: submit, route, move through statuses, message, attach, and take
public self-referrals. One transaction each; bad input raises ValidationError naming the field
and saves nothing."""

import datetime
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from common.dates import business_date, business_today
from common.limits import MESSAGE, SHORT_TEXT, TEXT
from common.outbox import services as outbox
from common.phones import normalize_phone
from members.models import Language, Member, PopulationOfFocus, cin_validator
from members.rules import plain_verdict
from members.selectors import can_see_member, eligibility_on
from providers.models import Role
from providers.selectors import (
    caloptima_health,
    ecm_panel_of,
    offering_of,
    referral_providers,
)
from providers.services import release_slot, take_slot

from . import rules, selectors, tasks
from .models import (
    Attachment,
    Message,
    Referral,
    SelfReferral,
    Source,
    Status,
    StatusChange,
    ThreadRead,
    Urgency,
)
from .selectors import open_referrals_for

HOUSING_NAVIGATION = "CS_HOUSING_NAVIGATION"
# Stored as "<user id>:<key>" in a 120-character column.
IDEMPOTENCY_KEY_MAX_LENGTH = 100


DUPLICATE_HELD_ELSEWHERE = (
    "An open referral for this member and this service already exists. If you confirm that a "
    "second referral is needed, CalOptima Health will reconcile the two."
)


class DuplicateReferral(ValidationError):
    """An open referral exists for this member and service: shown before a second is made. It
    names the open referral only to a user who may see it (R-X2); `visible` says which."""

    def __init__(self, existing: Referral, *, visible: bool = False):
        self.existing, self.visible = existing, visible
        text = (
            f"{existing.reference} for this member and service is still open "
            f"({existing.get_status_display()}). Open it, or confirm that a second "
            "referral is needed."
            if visible
            else DUPLICATE_HELD_ELSEWHERE
        )
        super().__init__({"confirm_duplicate": text})


def _queue_email(task, *args):
    """Through the outbox: the row commits with this transaction and the email goes after the
    commit, or once the broker is back; never lost, never sent twice for one row."""
    outbox.enqueue(task.name, *args)


def source_for(organization) -> str:
    """The referral source implied by the referring organization's kind."""
    if organization is None:
        return Source.SELF
    if organization.is_caloptima:
        return Source.OTHER
    if organization.is_health_network:
        return Source.HEALTH_NETWORK
    if organization.is_county:
        return Source.COUNTY
    if organization.is_cs_provider and not organization.is_caloptima:
        return Source.CS_PROVIDER
    if organization.is_ecm_provider:
        return Source.HEALTH_CARE_PROVIDER
    if organization.is_referring_organization:
        return Source.COMMUNITY_ORGANIZATION
    return Source.OTHER


NO_PROVIDER_NOTE = (
    "No organization is accepting referrals for this service today: CalOptima Health assigns a "
    "provider."
)


def no_provider_accepting(service) -> bool:
    """No organization accepts referrals for the service today (e.g. every offering is paused):
    the referral goes to CalOptima Health for assignment rather than to a dead end."""
    return not referral_providers(service).exists()


def unheld_populations(member, populations, on: datetime.date) -> list[str]:
    """The claimed POF codes the member does not hold on `on` by the records (R-P2 evidence)."""
    held = {
        p.population.code
        for p in member.populations.all()
        if p.start_date <= on and (p.end_date is None or on <= p.end_date)
    }
    return sorted({p.code for p in populations} - held)


def pof_words(codes) -> str:
    """'POF 2 (Individuals at risk ...)': people read a POF's name, not only its number."""
    codes = sorted(codes)
    if not codes:
        return "none"
    names = dict(PopulationOfFocus.objects.filter(code__in=codes).values_list("code", "name"))
    return ", ".join(
        f"POF {code} ({names[code]})" if code in names else f"POF {code}" for code in codes
    )


def referral_warnings(*, member, on, service, populations, provider) -> dict[str, str]:
    """What deserves a second look before a referral goes, by field, without refusing it: a
    claimed POF the member does not hold on the date; a provider whose ECM panel has none of the
    claimed POFs (R-P2; refused outright when the referral would go straight to it)."""
    warnings: dict[str, str] = {}
    populations = list(populations)
    if service.kind != "ecm" or not populations:
        return warnings
    if member is not None and on is not None:
        unheld = unheld_populations(member, populations, on)
        if unheld:
            warnings["populations"] = (
                f"The member's records show no {pof_words(unheld)} on {on:%-d %B %Y}. The "
                "referral will be flagged for CalOptima Health to check the evidence."
            )
    if provider is not None:
        panel = ecm_panel_of(provider)
        claimed = {p.code for p in populations}
        if not claimed & panel:
            warnings["receiving_organization"] = (
                f"{provider}'s ECM panel has none of the claimed POFs ({pof_words(claimed)}); "
                f"it serves {pof_words(panel)}."
            )
    return warnings


def assigned_by_caloptima(user) -> bool:
    """R-R4: the user's referrals go to CalOptima Health for provider assignment (a health
    network's staff); the provider they choose travels as the requested provider."""
    org = getattr(user, "organization", None)
    return bool(org and org.is_health_network and not org.is_caloptima)


def _route(*, user, service, populations, chosen, self_referral, errors) -> tuple[object, str, str]:
    """Where a new referral goes, its first status, and why (R-R3, R-R4, R-P2)."""
    caloptima = caloptima_health()
    org = user.organization if user else None
    if self_referral and not (service.code == HOUSING_NAVIGATION and org and org.is_cs_provider):
        errors["self_referral"] = (
            "Only a Community Supports provider referring its own client for housing navigation "
            "can mark a self-referral."
        )
        return caloptima, Status.IN_REVIEW, ""
    if assigned_by_caloptima(user):
        # R-R4: the coordinator's choice travels as the requested provider; it must offer the
        # service, and CalOptima Health assigns (a panel without the claimed POF is a warning).
        note = "R-R4: health network referrals go to CalOptima Health for provider assignment."
        if chosen is not None and offering_of(chosen, service) is None:
            errors["receiving_organization"] = f"{chosen} does not offer {service.name.lower()}."
        elif chosen is not None:
            note += f" Requested provider: {chosen}."
        return caloptima, Status.IN_REVIEW, note
    if service.code == HOUSING_NAVIGATION:
        if self_referral:
            offering = offering_of(org, service)
            if offering is None:
                errors["self_referral"] = f"{org} does not offer {service.name.lower()}."
            return org, Status.SENT, "R-R3: routed back to the referring CS provider to fulfil."
        return caloptima, Status.IN_REVIEW, "R-R3: housing navigation goes to CalOptima Health."
    if service.kind == "cs":
        if chosen is None and no_provider_accepting(service):
            return caloptima, Status.IN_REVIEW, NO_PROVIDER_NOTE
        if chosen is None:
            errors["receiving_organization"] = "Choose a provider that offers this service."
            return caloptima, Status.IN_REVIEW, ""
        offering = offering_of(chosen, service)
        if offering is None:
            errors["receiving_organization"] = f"{chosen} does not offer {service.name.lower()}."
        elif not offering.accepting_referrals:
            errors["receiving_organization"] = f"{chosen} is not accepting referrals for this."
        return chosen, Status.SENT, "R-R3: sent to the chosen provider."
    # ECM
    if chosen is None:
        return caloptima, Status.IN_REVIEW, "No provider chosen: CalOptima Health assigns one."
    offering = offering_of(chosen, service)
    panel = ecm_panel_of(chosen)
    claimed = {p.code for p in populations}
    if offering is None:
        errors["receiving_organization"] = f"{chosen} is not an ECM provider."
    elif not offering.accepting_referrals:
        errors["receiving_organization"] = f"{chosen} is not accepting ECM referrals."
    elif not claimed:
        errors["populations"] = "Claim the Population of Focus this provider serves."
    elif not claimed & panel:
        errors["receiving_organization"] = (
            f"{chosen} does not serve {pof_words(claimed)} (R-P2); it serves {pof_words(panel)}."
        )
    return chosen, Status.SENT, "R-P2: sent to an ECM provider whose panel has the POF."


def routing_problems(
    *, user, service, populations, receiving_organization, self_referral: bool
) -> dict[str, str]:
    """Why a referral could not go where asked (R-R3, R-R4, R-P2), by field: for forms that show
    it beside the field before submission."""
    errors: dict[str, str] = {}
    _route(
        user=user,
        service=service,
        populations=list(populations),
        chosen=receiving_organization,
        self_referral=self_referral,
        errors=errors,
    )
    return errors


def eligibility_problems(
    *, member, service, on: datetime.date, errors: dict, plain: bool = False
) -> list[str]:
    """Certain refusals go into `errors` (R-M3..R-M5, R-C1); review flags are returned. `plain`
    for a user who may not see the member yet: the refusal names no program or POF (R-X2)."""
    if on < service.available_from:
        errors["service"] = (
            f"{service.name} is available from {service.available_from:%-d %B %Y} (R-C1)."
        )
    verdict = eligibility_on(member, on)
    blocking = verdict.blocking_reasons(service.kind)
    if blocking:
        errors["member"] = (
            # Words only: a rule id would name the program too (R-M4 is PACE).
            " ".join(r.text for r in plain_verdict(verdict).blocking_reasons(service.kind))
            if plain
            else " ".join(f"{r.text} ({r.code})" for r in blocking)
        )
        return []
    if service.kind == "ecm" and not verdict.ecm_eligible:
        return [f"{r.text} ({r.code})" for r in verdict.reasons if r.service_kind == "ecm"]
    return []


def _read_uploads(uploads, errors) -> list[tuple[object, str]]:
    checked = []
    for upload in uploads or ():
        content_type, problem = rules.check_upload(upload)
        if problem:
            errors["attachments"] = f"{upload.name} {problem}"
        else:
            checked.append((upload, content_type))
    return checked


def create_referral(
    *,
    user,
    member,
    service,
    requested_start_date: datetime.date | None,
    reason: str,
    member_consent: bool,
    urgency: str = Urgency.ROUTINE,
    expedited_justification: str = "",
    notes: str = "",
    authorized_representative: str = "",
    populations=(),
    receiving_organization=None,
    self_referral: bool = False,
    idempotency_key: str | None = None,
    confirm_duplicate: bool = False,
    attachments=(),
) -> tuple[Referral, bool]:
    """Submit a referral (R-R1, R-R2): checks, routing, history, notification. Returns (referral,
    created); a repeated idempotency key returns the first referral and creates nothing."""
    if idempotency_key and len(idempotency_key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationError(
            {"idempotency_key": f"At most {IDEMPOTENCY_KEY_MAX_LENGTH} characters."}
        )
    key = f"{user.pk}:{idempotency_key}" if idempotency_key else None
    if key:
        existing = Referral.objects.filter(idempotency_key=key).first()
        if existing:
            return existing, False
    errors: dict[str, str] = {}
    populations = list(populations)
    if not (reason or "").strip():
        errors["reason"] = "Say why the member needs this service."
    for field, value, limit in (
        ("reason", reason, TEXT),
        ("notes", notes, TEXT),
        ("expedited_justification", expedited_justification, TEXT),
        ("authorized_representative", authorized_representative, SHORT_TEXT),
    ):
        if len((value or "").strip()) > limit:
            errors[field] = _too_long(limit, value.strip())
    if not member_consent:
        errors["member_consent"] = "The member (or their representative) must consent."
    if urgency not in Urgency.values:
        errors["urgency"] = f"'{urgency}' is not routine or expedited."
    elif urgency == Urgency.EXPEDITED and not (expedited_justification or "").strip():
        errors["expedited_justification"] = "An expedited referral needs a justification."
    start_problem = requested_start_date and rules.start_date_problem(
        requested_start_date, business_today()
    )
    if requested_start_date is None:
        errors["requested_start_date"] = "Give the requested start date."
        review = []
    elif start_problem:
        errors["requested_start_date"] = start_problem
        review = []
    else:
        review = eligibility_problems(
            member=member,
            service=service,
            on=requested_start_date,
            errors=errors,
            plain=not can_see_member(user, member),
        )
    if service.kind != "ecm" and populations:
        errors["populations"] = "Populations of Focus are claimed for ECM referrals only."
    receiver, first_status, route_note = _route(
        user=user,
        service=service,
        populations=populations,
        chosen=receiving_organization,
        self_referral=self_referral,
        errors=errors,
    )
    uploads = _read_uploads(attachments, errors)
    if errors:
        raise ValidationError(errors)
    if service.kind == "ecm" and populations and requested_start_date:
        unproven = unheld_populations(member, populations, requested_start_date)
        if unproven:
            review.append(f"POF {', '.join(unproven)} claimed without evidence on record.")
    # R-R4: a provider asked for by a referrer whose referral CalOptima Health assigns.
    requested = (
        receiving_organization
        if receiving_organization is not None and receiver != receiving_organization
        else None
    )
    if requested is not None and "receiving_organization" in referral_warnings(
        member=None, on=None, service=service, populations=populations, provider=requested
    ):
        review.append(f"The requested provider {requested} serves none of the claimed POFs.")
    if route_note == NO_PROVIDER_NOTE:
        review.append(NO_PROVIDER_NOTE)
    if not confirm_duplicate:
        twin = _twin_or_refuse(user, open_referrals_for(member, service).first(), key)
        if twin:
            return twin, False

    try:
        with transaction.atomic():
            if not confirm_duplicate:
                # R-R2 under concurrency: submissions for one member queue on the member's row,
                # and the duplicate check is repeated under that lock before the insert.
                Member.objects.select_for_update().filter(pk=member.pk).values_list(
                    "pk", flat=True
                ).first()
                twin = _twin_or_refuse(
                    user, selectors.open_referrals_for(member, service).first(), key
                )
                if twin:
                    return twin, False
            referral = Referral.objects.create(
                member=member,
                service=service,
                source=source_for(user.organization),
                referring_organization=user.organization,
                referring_user=user,
                receiving_organization=receiver,
                requested_provider=requested,
                self_referral=self_referral,
                urgency=urgency,
                expedited_justification=(expedited_justification or "").strip(),
                requested_start_date=requested_start_date,
                reason=reason.strip(),
                notes=(notes or "").strip(),
                member_consent=member_consent,
                authorized_representative=(authorized_representative or "").strip(),
                needs_review=bool(review),
                review_notes=" ".join(review),
                status=Status.SUBMITTED,
                status_changed_at=timezone.now(),
                idempotency_key=key,
            )
            _finish_submission(referral, populations, user, first_status, route_note, uploads)
    except IntegrityError:
        # A concurrent submission with the same idempotency key won the race: return its result.
        if key:
            existing = Referral.objects.filter(idempotency_key=key).first()
            if existing:
                return existing, False
        raise
    return referral, True


def _twin_or_refuse(user, duplicate, key):
    """None without an open duplicate; the duplicate when it is this very request made
    concurrently (same idempotency key); else DuplicateReferral, naming the open referral only to
    a user who may see it (R-X2)."""
    if duplicate is None:
        return None
    if key and duplicate.idempotency_key == key:
        return duplicate
    visible = selectors.visible_referrals(user).filter(pk=duplicate.pk).exists()
    raise DuplicateReferral(duplicate, visible=visible)


def _finish_submission(referral, populations, user, first_status, route_note, uploads):
    referral.reference = f"R-{business_date(referral.created_at).year}-{referral.pk:06d}"
    referral.save(update_fields=["reference"])
    referral.populations.set(populations)
    StatusChange.objects.create(
        referral=referral, from_status="", to_status=Status.SUBMITTED, actor=user
    )
    StatusChange.objects.create(
        referral=referral, from_status=Status.SUBMITTED, to_status=first_status, note=route_note
    )
    referral.status = first_status
    referral.save(update_fields=["status"])
    for upload, content_type in uploads:
        _store_attachment(referral, upload, content_type, user)
    _queue_email(tasks.notify_new_referral, referral.pk)


def parties(user, referral) -> set[str]:
    """Which parties the user is for this referral (see rules.TRANSITIONS)."""
    found = set()
    if user.is_caloptima_staff:
        found.add("caloptima")
        if user.role == Role.UTILIZATION_REVIEWER or user.is_superuser:
            found.add("reviewer")
    if user.organization_id and user.organization_id == referral.receiving_organization_id:
        found.add("receiver")
    if user.organization_id and user.organization_id == referral.referring_organization_id:
        found.add("referrer")
    return found


@transaction.atomic
def move(*, user, referral_id: int, to: str, note: str = "", **changes) -> Referral:
    """Move a referral to a new status if the user's party may (rules.TRANSITIONS); record who,
    when, from, to and the note; tell the referrer after commit. Changes nothing on refusal."""
    referral = Referral.objects.select_for_update().get(pk=referral_id)
    problem = rules.transition_problem(referral.status, to, parties(user, referral))
    if problem:
        raise ValidationError({"status": problem})
    field = rules.NOTE_REQUIRED.get(to)
    note = (note or "").strip()
    if field and not note:
        raise ValidationError({field: "Give the reason."})
    if len(note) > TEXT:
        raise ValidationError({field or "note": _too_long(TEXT, note)})
    _capacity_follows(referral, to)
    change = StatusChange.objects.create(
        referral=referral, from_status=referral.status, to_status=to, actor=user, note=note.strip()
    )
    referral.status = to
    referral.status_changed_at = change.at
    if field:
        setattr(referral, field, note.strip())
    for name, value in changes.items():
        setattr(referral, name, value)
    referral.save()
    _queue_email(tasks.notify_status_change, change.pk)
    return referral


# Statuses in which an accepted referral holds one of the receiver's open slots (R-R3).
HOLDS_SLOT = frozenset(
    {Status.ACCEPTED, Status.AUTHORIZATION_REQUESTED, Status.AUTHORIZED, Status.SERVICE_STARTED}
)


def _capacity_follows(referral, to: str) -> None:
    """Accepting takes a slot of the receiver's offering of the service; closing (or a denial)
    gives it back. Accepting at 0 open slots is refused (take_slot says why)."""
    held, holds = referral.status in HOLDS_SLOT, to in HOLDS_SLOT
    if holds and not held:
        take_slot(organization=referral.receiving_organization, service=referral.service)
    elif held and not holds:
        release_slot(organization=referral.receiving_organization, service=referral.service)


def _too_long(limit: int, text: str) -> str:
    return f"Keep this under {limit:,} characters (it has {len(text):,}); nothing was lost."


def accept(*, user, referral_id: int, note: str = "") -> Referral:
    return move(user=user, referral_id=referral_id, to=Status.ACCEPTED, note=note)


def decline(*, user, referral_id: int, reason: str) -> Referral:
    return move(user=user, referral_id=referral_id, to=Status.DECLINED, note=reason)


def assign_provider(*, user, referral_id: int, provider, note: str = "") -> Referral:
    """CalOptima Health staff send a referral in review to a provider (R-R4, R-P2)."""
    referral = Referral.objects.select_related("service").get(pk=referral_id)
    errors: dict[str, str] = {}
    _route(
        user=None,
        service=referral.service,
        populations=list(referral.populations.all()),
        chosen=provider,
        self_referral=False,
        errors=errors,
    )
    if provider is None:
        errors["receiving_organization"] = "Choose the provider to send it to."
    if errors:
        raise ValidationError(errors)
    return move(
        user=user,
        referral_id=referral_id,
        to=Status.SENT,
        note=note or f"Assigned to {provider}.",
        receiving_organization=provider,
    )


def request_authorization(*, user, referral_id: int, note: str = "") -> Referral:
    return move(user=user, referral_id=referral_id, to=Status.AUTHORIZATION_REQUESTED, note=note)


def record_authorization(*, user, referral_id: int, authorized: bool, note: str = "") -> Referral:
    """The authorization decision moves the referral on (closed loop)."""
    to = Status.AUTHORIZED if authorized else Status.DENIED
    return move(user=user, referral_id=referral_id, to=to, note=note)


def start_service(*, user, referral_id: int, note: str = "") -> Referral:
    return move(user=user, referral_id=referral_id, to=Status.SERVICE_STARTED, note=note)


def close(*, user, referral_id: int, reason: str) -> Referral:
    return move(user=user, referral_id=referral_id, to=Status.CLOSED, note=reason)


# --- Re-sending a declined referral (R-R2: no dead end) -------------------------------------------


def resend_problem(user, referral: Referral, *, resent_as=None) -> str | None:
    """Why the user may not re-send this referral to another provider (None if they may): only a
    declined referral, once, by its referring organization. `resent_as`: the re-sent referrals
    when the caller has them already."""
    if referral.status != Status.DECLINED:
        return "Only a declined referral can be sent to another provider."
    if "referrer" not in parties(user, referral):
        return "Only the organization that made the referral can send it to another provider."
    again = referral.resent_as.first() if resent_as is None else next(iter(resent_as), None)
    if again is not None:
        return f"This referral was already sent again as {again.reference}."
    return None


@transaction.atomic
def resend_referral(*, user, referral_id: int, receiving_organization=None) -> Referral:
    """A declined referral sent to another provider without retyping: a new referral with the
    same member, service, POFs, reason, notes, urgency, consent, dates and copies of the
    attachments, routed as any new referral (create_referral, R-R3, R-R4, R-P2) and linked both
    ways (resent_from / resent_as). One transaction: nothing is made on refusal."""
    old = (
        Referral.objects.select_for_update().select_related("member", "service").get(pk=referral_id)
    )
    problem = resend_problem(user, old)
    if problem:
        raise ValidationError({"status": problem})
    if receiving_organization is not None and receiving_organization.pk == (
        old.receiving_organization_id
    ):
        raise ValidationError(
            {"receiving_organization": f"{receiving_organization} declined it: choose another."}
        )
    copies = [File(a.file.open("rb"), name=a.original_name) for a in old.attachments.all()]
    try:
        new, _ = create_referral(
            user=user,
            member=old.member,
            service=old.service,
            requested_start_date=old.requested_start_date,
            reason=old.reason,
            member_consent=old.member_consent,
            urgency=old.urgency,
            expedited_justification=old.expedited_justification,
            notes=old.notes,
            authorized_representative=old.authorized_representative,
            populations=list(old.populations.all()),
            receiving_organization=receiving_organization,
            attachments=copies,
        )
    finally:
        for copy in copies:
            copy.close()
    new.resent_from = old
    new.save(update_fields=["resent_from"])
    # Named on the page only to those who may see it (R-X2): the history says no more.
    new.history.filter(to_status=Status.SUBMITTED).update(
        note="Sent again after another provider declined it."
    )
    return new


# --- Messages and attachments (R-R5) --------------------------------------------------------------


@transaction.atomic
def post_message(*, user, referral: Referral, body: str) -> Message:
    """Post to a referral's thread; the caller has already checked the user can see it."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a message."})
    if len(body) > MESSAGE:
        raise ValidationError({"body": _too_long(MESSAGE, body)})
    message = Message.objects.create(
        referral=referral, author=user, organization=user.organization, body=body
    )
    mark_read(user=user, referral=referral)
    return message


def mark_read(*, user, referral: Referral) -> None:
    """The user has read the thread. Writes only when someone else's message is newer than the
    user's last read, in one statement: reading a thread again (or in parallel) writes nothing, and
    two first reads at once do not fail (the loser of the insert finds the row there)."""
    latest = max(
        (m.created_at for m in referral.messages.all() if m.author_id != user.pk), default=None
    )
    if latest is None:
        return
    read_at = (
        ThreadRead.objects.filter(user=user, referral=referral)
        .values_list("read_at", flat=True)
        .first()
    )
    if read_at is not None and read_at >= latest:
        return
    now = timezone.now()
    if read_at is not None:
        ThreadRead.objects.filter(user=user, referral=referral, read_at__lt=now).update(read_at=now)
        return
    try:
        with transaction.atomic():
            ThreadRead.objects.create(user=user, referral=referral, read_at=now)
    except IntegrityError:
        pass  # a parallel read of the same thread recorded it first


def _store_attachment(referral, upload, content_type, user) -> Attachment:
    return Attachment.objects.create(
        referral=referral,
        file=upload,
        original_name=upload.name[-200:],
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )


@transaction.atomic
def add_attachment(*, user, referral: Referral, upload) -> Attachment:
    errors: dict[str, str] = {}
    checked = _read_uploads([upload], errors)
    if errors:
        raise ValidationError(errors)
    return _store_attachment(referral, checked[0][0], checked[0][1], user)


# --- Public self-referral (R-R1) ------------------------------------------------------------------

CONFIRMATION_ALPHABET = "ACDEFGHJKLMNPQRTUVWXY3479"


def _confirmation_number() -> str:
    part = lambda: "".join(secrets.choice(CONFIRMATION_ALPHABET) for _ in range(4))  # noqa: E731
    return f"SR-{part()}-{part()}"


# R-R1: what the public self-referral form says when it refuses (in the page's language, R-M7).
SELF_REFERRAL_ERRORS = {
    "required": gettext_lazy("This field is required."),
    "future_birth_date": gettext_lazy("Birth date cannot be in the future."),
    "cin": gettext_lazy("A Medi-Cal CIN is 8 digits followed by a capital letter, e.g. 91234567A."),
    "phone": gettext_lazy("Enter a 10-digit US phone number, for example (714) 555-0100."),
    "language": gettext_lazy("Choose a language from the list."),
    "service": gettext_lazy("Choose the service you are asking for."),
    "consent": gettext_lazy("We need your consent to share this request with CalOptima Health."),
    "too_long": gettext_lazy("Use at most %(limit)d characters (you typed %(length)d)."),
}


def _self_referral_text_errors(errors: dict, **texts: str) -> None:
    """Required names, and no text longer than its column (the form shows each limit)."""
    for field, value in texts.items():
        limit = SelfReferral._meta.get_field(field).max_length
        if field != "submitted_by" and not value:
            errors[field] = SELF_REFERRAL_ERRORS["required"]
        elif len(value) > limit:
            too_long = {"limit": limit, "length": len(value)}
            errors[field] = SELF_REFERRAL_ERRORS["too_long"] % too_long


@transaction.atomic
def submit_self_referral(
    *,
    first_name: str,
    last_name: str,
    birth_date: datetime.date | None,
    phone: str,
    language: str,
    service,
    consent: bool,
    cin: str = "",
    submitted_by: str = "",
) -> SelfReferral:
    """A member (or someone for them) asks for ECM or a Community Support without logging in. The
    phone number is stored in one form, (714) 555-0100."""
    errors = {}
    first_name, last_name = (first_name or "").strip(), (last_name or "").strip()
    submitted_by = (submitted_by or "").strip()
    _self_referral_text_errors(
        errors, first_name=first_name, last_name=last_name, submitted_by=submitted_by
    )
    if not (phone or "").strip():
        errors["phone"] = SELF_REFERRAL_ERRORS["required"]
    else:
        try:
            phone = normalize_phone(phone)
        except ValidationError:
            errors["phone"] = SELF_REFERRAL_ERRORS["phone"]
    if birth_date is None:
        errors["birth_date"] = SELF_REFERRAL_ERRORS["required"]
    elif birth_date > business_today():
        errors["birth_date"] = SELF_REFERRAL_ERRORS["future_birth_date"]
    cin = (cin or "").strip().upper()
    if cin:
        try:
            cin_validator(cin)
        except ValidationError:
            errors["cin"] = SELF_REFERRAL_ERRORS["cin"]
    if language not in Language.values:
        errors["language"] = SELF_REFERRAL_ERRORS["language"]
    if service is None:
        errors["service"] = SELF_REFERRAL_ERRORS["service"]
    if not consent:
        errors["consent"] = SELF_REFERRAL_ERRORS["consent"]
    if errors:
        raise ValidationError(errors)
    return SelfReferral.objects.create(
        confirmation_number=_confirmation_number(),
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        cin=cin,
        phone=phone,
        language=language,
        service=service,
        submitted_by=submitted_by,
        consent=True,
    )


def _pending_self_referral(user, self_referral_id) -> SelfReferral:
    if not user.is_caloptima_staff:
        raise PermissionDenied("CalOptima Health staff take self-referrals in.")
    form = SelfReferral.objects.select_for_update().get(pk=self_referral_id)
    if form.status != SelfReferral.IntakeStatus.PENDING:
        raise ValidationError({"status": f"This self-referral was already {form.status}."})
    return form


@transaction.atomic
def match_self_referral(*, user, self_referral_id: int, member) -> Referral:
    """Intake: CalOptima Health staff match a public self-referral to a member; the referral then
    proceeds in review at CalOptima Health."""
    form = _pending_self_referral(user, self_referral_id)
    errors: dict[str, str] = {}
    today = business_today()
    review = eligibility_problems(member=member, service=form.service, on=today, errors=errors)
    if errors:
        raise ValidationError(errors)
    if no_provider_accepting(form.service):
        review.append(NO_PROVIDER_NOTE)
    referral = Referral.objects.create(
        member=member,
        service=form.service,
        source=Source.SELF,
        referrer_contact=f"{form.submitted_by or 'The member'}, phone {form.phone}",
        receiving_organization=caloptima_health(),
        requested_start_date=today,
        reason=f"Public self-referral {form.confirmation_number}.",
        member_consent=True,
        needs_review=bool(review),
        review_notes=" ".join(review),
        status=Status.SUBMITTED,
        status_changed_at=timezone.now(),
    )
    referral.reference = f"R-{business_date(referral.created_at).year}-{referral.pk:06d}"
    referral.status = Status.IN_REVIEW
    referral.save(update_fields=["reference", "status"])
    StatusChange.objects.create(
        referral=referral, to_status=Status.SUBMITTED, note=form.confirmation_number
    )
    StatusChange.objects.create(
        referral=referral,
        from_status=Status.SUBMITTED,
        to_status=Status.IN_REVIEW,
        actor=user,
        note="Self-referral matched to the member at intake.",
    )
    form.status = SelfReferral.IntakeStatus.MATCHED
    form.referral = referral
    form.decided_by, form.decided_at = user, timezone.now()
    form.save()
    return referral


@transaction.atomic
def reject_self_referral(*, user, self_referral_id: int, note: str) -> SelfReferral:
    form = _pending_self_referral(user, self_referral_id)
    if not (note or "").strip():
        raise ValidationError({"intake_note": "Say why it is rejected."})
    form.status = SelfReferral.IntakeStatus.REJECTED
    form.intake_note = note.strip()
    form.decided_by, form.decided_at = user, timezone.now()
    form.save()
    return form
