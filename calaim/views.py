"""Site-wide views: health check and the per-role home page."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from authorizations import selectors as authorization_selectors
from calaim.celery import app as celery_app
from common.outbox import services as outbox
from providers import selectors as provider_selectors
from providers import services as provider_services
from providers.models import Role
from referrals import selectors as referral_selectors
from referrals.models import Status as ReferralStatus


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


@dataclass(frozen=True)
class Work:
    """A count of work waiting on the user, linking to the list that shows exactly those rows."""

    count: int
    one: str
    many: str
    url: str
    urgent: bool = False

    @property
    def label(self) -> str:
        return self.one if self.count == 1 else self.many


def _url(name: str, query: str = "") -> str:
    return reverse(name) + (f"?{query}" if query else "")


def _referral_work(user, unread: int) -> list[Work]:
    """Referrals waiting on the user's organization, declined ones to send elsewhere, unread
    messages: one count query each, over the lists' own scoped querysets (R-X2)."""
    if user.organization_id is None:
        return []
    referrals = referral_selectors.referral_list(user)
    waiting = referral_selectors.inbox(user).count()
    work = [
        Work(
            waiting,
            "referral waiting on your organization",
            "referrals waiting on your organization",
            _url("referrals:inbox"),
            urgent=waiting > 0,
        )
    ]
    if not user.is_caloptima_staff:
        declined = referrals.filter(status=ReferralStatus.DECLINED).count()
        work.append(
            Work(
                declined,
                "declined referral to send elsewhere or close",
                "declined referrals to send elsewhere or close",
                _url("referrals:list", f"status={ReferralStatus.DECLINED}"),
            )
        )
        accepted = referrals.filter(status=ReferralStatus.ACCEPTED).count()
        work.append(
            Work(
                accepted,
                "accepted referral waiting for its authorization request",
                "accepted referrals waiting for their authorization request",
                _url("referrals:list", f"status={ReferralStatus.ACCEPTED}"),
            )
        )
    work.append(
        Work(
            unread,
            "unread message on your referrals",
            "unread messages on your referrals",
            _url("referrals:list", "sort=-messages"),
            urgent=unread > 0,
        )
    )
    return work


def _review_work(user) -> list[Work]:
    """CalOptima Health: the review queue (R-A8), overdue first, and self-referrals to match."""
    if not user.is_caloptima_staff:
        return []
    queue = authorization_selectors.review_queue(user)
    overdue = queue.filter(due_at__lt=timezone.now()).count()
    intake = referral_selectors.pending_self_referrals(user).count()
    return [
        Work(
            queue.count(),
            "authorization request to decide",
            "authorization requests to decide",
            _url("authorizations:queue"),
        ),
        Work(
            overdue,
            "decision overdue",
            "decisions overdue",
            _url("authorizations:queue", "due=overdue"),
            urgent=overdue > 0,
        ),
        Work(
            intake,
            "public self-referral to match",
            "public self-referrals to match",
            _url("referrals:intake"),
            urgent=intake > 0,
        ),
    ]


def _approval_work(user) -> list[Work]:
    """Change and end requests awaiting the responsible party's approval (R-A2, R-N1)."""
    org = user.organization
    if not (user.is_caloptima_staff or (org and org.is_health_network)):
        return []
    pending = authorization_selectors.pending_closures_for(user).count()
    return [
        Work(
            pending,
            "change or end request awaiting your approval",
            "change or end requests awaiting your approval",
            _url("authorizations:list") + "#cl-h",
            urgent=pending > 0,
        )
    ]


def _admin_work(user) -> list[Work]:
    work = []
    if user.is_site_admin or user.is_system_admin:
        # An unusable password (Django marks it with "!") until the invitation is used (R-X1).
        invited = (
            provider_selectors.organization_users(user)
            .filter(is_active=True, password__startswith="!")
            .count()
        )
        work.append(
            Work(
                invited,
                "invited person who has not set a password yet",
                "invited people who have not set a password yet",
                _url("providers:users"),
            )
        )
    if user.is_system_admin:
        pending = provider_selectors.panel_requests_for(user).filter(status="pending").count()
        work.append(
            Work(
                pending,
                "POF panel request to decide",
                "POF panel requests to decide",
                _url("providers:panel_requests"),
                urgent=pending > 0,
            )
        )
    return work


def _capacity(user) -> dict | None:
    """For those who keep it current (R-R3): the offerings and how many take no referrals."""
    if not (
        user.organization_id and provider_services.can_edit_capacity(user, user.organization_id)
    ):
        return None
    offerings = list(provider_selectors.offerings_of_organization(user.organization))
    if not offerings:
        return None
    return {
        "services": len(offerings),
        "closed": sum(1 for o in offerings if not o.accepting_referrals or not o.open_slots),
        "slots": sum(o.open_slots for o in offerings if o.accepting_referrals),
    }


def home(request):
    """Each role's work as counts, each linking to the list of exactly those rows."""
    user = request.user
    unread = referral_selectors.unread_total(user) if user.organization_id else 0
    work = (
        _review_work(user) + _approval_work(user) + _referral_work(user, unread) + _admin_work(user)
    )
    context = {
        "intro": HOME_INTRO.get(user.role, ""),
        "organization": user.organization,
        "work": work,
        "unread": unread,
        "capacity": _capacity(user),
    }
    return render(request, "home.html", context)
