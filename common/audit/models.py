"""The audit trail (R-X3): one append-only row per access to, or change of, a member's information,
and per sign-in, failed sign-in and sign-out.

Built on django-auditlog's swappable log model (settings.AUDITLOG_LOGENTRY_MODEL): its signals
record every change to the registered models with a field diff, in the change's own transaction.
The columns added here snapshot who did it (user name, organization id and name, role) and which
member it concerns as plain values, so the trail outlives users, organizations and members and
never blocks their deletion."""

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models


class Event(models.TextChoices):
    VIEW = "view", "View"
    SEARCH = "search", "Search"
    LOOKUP = "lookup", "Look-up by CIN and birth date"
    DOWNLOAD = "download", "Download"
    EXPORT = "export", "Export"
    IMPORT = "import", "File import"
    CHANGE = "change", "Change request"
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    DELETE = "delete", "Deleted"
    SIGN_IN = "sign_in", "Sign-in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    SIGN_OUT = "sign_out", "Sign-out"


class Outcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    REFUSED = "refused", "Refused"  # 401, 403, 404: not the user's to see or do
    FAILED = "failed", "Failed"  # allowed, but the request was invalid or the server failed


class Channel(models.TextChoices):
    BROWSER = "browser", "Browser"
    API = "api", "API"
    ADMIN = "admin", "Django admin"
    FILE = "file", "File"
    SYSTEM = "system", "System"


# The library's numeric actions (create/update/delete/access) as our event names.
ACTION_EVENTS = {
    AbstractLogEntry.Action.CREATE: Event.CREATE,
    AbstractLogEntry.Action.UPDATE: Event.UPDATE,
    AbstractLogEntry.Action.DELETE: Event.DELETE,
    AbstractLogEntry.Action.ACCESS: Event.VIEW,
}


class AppendOnly(Exception):
    """An audit row cannot be changed or deleted (R-X3); only the prune task removes old rows."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("The audit trail is append-only (R-X3).")

    def delete(self):
        raise AppendOnly("The audit trail is append-only (R-X3); prune_audit removes old rows.")


class AuditEventManager(LogEntryManager.from_queryset(AuditEventQuerySet)):
    def log_create(self, instance, force_log: bool = False, **kwargs):
        """A change row from the library's signals, completed with who/where and the member."""
        from . import context

        kwargs.setdefault("object_type", instance._meta.label_lower)
        kwargs.update(context.change_fields(instance, kwargs.get("action")))
        return super().log_create(instance, force_log=force_log, **kwargs)


class AuditEvent(AbstractLogEntry):
    # Overrides of the library's columns: no database constraint, nothing cascades into the trail.
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    object_pk = models.CharField(max_length=255, blank=True, default="", db_index=True)
    object_repr = models.TextField(blank=True, default="")
    action = models.PositiveSmallIntegerField(
        choices=AbstractLogEntry.Action.choices, null=True, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    event = models.CharField(max_length=16, choices=Event.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.ALLOWED)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.SYSTEM)
    username = models.CharField(max_length=150, blank=True, default="")
    organization_id = models.BigIntegerField(null=True, blank=True)
    organization_name = models.CharField(max_length=200, blank=True, default="")
    role = models.CharField(max_length=24, blank=True, default="")
    object_type = models.CharField(max_length=100, blank=True, default="")
    member_id = models.BigIntegerField(null=True, blank=True)
    # Members a list or search returned (ids only, never the search terms).
    member_ids = models.JSONField(null=True, blank=True)
    method = models.CharField(max_length=8, blank=True, default="")
    path = models.CharField(max_length=300, blank=True, default="")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = AuditEventManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit event"
        verbose_name_plural = "audit events"
        indexes = [
            models.Index(fields=["member_id", "timestamp"], name="audit_member_time"),
            models.Index(fields=["username", "timestamp"], name="audit_user_time"),
            models.Index(fields=["organization_id", "timestamp"], name="audit_org_time"),
            models.Index(fields=["event", "timestamp"], name="audit_event_time"),
        ]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.event}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("The audit trail is append-only (R-X3).")
        if not self.event and self.action is not None:
            self.event = ACTION_EVENTS[self.action]
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("The audit trail is append-only (R-X3); prune_audit removes old rows.")

    @property
    def record_name(self) -> str:
        """What the row names a record by where that is not a member's (a file run: "FILE for HN");
        member records are named by id only, as everywhere in the trail."""
        from .registry import MEMBER_MODELS

        return "" if self.object_type in MEMBER_MODELS else self.object_repr

    @property
    def changed_fields(self) -> list[str]:
        """Names of the fields a change touched (the values stay in the table, not in lists)."""
        return sorted((self.changes or {}).keys()) if isinstance(self.changes, dict) else []
