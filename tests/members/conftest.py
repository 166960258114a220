import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Tests create many accounts; a fast hasher keeps them quick (not a security setting)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
