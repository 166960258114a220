"""R-X3: every route is either recorded (in common/audit/registry.py) or named here as showing no
member information, so that a new page or API operation is decided on the day it is added."""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse

from common.audit.registry import MEMBER_MODELS, ROUTES, route_for
from tests.audit.conftest import client_for

# Pages and operations that show no member's information (sign-in, accounts, the roster and the
# catalogue, dashboards with counts only, API description). Sign-ins are recorded by signals.
NOT_MEMBER_INFORMATION = {
    "home", "healthz", "login", "logout", "login_verify", "login_enrol", "session_status",
    "security", "security_enrol", "invite_accept", "invite_done", "password_reset",
    "password_reset_done", "password_reset_confirm", "password_reset_complete",
    "self_referral_thanks", "set_language", "api-root", "schema", "api-docs",
    "providers:directory", "providers:users", "providers:user_role", "providers:user_active",
    "providers:user_invite", "providers:user_token", "providers:capacity",
    "providers:capacity_list",
    "providers:panel_requests", "providers:panel_decide",
    "organization-list", "organization-detail", "service-list", "service-detail",
    "population-list", "population-detail",
}  # fmt: skip


def url_names(resolver=None, namespace=()):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + ((pattern.namespace,) if pattern.namespace else ())
            yield from url_names(pattern, inner)
        elif pattern.name:
            yield ":".join(namespace + (pattern.name,))


def test_r_x3_every_route_is_recorded_or_shows_no_member_information():
    names = {n for n in url_names() if not n.startswith("admin:")}

    undecided = names - set(ROUTES) - NOT_MEMBER_INFORMATION

    assert not undecided, f"add these to common/audit/registry.py or to this list: {undecided}"


def test_r_x3_every_recorded_route_exists():
    assert set(ROUTES) <= set(url_names())


def test_r_x3_every_member_model_exists_and_reaches_its_member():
    for label, path in MEMBER_MODELS.items():
        model = apps.get_model(label)
        if path != "pk":
            model._base_manager.values(path).query  # noqa: B018  (raises on a bad path)


@pytest.mark.parametrize(
    "view_name, event",
    [
        ("admin:members_member_changelist", "search"),
        ("admin:referrals_referral_change", "view"),
        ("admin:notices_notice_history", "view"),
        ("admin:providers_service_change", None),
    ],
)
def test_r_x3_django_admin_pages_of_member_models_are_recorded(view_name, event):
    route = route_for(view_name)
    assert (route.event("GET") if route else None) == event


@pytest.mark.django_db
def test_r_x3_recording_a_page_costs_one_insert_and_no_other_query(reviewer, authorization):
    client = client_for(reviewer)
    url = reverse("authorizations:detail", args=[authorization.pk])
    client.get(url)

    with CaptureQueriesContext(connection) as queries:
        client.get(url)

    audit = [q["sql"] for q in queries.captured_queries if "audit_auditevent" in q["sql"]]
    assert len(audit) == 1 and audit[0].startswith("INSERT")
    assert queries.captured_queries[-1]["sql"] == audit[0]  # after the view, before it leaves


def test_r_x3_the_trail_is_not_editable_in_django_admin():
    from django.contrib import admin

    from common.audit.models import AuditEvent

    assert not admin.site.is_registered(AuditEvent)


@pytest.mark.django_db
def test_r_x3_recording_adds_a_few_milliseconds_at_most(reviewer, authorization, monkeypatch):
    import time

    from common.audit import middleware

    client = client_for(reviewer)
    url = reverse("authorizations:detail", args=[authorization.pk])
    spent, record = [], middleware.AuditMiddleware._record

    def timed(self, *args):
        started = time.perf_counter()
        record(self, *args)
        spent.append(time.perf_counter() - started)

    monkeypatch.setattr(middleware.AuditMiddleware, "_record", timed)
    for _ in range(41):
        client.get(url)

    assert sorted(spent)[20] < 0.010  # median; measured 1.6 ms (SQLite), 2.2 ms (PostgreSQL)
