from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exchange import services
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
            report = services.import_file(
                file,
                name="import_hn_authorizations",
                model="authorizations.authorization",
                read=lambda handle: hn_authorizations.import_file(
                    network=organization, lines=handle
                ),
            )
        except services.UnreadableFile as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        for line, reason in report.rejected:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(report.summary())
