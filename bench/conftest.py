"""Benchmarks reuse the suite's fixtures (own test database, fresh cache, media root)."""

from tests.conftest import (  # noqa: F401
    _media_root,
    _own_cache,
    caloptima,
    django_db_modify_db_settings,
    eager_celery,
    require_postgres,
    reviewer,
)
