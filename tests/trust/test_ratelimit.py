"""The public self-referral rate limit (R-R1, 5 an hour per address) is counted in the cache that
every worker process shares (issue 9: it counted per process): with Redis configured, requests
seen by this process and by another process add up to one count."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from calaim import settings as config

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "203.0.113.7"
LIMITED = "Too many requests from this connection"

# Another process: the same view's counter (group, key, rate, method) in the same Redis.
OTHER_WORKER = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "calaim.settings"
from django.conf import settings
settings.CACHES["ratelimit"]["KEY_PREFIX"] = sys.argv[1]
import django
django.setup()
from django.test import RequestFactory
from django_ratelimit.core import get_usage
request = RequestFactory().post("/refer/", REMOTE_ADDR=sys.argv[2])
for _ in range(int(sys.argv[3])):
    usage = get_usage(request, group="referrals.views.self_referral", key="ip", rate="5/h",
                      method="POST", increment=True)
print(usage["count"])
"""


def test_rate_limit_counts_in_the_shared_ratelimit_cache():
    """As configured (before the suite gives each test its own in-process cache)."""
    expected = {
        True: "django.core.cache.backends.redis.RedisCache",
        False: "django.core.cache.backends.filebased.FileBasedCache",  # one host's workers
    }[bool(config.REDIS_URL)]

    assert django_settings.RATELIMIT_USE_CACHE == "ratelimit"
    assert config.CACHES["ratelimit"]["BACKEND"] == expected


@pytest.mark.django_db
def test_r_r1_two_processes_share_one_count_in_redis(client, settings, require_redis):
    prefix = f"test-ratelimit-{uuid.uuid4().hex}"  # concurrent runs share one Redis
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": prefix,
        },
    }
    refer = reverse("self_referral")
    for _ in range(3):  # three posts seen by this process (incomplete forms: still counted)
        assert LIMITED not in client.post(refer, {}, REMOTE_ADDR=ADDRESS).content.decode()

    other = subprocess.run(
        [sys.executable, "-c", OTHER_WORKER, prefix, ADDRESS, "2"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.strip().splitlines()[-1] == "5"  # it saw this process's three

    sixth = client.post(refer, {}, REMOTE_ADDR=ADDRESS)
    assert LIMITED in sixth.content.decode()
    another_address = client.post(refer, {}, REMOTE_ADDR="203.0.113.8")
    assert LIMITED not in another_address.content.decode()
