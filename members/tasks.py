"""Celery tasks of the members app: thin, idempotent wrappers around services."""

from celery import shared_task

from common.audit.services import file_run

from .services import import_members


@shared_task(name="members.import_member_file")
def import_member_file(path: str) -> dict:
    """Import a member eligibility CSV from the file server; a re-run changes nothing (R-F4)."""
    with (
        file_run("import_member_file", path, "members.member"),  # R-X3
        open(path, newline="", encoding="utf-8-sig") as handle,
    ):
        report = import_members(handle)
    return {
        "read": report.read,
        "applied": report.applied,
        "unchanged": report.unchanged,
        "rejected": [{"line": line, "reason": reason} for line, reason in report.rejected],
    }
