"""One row per queued task, written in the transaction that queues it: a commit never loses it."""

from django.db import models
from django.utils import timezone


class Message(models.Model):
    """A Celery task to run, by name, with JSON arguments (ids only: no personal data).

    pending: not yet handed to the broker; sent: handed over; done: the task finished."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        DONE = "done", "Done"

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)  # an exception's class name only

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created")]

    def __str__(self):
        return f"{self.task} #{self.pk} ({self.status})"
