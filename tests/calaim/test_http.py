"""No open redirects: a POSTed `next` is followed only when it stays on this site."""

import pytest
from django.test import RequestFactory

from common.http import safe_next


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/referrals/inbox/", "/referrals/inbox/"),
        ("https://evil.example/phish", "/fallback/"),
        ("//evil.example/phish", "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_next_is_followed_only_on_this_site(target, expected):
    request = RequestFactory().post("/x/", {"next": target})
    assert safe_next(request, "/fallback/") == expected
