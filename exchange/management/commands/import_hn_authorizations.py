import csv

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from common.audit.services import file_run
from exchange.files import hn_authorizations
from providers.selectors import organization_by_name


class Command(BaseCommand):
    help = "Load a health network's daily legacy-authorization CSV. Re-runs change nothing."

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="The health network's name.")
        parser.add_argument("file")

    def handle(self, *args, network, file, **options):
        organization = organization_by_name(network)
        if organization is None or not organization.is_health_network:
            raise CommandError(f"'{network}' is not a known health network.")
        try:
            with (
                file_run("import_hn_authorizations", file, "authorizations.authorization"),  # R-X3
                open(file, newline="", encoding="utf-8-sig") as handle,
            ):
                report = hn_authorizations.import_file(network=organization, lines=handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"Cannot read {file}: it is not UTF-8 text.") from None
        except csv.Error as exc:
            raise CommandError(f"Cannot read {file}: {exc}.") from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        for line, reason in report.rejected:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(report.summary())
