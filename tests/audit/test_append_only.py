"""R-X3: the trail is append-only, in the model and (on PostgreSQL) in the database, and kept for
AUDIT_RETENTION_DAYS (six years), after which the scheduled prune removes rows."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from common.audit import services, tasks
from common.audit.models import AppendOnly, AuditEvent
from tests.audit.factories import AuditEventFactory, days_ago

pytestmark = pytest.mark.django_db


def test_r_x3_the_retention_is_six_years_by_default():
    assert settings.AUDIT_RETENTION_DAYS == 2192


def test_r_x3_the_prune_task_is_on_the_beat_schedule_in_california_time():
    entry = settings.CELERY_BEAT_SCHEDULE["prune-audit-trail"]
    assert entry["task"] == "common.audit.tasks.prune_audit"
    assert settings.CELERY_TIMEZONE == "America/Los_Angeles"


def test_r_x3_the_model_refuses_to_change_or_delete_a_row():
    row = AuditEventFactory()

    row.username = "someone-else"
    with pytest.raises(AppendOnly):
        row.save()
    with pytest.raises(AppendOnly):
        row.delete()
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=row.pk).update(username="x")
    with pytest.raises(AppendOnly):
        AuditEvent.objects.filter(pk=row.pk).delete()
    assert AuditEvent.objects.get(pk=row.pk).username != "someone-else"


@pytest.mark.postgres
def test_r_x3_postgres_refuses_update_and_delete_by_raw_sql(require_postgres):
    row = AuditEventFactory()

    for statement in (
        "UPDATE audit_auditevent SET username = 'forged' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [row.pk])
    assert AuditEvent.objects.filter(pk=row.pk, username=row.username).exists()


@pytest.mark.postgres
def test_r_x3_postgres_lets_the_prune_flag_delete_only_rows_older_than_its_cutoff(
    require_postgres,
):
    young = AuditEventFactory(timestamp=days_ago(10))

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT set_config('calaim.audit_prune_before', %s, true)", [days_ago(30).isoformat()]
        )
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [young.pk])
    assert AuditEvent.objects.filter(pk=young.pk).exists()


def test_r_x3_prune_deletes_only_rows_older_than_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 2192
    old = AuditEventFactory(timestamp=days_ago(2193))
    kept = AuditEventFactory(timestamp=days_ago(2190))

    assert services.prune() == 1

    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()


def test_r_x3_the_retention_is_a_setting(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    AuditEventFactory(timestamp=days_ago(31))
    AuditEventFactory(timestamp=days_ago(29))

    assert tasks.prune_audit.delay().get() == 1
    assert AuditEvent.objects.count() == 1


def test_r_x3_the_prune_command_reports_what_it_deleted(capsys):
    AuditEventFactory(timestamp=days_ago(2200))

    call_command("prune_audit")

    assert "1 audit rows" in capsys.readouterr().out
    assert not AuditEvent.objects.filter(timestamp__lt=days_ago(2192)).exists()


@pytest.mark.postgres
def test_r_x3_the_flag_does_not_outlive_the_prune(require_postgres):
    AuditEventFactory(timestamp=days_ago(3000))
    services.prune()
    row = AuditEventFactory(timestamp=days_ago(3000))

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [row.pk])


def test_r_x3_deleting_a_user_leaves_their_rows(coordinator):
    written = AuditEventFactory(actor=coordinator, username=coordinator.username)

    coordinator.delete()

    assert AuditEvent.objects.get(pk=written.pk).username == written.username
