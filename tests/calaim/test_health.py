import pytest

pytestmark = pytest.mark.django_db


def test_healthz_is_public_and_reports_both(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] == "ok"


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
