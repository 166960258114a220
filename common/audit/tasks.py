from celery import shared_task

from . import services


@shared_task
def prune_audit() -> int:
    """Delete audit rows older than the retention (R-X3). Idempotent; on the beat schedule."""
    return services.prune()
