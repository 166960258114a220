"""`manage.py run_file KIND --period YYYY-MM-DD [--network NAME] [--sync]` (R-F4): the same
service as the beat and the browser, with clear refusals."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from exchange import services
from exchange.models import FileRun, RunStatus
from providers.models import Organization
from tests.providers.factories import HealthNetworkFactory

from .factories import EcmActivityFactory, ecm_authorization, eligible_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def network():
    return HealthNetworkFactory(name="North Network")


def run_file(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("run_file", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_sync_makes_and_delivers_the_file_here(network, settings):
    EcmActivityFactory(authorization=ecm_authorization(eligible_member(network)))
    out, _ = run_file("ecm_activity_log", "--period", "2026-11-16", "--network", "north network",
                      "--sync")  # fmt: skip
    run = FileRun.objects.get()
    assert run.status == RunStatus.DONE and run.rows_done == 1 and run.requested_by is None
    assert f"Done: {run.file_name} for North Network, 1 rows, sha256 {run.sha256}" in out
    assert (settings.EXCHANGE_DELIVERY_DIR / "north-network" / run.file_name).exists()
    assert services.archived_path(run).exists()


def test_without_sync_every_active_network_is_queued(network, monkeypatch):
    HealthNetworkFactory(active=False)
    out, _ = run_file("ecm_eligibility", "--period", "2026-12-01")
    networks = Organization.objects.active().health_networks()
    runs = FileRun.objects.filter(kind="ecm_eligibility", period_start=datetime.date(2026, 12, 1))
    assert runs.count() == networks.count() > 1
    assert out.count("Queued run ") == networks.count()


def test_a_failed_sync_run_says_why_and_fails_the_command(network, monkeypatch):
    from exchange import delivery

    def refuse(run, path):
        raise delivery.DeliveryError("The SFTP server refused the login.")

    monkeypatch.setattr(delivery, "deliver", refuse)
    with pytest.raises(CommandError, match="1 file"):
        run_file("pof_list", "--period", "2026-12-01", "--network", "North Network", "--sync")
    assert FileRun.objects.get().status == RunStatus.FAILED


@pytest.mark.parametrize(
    "args, message",
    [
        (("payroll", "--period", "2026-11-16"), "Unknown file 'payroll'. Files: ecm_activity_log"),
        (("ecm_activity_log", "--period", "16/11/2026"), "is not a date (YYYY-MM-DD)"),
        (("ecm_activity_log", "--period", "2026-11-17", "--network", "North Network"),
         "A weekly file starts on a Monday"),
        (("pof_list", "--period", "2026-11-02", "--network", "North Network"),
         "starts on the 1st of a month"),
        (("pof_list", "--period", "2026-12-01", "--network", "Nowhere"),
         "No active health network named 'Nowhere'. Networks:"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused_with_the_reason(network, args, message):
    with pytest.raises(CommandError) as raised:
        run_file(*args)
    assert message in str(raised.value)
    assert not FileRun.objects.exists()


def test_a_run_under_way_is_refused_by_name(network):
    run_file("pof_list", "--period", "2026-12-01", "--network", "North Network")
    with pytest.raises(CommandError, match="North Network: This file is already queued"):
        run_file("pof_list", "--period", "2026-12-01", "--network", "North Network")
