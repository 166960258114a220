"""Every page each demo role can reach, at desktop and phone width: axe-core finds no violation and
nothing scrolls sideways. Pages are discovered by following the links a user sees (one page per
URL pattern), not listed by hand, so a new page is checked the day it is linked. Synthetic data
(seed_demo)."""

import io
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

from providers.models import User
from tests.browser.axe import axe_violations, describe

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

ANONYMOUS_START = ["/accounts/login/", "/refer/", "/accounts/password-reset/"]
ROLES = [
    "anonymous",
    "coordinator",
    "clinic",
    "provider",
    "reviewer",
    "hnstaff",
    "siteadmin",
    "sysadmin",
]
WIDTHS = [1280, 390]
MAX_PAGES = 40
# Links not followed: leaving the session, files, the API and Django admin (not ours to style).
SKIP_PREFIXES = ("/accounts/logout", "/admin/", "/api/", "/static/", "/media/")
SKIP_PARTS = ("/download", "/export", "/csv/", ".csv", ".pdf")  # files, not pages


@pytest.fixture
def demo(django_db_serialized_rollback):
    call_command("seed_demo", members=30, allow_demo_data=True, stdout=io.StringIO())


def sign_in_as(context, live_server, username: str) -> None:
    """A session made by Django's own login() for the user, handed to the browser as its cookie:
    this walk is about the pages, not the sign-in form (tested on its own)."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def pattern_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.route or match.url_name


def followable(href: str, base: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme and not href.startswith(base):
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith(SKIP_PREFIXES):
        return None
    if any(p in path for p in SKIP_PARTS):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def crawl(page, base: str, start: list[str]) -> list[str]:
    """Breadth-first over same-site links, one page per URL pattern."""
    seen_patterns, visited, queue = set(), [], list(start)
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        pattern = pattern_of(urlsplit(url).path)
        if pattern is None or pattern in seen_patterns:
            continue
        seen_patterns.add(pattern)
        response = page.goto(base + url)
        assert response.status < 500, f"{url} answered {response.status}"
        if response.status != 200:
            continue
        visited.append(url)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            target = followable(href, base)
            if target and target not in queue:
                queue.append(target)
    return visited


WIDEST_JS = """() => {
  const w = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && !el.closest('table')?.scrollWidth !== undefined) {
      const parentOver = el.parentElement && el.parentElement.getBoundingClientRect().right > w + 1;
      if (!parentOver) out.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
        + (el.id ? '#' + el.id : '') + ' ' + Math.round(r.right - w) + 'px');
    }
  }
  return out.slice(0, 5);
}"""


def page_problems(page) -> list[str]:
    problems = []
    violations = axe_violations(page)
    if violations:
        problems.append(describe(violations))
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 1:
        culprits = page.evaluate(WIDEST_JS)
        problems.append(f"scrolls sideways by {overflow}px (widest: {', '.join(culprits)})")
    return problems


@pytest.mark.parametrize("username", ROLES)
def test_every_reachable_page_is_accessible_at_desktop_and_phone_width(
    browser, live_server, demo, username, screenshot
):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    if username != "anonymous":
        sign_in_as(context, live_server, username)
    page = context.new_page()
    pages = crawl(page, live_server.url, ANONYMOUS_START if username == "anonymous" else ["/"])
    assert len(pages) >= 3, f"{username} reached only {pages}"
    failures = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in pages:
            page.goto(live_server.url + url)
            problems = page_problems(page)
            if problems:
                failures[f"{url} @{width}px"] = problems
        screenshot(page, f"a11y-{username}-last-{width}")
    context.close()
    print(f"{username}: {len(pages)} pages x {len(WIDTHS)} widths checked: {' '.join(pages)}")
    assert not failures, "\n".join(f"{k}: {'; '.join(v)}" for k, v in failures.items())
