"""Shared fixtures. Tests that need a real service (PostgreSQL, Redis, Chromium) call `require`: it
skips locally when the service is absent, and fails under CI, where nothing may be skipped."""

import os
import shutil

import pytest
from django.db import connection

from calaim.celery import app as celery_app

IN_CI = bool(os.environ.get("CI"))


def require(ok: bool, what: str) -> None:
    if ok:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI and is missing")
    pytest.skip(f"{what} is not available here (set it up as the README says)")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """One test database per pytest process, so concurrent runs on one server never collide."""
    from django.conf import settings

    test = settings.DATABASES["default"].setdefault("TEST", {})
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and not test.get("NAME"):
        test["NAME"] = f"test_{settings.DATABASES['default']['NAME']}_{os.getpid()}"


@pytest.fixture
def require_postgres():
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL=postgres://...)")


@pytest.fixture
def require_redis():
    require(bool(os.environ.get("REDIS_URL")), "Redis (REDIS_URL=redis://...)")


@pytest.fixture
def require_chromium():
    require(
        shutil.which("chromium") is not None or os.path.exists("/usr/bin/chromium"),
        "Chromium (/usr/bin/chromium)",
    )


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in-process in tests unless a test starts a real worker."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _own_cache(settings, request):
    """Each test gets an empty in-process cache: rate-limit counters never leak between tests or
    between concurrent runs sharing one Redis."""
    settings.CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"{request.node.nodeid}:{alias}",
        }
        for alias in ("default", "ratelimit")
    }


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def caloptima():
    from providers.models import Organization

    return Organization.objects.get(is_caloptima=True)


@pytest.fixture
def reviewer(caloptima):
    from tests.providers.factories import UserFactory

    return UserFactory(organization=caloptima, role="utilization_reviewer")


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


# People and a member shared by the referral and audit tests (a local fixture of that name wins).


@pytest.fixture
def clinic():
    """A clinic that refers (and is an ECM provider, so its source is a health care provider)."""
    from tests.providers.factories import EcmProviderFactory

    return EcmProviderFactory(name="Harbor Community Clinic")


@pytest.fixture
def coordinator(clinic):
    from providers.models import Role
    from tests.providers.factories import UserFactory

    return UserFactory(organization=clinic, role=Role.CARE_COORDINATOR)


@pytest.fixture
def health_network():
    from providers.models import Organization

    return Organization.objects.get(name="AltaMed Health Services")


@pytest.fixture
def stranger():
    """A user of an organization with no part in anything here (R-X2)."""
    from tests.providers.factories import EcmProviderFactory, UserFactory

    return UserFactory(organization=EcmProviderFactory(name="Unrelated Clinic"))


@pytest.fixture
def member(health_network):
    """Medi-Cal in 2022 and from 2023 on (open), assigned to AltaMed, holding POF 1a and 2."""
    import datetime

    from tests.members.factories import member_with_history

    return member_with_history(
        health_network=health_network, cin="91234567A", birth_date=datetime.date(1975, 4, 12)
    )
