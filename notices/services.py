"""What the notices app does: decisions that send letters, and rendering letters as PDF.

Deciding through this app keeps the decision and the queued letter in one transaction: the letter
task runs after commit (R-N2). A higher app wraps the lower one's service, as STYLE.md says."""

import datetime
import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from authorizations import services as authorization_services
from authorizations.models import Event, ReasonCode
from authorizations.rules import change_is_adverse, is_business_day, parse_changes
from common.dates import business_date
from common.outbox import services as outbox
from providers.models import ServiceKind
from providers.selectors import caloptima_health

from . import rules, tasks
from .models import Kind, Notice
from .texts import REASONS_ES, RIGHT_TO_LEFT, TAGLINES, TEXTS, format_date, service_name

log = logging.getLogger(__name__)
# The decision kinds that may get a letter, for some service kind (R-N2).
LETTER_EVENT_KINDS = [
    kind
    for kind in Event.Kind.values
    if any(
        rules.letter_kind(kind, service, adverse=adverse)
        for service in ServiceKind.values
        for adverse in (True, False)
    )
]


def _letter_kind(event_kind: str, service_kind: str, changes: dict) -> str | None:
    """R-N2 and R-N5: the letter a decision gets. A change is adverse unless it gives what was
    asked (authorizations.rules.change_is_adverse); then it gets an approval of the new dates."""
    adverse = event_kind != Event.Kind.MODIFIED or change_is_adverse(parse_changes(changes))
    return rules.letter_kind(event_kind, service_kind, adverse=adverse)


def letter_kind_of(event: Event) -> str | None:
    return _letter_kind(event.kind, event.authorization.service.kind, event.changes)


def _queue_letter(event: Event) -> None:
    """The letter's task goes in the outbox, in the decision's transaction: the decision never
    commits without it, and it is handed to Celery after the commit, or by the sweep when the
    broker is down (R-N4)."""
    if letter_kind_of(event):
        outbox.enqueue(tasks.render_notice.name, event.pk)


def what_happens_next(event: Event) -> str:
    """The message after a decision: only what will happen (a letter, or none)."""
    kind = letter_kind_of(event)
    if kind is None:
        return "Decision recorded. No letter goes to the member for this decision."
    send_by = rules.notice_dates(business_date(event.at), is_business_day, kind=kind)["send_by"]
    return (
        f"Decision recorded. The member's letter ({Kind(kind).label}) will be listed under "
        f"Letters on this page and is to be mailed by {send_by:%-d %B %Y}."
    )


def queue_missing_letters() -> list[int]:
    """Safety net (R-N4): queue the letter of every recent decision that owes one, has none and
    was never queued (a decision made around this app, a row lost). Returns the decisions."""
    since = timezone.now() - timedelta(days=settings.NOTICE_SWEEP_DAYS)
    decisions = Event.objects.filter(
        kind__in=LETTER_EVENT_KINDS, at__gte=since, notice__isnull=True
    ).values_list("pk", "kind", "authorization__service__kind", "changes")
    owed = [pk for pk, kind, service, changes in decisions if _letter_kind(kind, service, changes)]
    queued = outbox.queued_first_args(tasks.render_notice.name, owed) if owed else set()
    missing = [pk for pk in owed if pk not in queued]
    with transaction.atomic():
        for pk in missing:
            outbox.enqueue(tasks.render_notice.name, pk)
    if missing:
        log.warning("%d decisions owed a letter that was never queued; queued now", len(missing))
    return missing


@transaction.atomic
def decide(**kwargs) -> Event:
    """A reviewer's decision (authorizations.services.decide) and its letter."""
    event = authorization_services.decide(**kwargs)
    _queue_letter(event)
    return event


@transaction.atomic
def decide_closure(**kwargs) -> Event:
    """A closure decision (terminate or modify) and its Notice of Action."""
    event = authorization_services.decide_closure(**kwargs)
    _queue_letter(event)
    return event


@transaction.atomic
def change_legacy(**kwargs) -> Event:
    """An HN ending or changing its own legacy authorization in one step (R-A2) and the letter
    from the HN (R-N1). Part D's entry point; the letter itself is this app's."""
    event = authorization_services.change_legacy(**kwargs)
    _queue_letter(event)
    return event


CHANGE_NAMES = {
    "en": {
        "start_date": "start date",
        "end_date": "end date",
        "units": "units",
        "provider": "provider",
    },
    "es": {
        "start_date": "fecha de inicio",
        "end_date": "fecha final",
        "units": "unidades",
        "provider": "proveedor",
    },
}
# What an empty value means, per field (an open end, no limit on units).
NONE_SHOWN = {
    "en": {"end_date": "no end date", "units": "no limit"},
    "es": {"end_date": "sin fecha final", "units": "sin límite"},
}


def _changes_text(event, language) -> str:
    """'end date December 2, 2024 → June 1, 2025', in the letter's language and date style."""

    def shown(name, value):
        if value is None:
            return NONE_SHOWN[language].get(name, "—")
        if isinstance(value, datetime.date):
            return format_date(value, language)
        return str(value)

    parts = [
        f"{CHANGE_NAMES[language].get(name, name)} {shown(name, old)} → {shown(name, new)}"
        for name, (old, new) in sorted(parse_changes(event.changes).items())
    ]
    return "; ".join(parts) or "—"


def _reason(event: Event, kind: str, language: str) -> str:
    """The reason code's standard text in the letter's language; none on an approval."""
    if not event.reason_code or kind in ("approval", "change_approval"):
        return ""
    if language == "es":
        return REASONS_ES[event.reason_code]
    return ReasonCode(event.reason_code).label


def _explanation(event: Event, language: str) -> str:
    """R-N6: only the explanation written for the member, and only in the letter's language
    (the note for the file is never printed)."""
    written_in = event.explanation_language or "en"
    return event.member_explanation if written_in == language else ""


def letter_context(event: Event) -> dict:
    """Everything the letter says, in the member's language (R-N3) from the responsible party
    (R-N1)."""
    authorization = event.authorization
    member = authorization.member
    kind = letter_kind_of(event)
    if kind is None:
        raise ValueError(f"{event.get_kind_display()} on {authorization} gets no letter (R-N2).")
    language = rules.letter_language(member.preferred_language)
    t = TEXTS[language]
    sender = authorization.health_network if authorization.is_legacy else caloptima_health()
    dates = rules.notice_dates(business_date(event.at), is_business_day, kind=kind)
    fmt = lambda day: format_date(day, language)  # noqa: E731
    fields = {
        "name": member.full_name,
        "service": service_name(authorization.service, language),
        "provider": authorization.provider.name,
        "sender": sender.name,
        "start": fmt(authorization.start_date),
        "end": fmt(authorization.end_date),
        "received": fmt(business_date(authorization.received_at)),
        "changes": _changes_text(event, language),
    }
    # R-N5: the date of action of a termination or reduction.
    effective = event.effective_date if kind in ("termination", "modification") else None
    criteria_key = "criteria_ecm" if authorization.service.kind == "ecm" else "criteria_cs"
    return {
        "kind": kind,
        "adverse": kind in rules.ADVERSE_KINDS,
        "language": language,
        "large_print": member.alternative_format == "large_print",
        "t": t,
        "title": t["title"][kind],
        "dear": t["dear"].format(**fields),
        "about": t["about"].format(**fields),
        "decision": t["decision"][kind].format(**fields),
        "effective": t["effective"].format(date=fmt(effective)) if effective else "",
        "effective_date": effective,
        "reason": _reason(event, kind, language),
        "explanation": _explanation(event, language),
        "criteria": t[criteria_key].format(**fields),
        "appeal": t["appeal"].format(appeal_by=fmt(dates["appeal_by"]))
        if dates["appeal_by"]
        else "",
        "notice_date": fmt(dates["notice_date"]),
        "member": member,
        "sender": sender,
        "taglines": TAGLINES,
        "rtl": RIGHT_TO_LEFT,
        "dates": dates,
    }


def render_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string("notices/letter.html", context)
    # Tagged PDF (PDF/UA-1): a structure tree, /MarkInfo and the document language from
    # <html lang>, so screen readers can read the letter.
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def render_notice(*, event_id: int) -> Notice | None:
    """Render and store the letter for a decision. Idempotent: a decision has one letter, however
    often this runs (R-F4 spirit; task retries, double queueing)."""
    existing = Notice.objects.filter(event_id=event_id).first()
    if existing:
        return existing
    event = Event.objects.select_related(
        "authorization__member",
        "authorization__service",
        "authorization__provider",
        "authorization__health_network",
    ).get(pk=event_id)
    if letter_kind_of(event) is None:
        return None  # R-N2: CS approvals and non-decisions get no letter
    context = letter_context(event)
    pdf = render_pdf(context)
    notice = Notice(
        authorization=event.authorization,
        event=event,
        kind=context["kind"],
        language=context["language"],
        large_print=context["large_print"],
        sender=context["sender"],
        checksum=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        effective_date=context["effective_date"],
        **context["dates"],
    )
    notice.pdf.save(f"{event.pk}.pdf", ContentFile(pdf), save=False)
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:
        notice.pdf.delete(save=False)
        return Notice.objects.get(event_id=event_id)
    log.info("notice %s rendered for decision %s", notice.pk, event_id)
    return notice
