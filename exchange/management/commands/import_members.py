import csv

from django.core.management.base import BaseCommand, CommandError

from common.audit.services import file_run
from exchange.files import member_import


class Command(BaseCommand):
    help = "Import a member eligibility CSV (one row per span); upserts by CIN, re-runs are no-ops."

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV with columns cin,member_id,...,pof_codes")

    def handle(self, *args, file, **options):
        try:
            with (
                file_run("import_members", file, "members.member"),  # R-X3
                open(file, newline="", encoding="utf-8-sig") as handle,
            ):
                report = member_import.import_file(handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"Cannot read {file}: it is not UTF-8 text.") from None
        except csv.Error as exc:
            raise CommandError(f"Cannot read {file}: {exc}.") from None
        for line, reason in report.rejected:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(report.summary())
