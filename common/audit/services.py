"""Writing and pruning the audit trail (R-X3)."""

import contextlib
import datetime
import logging
import os

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import context
from .models import AuditEvent, Channel, Event, Outcome

log = logging.getLogger(__name__)

PRUNE_FLAG = "calaim.audit_prune_before"  # read by the PostgreSQL trigger (migration 0002)


def outcome_of(status_code: int) -> str:
    if status_code in (401, 403, 404):
        return Outcome.REFUSED
    if status_code >= 400:
        return Outcome.FAILED
    return Outcome.ALLOWED


def record(event: str, *, outcome: str = Outcome.ALLOWED, user=None, **columns) -> AuditEvent:
    """Write one row now, with who and where from the current request (or `user`)."""
    fields = context.scope_fields()
    if user is not None or "actor" not in fields:
        fields.update(context.who(user))
    fields.update(columns)
    return AuditEvent.objects.create(event=event, outcome=outcome, **fields)


def note_lookup(model, found) -> None:
    """A member looked up by identity (CIN and birth date) to make a referral: recorded with the
    request's outcome by the middleware, or at once outside a request. Never the terms."""
    member_id = getattr(found, "pk", None)
    columns = {"object_type": model._meta.label_lower, "member_id": member_id}
    if member_id is not None:
        columns["object_pk"] = str(member_id)
        columns["object_id"] = member_id
    scope = context.current()
    if scope is None:
        record(Event.LOOKUP, **columns)
    elif columns not in scope.notes:
        scope.notes.append(columns)


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)


def prune(now: datetime.datetime | None = None) -> int:
    """Delete rows older than the retention (six years by default, R-X3). On PostgreSQL the
    append-only trigger lets these DELETEs through only for rows older than the cutoff set here,
    for this transaction only."""
    cutoff = retention_cutoff(now)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, true)", [PRUNE_FLAG, cutoff.isoformat()])
        old = AuditEvent.objects.filter(timestamp__lt=cutoff)
        deleted = old._raw_delete(old.db)
        if connection.vendor == "postgresql":  # also when called inside a larger transaction
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [PRUNE_FLAG])
    log.info("audit trail pruned: %s rows before %s", deleted, cutoff.date())
    return deleted


@contextlib.contextmanager
def file_run(command: str, path: str, object_type: str):
    """A file read by a command (R-X3): one row for the run, and every change it makes carries
    the run's id. Only the file's name is kept, never its content."""
    scope = context.Scope(
        request_id=context.new_request_id(), channel=Channel.FILE, path=os.path.basename(path)
    )
    outcome = Outcome.FAILED
    with context.scope(scope):
        try:
            yield scope
            outcome = Outcome.ALLOWED
        finally:
            record(Event.IMPORT, outcome=outcome, object_type=object_type, object_repr=command)
