"""Site-wide views: health check and the per-role home page."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from authorizations import selectors as authorization_selectors
from calaim.celery import app as celery_app
from common.outbox import services as outbox
from providers.models import Role
from referrals import selectors as referral_selectors


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    """The broker answers (Redis); the in-process default (eager, no broker) counts as fine."""
    if celery_app.conf.task_always_eager and celery_app.conf.broker_url.startswith("memory://"):
        return True
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


def _outbox_backlog() -> dict | None:
    """Tasks waiting in the outbox (letters, emails) and the oldest one's wait: a backlog that
    grows while the broker or the workers are down (R-N4)."""
    try:
        return outbox.backlog()
    except Exception:
        return None


@login_not_required
@never_cache
@require_GET
def healthz(request):
    database, broker = _database_ok(), _broker_ok()
    body = {
        "status": "ok" if database and broker else "unavailable",
        "database": "ok" if database else "unreachable",
        "broker": ("ok" if broker else "unreachable"),
        "broker_mode": "eager" if celery_app.conf.task_always_eager else "redis",
        "outbox": _outbox_backlog() if database else None,
    }
    return JsonResponse(body, status=200 if database and broker else 503)


HOME_INTRO = {
    Role.CARE_COORDINATOR: "Refer members to ECM and Community Supports and follow each referral.",
    Role.PROVIDER_STAFF: "Accept or decline the referrals sent to you; keep capacity current.",
    Role.UTILIZATION_REVIEWER: "Work the authorization queue, most urgent first.",
    Role.HEALTH_NETWORK_STAFF: "Your network's members, its legacy authorizations and referrals.",
    Role.SITE_ADMIN: "Manage your organization's users and published capacity.",
    Role.SYSTEM_ADMIN: "Manage the provider roster, POF panel requests and users.",
}


def home(request):
    user = request.user
    context = {
        "intro": HOME_INTRO.get(user.role, ""),
        "organization": user.organization,
        "unread": referral_selectors.unread_total(user),
        "waiting": referral_selectors.inbox(user).count(),
        "intake_waiting": referral_selectors.pending_self_referrals(user).count(),
    }
    if user.is_caloptima_staff:
        queue = authorization_selectors.review_queue(user)
        context["queue_pending"] = queue.count()
        context["queue_overdue"] = queue.filter(due_at__lt=timezone.now()).count()
    return render(request, "home.html", context)
