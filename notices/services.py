"""What the notices app does: decisions that send letters, and rendering letters as PDF.

Deciding through this app keeps the decision and the queued letter in one transaction: the letter
task runs after commit (R-N2). A higher app wraps the lower one's service, as STYLE.md says."""

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from authorizations import services as authorization_services
from authorizations.models import Event
from authorizations.rules import is_business_day
from common.dates import business_date
from common.outbox import services as outbox
from providers.models import ServiceKind
from providers.selectors import caloptima_health

from . import rules, tasks
from .models import Notice
from .texts import REASONS_ES, RIGHT_TO_LEFT, TAGLINES, TEXTS, format_date

log = logging.getLogger(__name__)
# The decision kinds that may get a letter, for some service kind (R-N2).
LETTER_EVENT_KINDS = [
    kind
    for kind in Event.Kind.values
    if any(rules.letter_kind(kind, service) for service in ServiceKind.values)
]


def _queue_letter(event: Event) -> None:
    """The letter's task goes in the outbox, in the decision's transaction: the decision never
    commits without it, and it is handed to Celery after the commit, or by the sweep when the
    broker is down (R-N4)."""
    if rules.letter_kind(event.kind, event.authorization.service.kind):
        outbox.enqueue(tasks.render_notice.name, event.pk)


def queue_missing_letters() -> list[int]:
    """Safety net (R-N4): queue the letter of every recent decision that owes one, has none and
    was never queued (a decision made around this app, a row lost). Returns the decisions."""
    since = timezone.now() - timedelta(days=settings.NOTICE_SWEEP_DAYS)
    decisions = Event.objects.filter(
        kind__in=LETTER_EVENT_KINDS, at__gte=since, notice__isnull=True
    ).values_list("pk", "kind", "authorization__service__kind")
    owed = [pk for pk, kind, service_kind in decisions if rules.letter_kind(kind, service_kind)]
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


def _changes_text(event, language) -> str:
    names = {
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
    }[language]
    arrow = "→"
    parts = [
        f"{names.get(k, k)} {v.replace('->', arrow)}" for k, v in sorted(event.changes.items())
    ]
    return "; ".join(parts) or "—"


def letter_context(event: Event) -> dict:
    """Everything the letter says, in the member's language (R-N3) from the responsible party
    (R-N1)."""
    authorization = event.authorization
    member = authorization.member
    kind = rules.letter_kind(event.kind, authorization.service.kind)
    if kind is None:
        raise ValueError(f"{event.get_kind_display()} on {authorization} gets no letter (R-N2).")
    language = rules.letter_language(member.preferred_language)
    t = TEXTS[language]
    sender = authorization.health_network if authorization.is_legacy else caloptima_health()
    decided_on = business_date(event.at)
    dates = rules.notice_dates(decided_on, is_business_day)
    fmt = lambda day: format_date(day, language)  # noqa: E731
    service_name = authorization.service.name
    fields = {
        "name": member.full_name,
        "service": service_name,
        "provider": authorization.provider.name,
        "sender": sender.name,
        "start": fmt(authorization.start_date),
        "end": fmt(authorization.end_date),
        "received": fmt(business_date(authorization.received_at)),
        "changes": _changes_text(event, language),
    }
    reason = ""
    if event.reason_code:
        from authorizations.models import ReasonCode

        reason = (
            REASONS_ES[event.reason_code]
            if language == "es"
            else ReasonCode(event.reason_code).label
        )
    criteria_key = "criteria_ecm" if authorization.service.kind == "ecm" else "criteria_cs"
    return {
        "kind": kind,
        "language": language,
        "large_print": member.alternative_format == "large_print",
        "t": t,
        "title": t["title"][kind],
        "dear": t["dear"].format(**fields),
        "about": t["about"].format(**fields),
        "decision": t["decision"][kind].format(**fields),
        "reason": reason,
        "explanation": event.note,
        "criteria": t[criteria_key].format(**fields),
        "appeal": t["appeal"].format(appeal_by=fmt(dates["appeal_by"])),
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
    return HTML(string=html).write_pdf()


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
    if rules.letter_kind(event.kind, event.authorization.service.kind) is None:
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
