import pytest

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_reports_both(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "ok"
    assert response.json()["outbox"] == {"pending": 0, "sent": 0, "oldest_waiting_seconds": None}


def test_r_n4_healthz_reports_the_outbox_backlog(client, django_assert_num_queries):
    """Rows not yet handed to the broker, rows handed over and not done, and the oldest's wait."""
    from django.utils import timezone

    from common.outbox.models import Message

    now = timezone.now()
    Message.objects.create(task="x.a", created_at=now - timezone.timedelta(minutes=5))
    Message.objects.create(task="x.b", status="sent", created_at=now)
    Message.objects.create(task="x.c", status="done", created_at=now - timezone.timedelta(days=2))

    with django_assert_num_queries(2):  # SELECT 1, then one aggregate over the outbox
        response = client.get("/healthz")

    assert response.status_code == 200  # a backlog alone does not fail the check
    backlog = response.json()["outbox"]
    assert (backlog["pending"], backlog["sent"]) == (1, 1)
    assert 300 <= backlog["oldest_waiting_seconds"] < 360


def test_healthz_503_when_the_broker_is_unreachable(client, settings):
    from calaim.celery import app

    before = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.task_always_eager = False
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url, app.conf.task_always_eager = before
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"


def test_every_page_but_login_and_healthz_needs_login(client):
    assert client.get("/").status_code == 302
    assert client.get("/members/").status_code == 302
    assert client.get("/providers/").status_code == 302
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/api/v1/members/").status_code in (401, 403)
