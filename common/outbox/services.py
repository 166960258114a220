"""Queue a task through the outbox, relay rows to Celery, sweep what the broker refused, and report
the backlog. Tasks are named (Celery `send_task`), so no app of ours is imported."""

import logging
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from .models import Message

log = logging.getLogger(__name__)
Status = Message.Status
HEADER = "outbox_message_id"  # the Celery message header naming the row a task runs for


def enqueue(task: str, *args, **kwargs) -> Message:
    """Write the row in the caller's transaction; hand it to Celery once that commits. Arguments
    are ids (JSON), never personal data."""
    message = Message.objects.create(task=task, args=list(args), kwargs=kwargs)
    transaction.on_commit(lambda: relay([message.pk]))
    return message


def relay(ids: Iterable[int]) -> int:
    """Hand these pending rows to Celery now; how many went. A row the broker refuses goes back to
    pending for the sweep, and the rest wait too: one connection attempt, no publish retries, so
    a request never waits on a broker that is down."""
    sent = 0
    with _publisher() as publish:
        for message in Message.objects.filter(pk__in=list(ids), status=Status.PENDING):
            if not _claim(message):
                continue  # another relay (the sweep, a retry) took it
            try:
                publish(message)
            except Exception as error:  # any failure leaves the row pending; eager re-raises
                _release(message, error)
                if current_app.conf.task_always_eager:
                    raise
                log.warning(
                    "outbox: broker refused %s #%s (%s); left pending for the sweep",
                    message.task,
                    message.pk,
                    type(error).__name__,
                )
                break
            sent += 1
    return sent


def _claim(message: Message) -> bool:
    """Pending -> sent, for exactly one relay; sent before the hand-over, so the task's own `done`
    (which may come first) is never overwritten."""
    claimed = Message.objects.filter(pk=message.pk, status=Status.PENDING).update(
        status=Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
    )
    return claimed == 1


def _release(message: Message, error: Exception) -> None:
    Message.objects.filter(pk=message.pk, status=Status.SENT).update(
        status=Status.PENDING, sent_at=None, last_error=type(error).__name__[:200]
    )


@contextmanager
def _publisher():
    """A function handing one row to Celery: in process when tasks run eagerly (local use,
    tests), else on one broker connection that tries once and gives up fast."""
    app = current_app
    if app.conf.task_always_eager:

        def run(message: Message) -> None:
            app.tasks[message.task].apply(
                args=message.args, kwargs=message.kwargs, headers={HEADER: message.pk}, throw=True
            )

        yield run
        return
    timeout = settings.OUTBOX_PUBLISH_TIMEOUT
    connection = app.connection_for_write(
        connect_timeout=timeout,
        transport_options={
            "max_retries": 0,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
        },
    )

    def send(message: Message) -> None:
        app.send_task(
            message.task,
            args=message.args,
            kwargs=message.kwargs,
            headers={HEADER: message.pk},
            connection=connection,
            retry=False,
            ignore_result=True,
        )

    try:
        yield send
    finally:
        connection.release()


def sweep(*, batch: int = 500) -> dict[str, int]:
    """The scheduled relay: hand over pending rows; hand over again rows sent long ago and never
    done (a broker that lost them, a task that gave up); drop done rows past keeping."""
    now = timezone.now()
    resent = Message.objects.filter(
        status=Status.SENT,
        sent_at__lt=now - timedelta(minutes=settings.OUTBOX_RESEND_AFTER_MINUTES),
        attempts__lt=settings.OUTBOX_MAX_ATTEMPTS,
    ).update(status=Status.PENDING, last_error="not done in time")
    pending = Message.objects.filter(status=Status.PENDING).values_list("pk", flat=True)
    sent = relay(list(pending[:batch]))
    pruned, _ = Message.objects.filter(
        status=Status.DONE, done_at__lt=now - timedelta(days=settings.OUTBOX_KEEP_DONE_DAYS)
    ).delete()
    return {"sent": sent, "resent": resent, "pruned": pruned}


def run_once(task: Callable, message_id: int | None, *args, **kwargs):
    """Run a task body for its outbox row at most once: a second delivery of a done row does
    nothing (an email is not sent twice); the row is marked done in the same transaction."""
    if message_id is None:
        return task(*args, **kwargs)
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is not None and message.status == Status.DONE:
            log.info("outbox: %s #%s already done; not run again", message.task, message_id)
            return None
        result = task(*args, **kwargs)
        Message.objects.filter(pk=message_id).update(status=Status.DONE, done_at=timezone.now())
    return result


def queued_first_args(task: str, values: Iterable) -> set:
    """Of these first arguments, those that already have a row of this task, whatever its status."""
    rows = Message.objects.filter(task=task, args__0__in=list(values))
    return {args[0] for args in rows.values_list("args", flat=True)}


def backlog(now=None) -> dict:
    """What waits: rows not yet handed over, rows handed over and not done, and how long the
    oldest of them has waited (seconds; None when nothing waits)."""
    now = now or timezone.now()
    waiting = Message.objects.exclude(status=Status.DONE).aggregate(
        pending=Count("pk", filter=Q(status=Status.PENDING)),
        sent=Count("pk", filter=Q(status=Status.SENT)),
        oldest=Min("created_at"),
    )
    oldest = waiting.pop("oldest")
    waiting["oldest_waiting_seconds"] = int((now - oldest).total_seconds()) if oldest else None
    return waiting
