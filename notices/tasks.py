from celery import shared_task

from common.outbox.tasks import OutboxTask


@shared_task(
    name="notices.render_notice",
    base=OutboxTask,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def render_notice(event_id: int) -> int | None:
    """Render the letter for one decision; safe to run twice (one letter per decision)."""
    from .services import render_notice as render

    notice = render(event_id=event_id)
    return notice.pk if notice else None


@shared_task(name="notices.queue_missing_letters")
def queue_missing_letters() -> int:
    """Every minute (CELERY_BEAT_SCHEDULE): queue the letters decisions owe and never got (R-N4)."""
    from .services import queue_missing_letters as queue

    return len(queue())
