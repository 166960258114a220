"""`python manage.py run_file KIND --period YYYY-MM-DD [--network NAME] [--sync]`: the scheduled
files on demand, through the same service as the beat and the browser (R-F4)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from exchange import services
from exchange.files import OUTBOUND
from exchange.models import FileRun, RunStatus
from providers.models import Organization


class Command(BaseCommand):
    help = (
        "Make an outbound file for one period: for every active health network, or one "
        "(--network). Queued for a Celery worker, or made here and now with --sync."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help=f"One of: {', '.join(sorted(OUTBOUND))}.")
        parser.add_argument(
            "--period",
            required=True,
            help="The period's first day, YYYY-MM-DD: a Monday for a weekly file, the 1st for "
            "a monthly one.",
        )
        parser.add_argument("--network", help="The health network's name (default: all active).")
        parser.add_argument("--sync", action="store_true", help="Make the file in this process.")

    def handle(self, *args, kind, period, network=None, sync=False, **options):
        if kind not in OUTBOUND:
            raise CommandError(f"Unknown file {kind!r}. Files: {', '.join(sorted(OUTBOUND))}.")
        start = _date(period)
        failed = 0
        for organization in _networks(network):
            failed += not self._one(kind, start, organization, sync)
        if failed:
            raise CommandError(f"{failed} file(s) failed.")

    def _one(self, kind, start, organization, sync) -> bool:
        make = services.run_now if sync else services.request_run
        try:
            run = make(kind=kind, period_start=start, organization=organization)
        except ValidationError as error:
            raise CommandError(f"{organization}: {_message(error)}") from None
        except Exception:
            run = FileRun.objects.get(kind=kind, period_start=start, organization=organization)
        if not sync:
            self.stdout.write(f"Queued run {run.pk}: {run.file_name} for {organization}.")
            return True
        if run.status != RunStatus.DONE:
            self.stderr.write(f"Failed: {run.file_name} for {organization}: {run.error}")
            return False
        self.stdout.write(
            f"Done: {run.file_name} for {organization}, {run.rows_done} rows, "
            f"sha256 {run.sha256}, delivered to {run.delivered_to}."
        )
        return True


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--period {text!r} is not a date (YYYY-MM-DD).") from None


def _networks(name: str | None) -> list[Organization]:
    networks = Organization.objects.active().health_networks().order_by("name")
    if name is None:
        return list(networks)
    found = [network for network in networks if network.name.casefold() == name.casefold()]
    if not found:
        known = "; ".join(network.name for network in networks)
        raise CommandError(f"No active health network named {name!r}. Networks: {known}.")
    return found


def _message(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(" ".join(messages) for messages in error.message_dict.values())
    return " ".join(error.messages)
