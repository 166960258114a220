"""The outbox's Celery side: the base class of tasks queued through it, and the scheduled sweep."""

from celery import Task, shared_task

from . import services


class OutboxTask(Task):
    """Base of a task queued through the outbox: runs at most once per row and marks it done."""

    def __call__(self, *args, **kwargs):
        headers = getattr(self.request, "headers", None) or {}
        return services.run_once(super().__call__, headers.get(services.HEADER), *args, **kwargs)


@shared_task(name="outbox.sweep")
def sweep() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): relay what the broker refused before."""
    return services.sweep()
