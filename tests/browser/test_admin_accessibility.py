"""Django admin as the demo system admin: the changelist, add and change pages of each of our
registered models pass axe-core (WCAG 2.1 A/AA) at desktop and phone width. Synthetic data
(seed_demo plus one row of each model)."""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from providers.models import User
from tests.browser.axe import axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

OUR_APPS = {
    "members",
    "providers",
    "referrals",
    "authorizations",
    "notices",
    "activities",
    "exchange",
    "audit",
    "outbox",
}
WIDTHS = [1280, 390]


@pytest.fixture
def world(django_db_serialized_rollback):
    """Demo data, and at least one row of every registered model for its change page."""
    call_command("seed_demo", members=12, allow_demo_data=True, stdout=io.StringIO())
    from tests.authorizations.factories import ClosureRequestFactory
    from tests.providers.factories import PanelChangeRequestFactory, pof
    from tests.referrals.factories import ReferralFactory

    ClosureRequestFactory()
    PanelChangeRequestFactory(population=pof("4"))
    ReferralFactory()


def admin_pages() -> list[str]:
    pages = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label not in OUR_APPS:
            continue
        name = f"admin:{meta.app_label}_{meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        if model_admin.has_add_permission(_Request()):
            pages.append(reverse(f"{name}_add"))
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            pages.append(reverse(f"{name}_change", args=[row.pk]))
    return pages


class _Request:
    """What has_add_permission reads: a superuser."""

    class user:  # noqa: N801
        is_active = is_staff = is_superuser = is_system_admin = True

        @staticmethod
        def has_perm(*args, **kwargs):
            return True


def test_admin_pages_of_our_models_pass_axe(browser, live_server, world, screenshot):
    client = Client()
    client.force_login(User.objects.get(username="sysadmin"))
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    pages = admin_pages()
    failures, checked = {}, 0
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in pages:
            response = page.goto(url)
            assert response.status == 200, f"{url} answered {response.status}"
            assert "/admin/login/" not in page.url
            violations = axe_violations(page)
            checked += 1
            if violations:
                failures[f"{url} @{width}px"] = describe(violations)
        screenshot(page, f"admin-last-{width}")
    context.close()
    print(f"admin: {len(pages)} pages x {len(WIDTHS)} widths checked, {len(failures)} failing")
    assert not failures, "\n".join(f"{k}:\n{v}" for k, v in failures.items())
