"""Celery tasks of the exchange: thin wrappers over exchange/services.py (ids, not objects)."""

from celery import shared_task


@shared_task(
    name="exchange.generate_file",
    autoretry_for=(OSError, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
)
def generate_file(run_id: int) -> str:
    """Write, archive and deliver one file run (R-F4); a done run is left as it is."""
    from .services import generate

    return generate(run_id).status


@shared_task(name="exchange.import_member_file")
def import_member_file(path: str) -> dict:
    """Import a member eligibility file from the file server; a re-run changes nothing (R-F4)."""
    from common.audit.services import file_run

    from .files import member_import

    with (
        file_run("import_member_file", path, "members.member"),  # R-X3
        open(path, newline="", encoding="utf-8-sig") as handle,
    ):
        report = member_import.import_file(handle)
    return {
        "read": report.read,
        "applied": report.applied,
        "unchanged": report.unchanged,
        "rejected": [{"line": line, "reason": reason} for line, reason in report.rejected],
    }
