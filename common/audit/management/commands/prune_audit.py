from django.core.management.base import BaseCommand

from common.audit import services


class Command(BaseCommand):
    help = "Delete audit trail rows older than AUDIT_RETENTION_DAYS (six years by default, R-X3)."

    def handle(self, *args, **options):
        cutoff = services.retention_cutoff()
        deleted = services.prune()
        self.stdout.write(f"{deleted} audit rows from before {cutoff:%Y-%m-%d} deleted")
