from django.core.management.base import BaseCommand, CommandError

from exchange import services
from exchange.files import member_import


class Command(BaseCommand):
    help = "Import a member eligibility CSV (one row per span); upserts by CIN, re-runs are no-ops."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with columns cin,member_id,...,pof_codes")

    def handle(self, *args, file, **options):
        try:
            report = services.import_file(
                file, name="import_members", model="members.member", read=member_import.import_file
            )
        except services.UnreadableFile as exc:
            raise CommandError(str(exc)) from None
        for line, reason in report.rejected:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(report.summary())
