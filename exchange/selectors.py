"""What the exchange reads for its pages: file runs, for system admins only (R-F4)."""

from django.db.models import QuerySet

from providers.models import Organization
from providers.selectors import health_networks_by_name

from .models import FileRun


def file_runs(user) -> QuerySet[FileRun]:
    """Every file run, newest first, for a CalOptima Health system admin; none for anyone else."""
    if not getattr(user, "is_system_admin", False):
        return FileRun.objects.none()
    return FileRun.objects.select_related("organization").order_by("-created_at", "-id")


def health_networks() -> list[Organization]:
    """The health networks files go to, by name (the forms' choices, read once per page)."""
    found = [n for n in health_networks_by_name().values() if n.active]
    return sorted(found, key=lambda n: n.name.lower())
