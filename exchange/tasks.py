"""Celery tasks of the exchange: thin wrappers over exchange/services.py (ids, not objects)."""

from celery import shared_task
from django.db import DatabaseError

from .delivery import DeliveryError

# Failures worth trying again later: the disk, the network, the SFTP server, the database.
TRANSIENT = (OSError, DeliveryError, DatabaseError)


@shared_task(bind=True, name="exchange.generate_file", max_retries=5)
def generate_file(self, run_id: int) -> str:
    """Write, archive and deliver one file run (R-F4); a done run is left as it is. A transient
    failure leaves the run FAILED with its reason and tries again, the wait doubling each time."""
    from .services import generate, note_retry, retry_delay

    try:
        return generate(run_id).status
    except TRANSIENT as error:
        if self.request.is_eager:  # local use and tests: the run says why; no waiting
            raise
        delay = retry_delay(self.request.retries + 1)
        if self.request.retries < self.max_retries:
            note_retry(run_id, delay)
        raise self.retry(exc=error, countdown=delay) from error


@shared_task(name="exchange.schedule_file")
def schedule_file(kind: str) -> list[int]:
    """Beat (CELERY_BEAT_SCHEDULE): queue `kind` for every active health network, for the
    period its schedule covers today in California."""
    from .services import request_scheduled

    return [run.pk for run in request_scheduled(kind)]


@shared_task(name="exchange.fail_stale_runs")
def fail_stale_runs() -> dict:
    """Beat, every 5 minutes: runs whose worker died are marked failed and queued again."""
    from .services import fail_stale_runs as sweep

    return sweep()


@shared_task(name="exchange.import_member_file")
def import_member_file(path: str) -> dict:
    """Import a member eligibility file from the file server; a re-run changes nothing (R-F4)."""
    from . import services
    from .files import member_import

    report = services.import_file(
        path, name="import_member_file", model="members.member", read=member_import.import_file
    )
    return {
        "read": report.read,
        "applied": report.applied,
        "unchanged": report.unchanged,
        "rejected": [{"line": line, "reason": reason} for line, reason in report.rejected],
    }
