"""Work lists by keyboard (issue 10): on the referral list, the inbox, the authorization list, the
review queue and the member search, a reviewer types a member's name and presses Enter, sorts by a
column header both ways with Enter, and downloads the list as CSV with Enter; at 1280 and 390 px,
with axe-core on every page and no sideways scrolling of the page. A health network's staff member
searches for another network's member and finds nothing (R-X2).

All people here are synthetic."""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from members.models import Language
from providers.models import Organization
from tests.browser.axe import assert_accessible
from tests.browser.test_referral_journeys import sign_in
from tests.members.factories import HealthNetworkAssignmentFactory, MemberFactory
from tests.referrals.factories import ReferralFactory

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

SHOTS = Path("/tmp/shots/F")
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
NO_SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
SURNAME = "Quillfeather"  # the members searched for: none of the demo names
BORN = datetime.date(1961, 2, 3)


@pytest.fixture
def lists(django_db_serialized_rollback):
    """The demo (queue, authorizations, referrals), plus three Quillfeathers waiting in review at
    CalOptima Health, one of them with a name that a spreadsheet would run as a formula."""
    call_command("seed_demo", members=30, allow_demo_data=True, stdout=io.StringIO())
    caloptima = Organization.objects.get(is_caloptima=True)
    prospect = Organization.objects.get(name="Prospect Medical Group")
    made = []
    for first, language in (("Ada", Language.SPANISH), ("=Aa", Language.ENGLISH), ("Bo", "vi")):
        member = MemberFactory(
            first_name=first, last_name=SURNAME, birth_date=BORN, preferred_language=language
        )
        HealthNetworkAssignmentFactory(member=member, health_network=prospect)
        made.append(
            ReferralFactory(member=member, status="in_review", receiving_organization=caloptima)
        )
    return made


class Journey:
    def __init__(self, page, width):
        self.page, self.width, self.pages_checked = page, width, 0
        SHOTS.mkdir(parents=True, exist_ok=True)

    def check(self, name):
        """axe-core finds nothing; the page does not scroll sideways; a screenshot to look at."""
        assert_accessible(self.page)
        assert self.page.evaluate(NO_SIDEWAYS) <= 0, f"{name} scrolls sideways at {self.width}"
        self.page.screenshot(path=str(SHOTS / f"{name}-{self.width}.png"), full_page=True)
        self.pages_checked += 1

    def column_texts(self, header: str) -> list[str]:
        headers = [t.strip() for t in self.page.locator("table thead th").all_inner_texts()]
        index = next(i for i, t in enumerate(headers) if t.startswith(header))
        return [
            row.locator("td").nth(index).inner_text().strip()
            for row in self.page.locator("table tbody tr").all()
        ]

    def press(self, locator, key="Enter"):
        """Reach a control with the keyboard and press a key on it."""
        locator.focus()
        expect(locator).to_be_focused()
        self.page.keyboard.press(key)

    def search(self, text):
        box = self.page.get_by_role("searchbox", name="Search")
        box.focus()
        self.page.keyboard.type(text)
        self.page.keyboard.press("Enter")
        expect(self.page).to_have_url(re.compile(r"\?(.*&)?search="))
        assert text not in self.page.url
        expect(self.page.get_by_role("searchbox", name="Search")).to_have_value(text)

    def sort_both_ways(self, header, name):
        """Enter on a header sorts ascending, Enter again descending: the rows reverse."""
        th = self.page.locator("table thead th", has_text=header)
        self.press(th.locator("a, button"))
        expect(th).to_have_attribute("aria-sort", "ascending")
        ascending = self.column_texts(header)
        self.check(f"{name}-sorted-up")
        self.press(th.locator("a, button"))
        expect(th).to_have_attribute("aria-sort", "descending")
        assert self.column_texts(header) == ascending[::-1]
        expect(self.page.locator("th[aria-sort]")).to_have_count(1)
        self.check(f"{name}-sorted-down")
        return ascending[::-1]

    def download(self, name) -> list[list[str]]:
        with self.page.expect_download() as info:
            self.press(
                self.page.get_by_role("link", name="Download CSV").or_(
                    self.page.get_by_role("button", name="Download CSV")
                )
            )
        path = SHOTS / f"{name}-{self.width}.csv"
        info.value.save_as(path)
        return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("width", list(WIDTHS))
def test_reviewer_searches_sorts_and_exports_each_work_list_by_keyboard(page, lists, width):
    page.set_viewport_size(WIDTHS[width])
    sign_in(page, "reviewer")
    j = Journey(page, width)
    references = sorted(r.reference for r in lists)

    # The referral list: search, then sort by member both ways, then the CSV of what is shown.
    page.goto("/referrals/")
    j.check("referrals")
    j.search(SURNAME.lower())
    expect(page.get_by_text("3 referrals", exact=True)).to_be_visible()
    j.check("referrals-searched")
    members = j.sort_both_ways("Member", "referrals")
    assert members == [f"{SURNAME}, Bo", f"{SURNAME}, Ada", f"{SURNAME}, =Aa"]
    assert j.column_texts("Language") == ["Vietnamese", "Spanish", "English"]
    header, *rows = j.download("referrals")
    assert header[0] == "reference" and sorted(r[0] for r in rows) == references
    assert [r[1] for r in rows] == members  # in the order shown
    assert [r[2] for r in rows] == ["Vietnamese", "Spanish", "English"]

    # The inbox: the three wait on CalOptima Health; sorted by language.
    page.goto("/referrals/inbox/")
    j.check("inbox")
    j.search(lists[0].reference)
    expect(page.locator("table tbody tr")).to_have_count(1)
    j.check("inbox-searched")
    page.get_by_role("searchbox", name="Search").fill("")
    j.press(page.get_by_role("searchbox", name="Search"))
    expect(page).not_to_have_url(re.compile("search="))
    j.sort_both_ways("Language", "inbox")
    header, *rows = j.download("inbox")
    assert header[2] == "preferred_language" and len(rows) >= 3

    # The review queue: sort by due time both ways, then search a demo member by name (the sort
    # is kept), and the CSV of what is shown.
    page.goto("/authorizations/queue/")
    j.check("queue")
    j.sort_both_ways("Due", "queue")
    last_name = j.column_texts("Member")[0].split(",")[0]
    j.search(last_name)
    expect(page.locator("th[aria-sort=descending]")).to_have_text(re.compile("^Due"))
    found = j.column_texts("Member")
    assert found and all(last_name.lower() in m.lower() for m in found)
    j.check("queue-searched")
    header, *rows = j.download("queue")
    assert header[0] == "due_pt" and len(rows) == len(found)
    assert all(last_name.lower() in r[2].lower() for r in rows)

    # The authorization list: sort by responsible party both ways, CSV of every row.
    page.goto("/authorizations/")
    j.check("authorizations")
    j.sort_both_ways("Responsible", "authorizations")
    header, *rows = j.download("authorizations")
    total = int(re.search(r"(\d+) authorization", page.locator(".list-tools p").inner_text())[1])
    assert header[0] == "authorization" and len(rows) == total

    # The member search: by name and birth date, then sort and CSV by re-sending the search.
    page.goto("/members/")
    j.check("members")
    page.get_by_label("Name").fill(SURNAME)
    page.get_by_label("Birth date").fill(BORN.isoformat())
    page.get_by_label("Birth date").press("Enter")
    expect(page.get_by_role("heading", name="3 members found")).to_be_visible()
    assert SURNAME not in page.url
    j.check("members-found")
    j.sort_both_ways("Name", "members")
    assert SURNAME not in page.url
    header, *rows = j.download("members")
    assert [r[1] for r in rows] == ["Bo", "Ada", "'=Aa"]  # the formula is quoted

    assert j.pages_checked == 19  # every page visited, each checked by axe-core


def test_r_x2_a_health_networks_search_never_finds_another_networks_member(page, lists):
    """The Quillfeathers are Prospect's members: AltaMed's coordinator finds none of them."""
    sign_in(page, "coordinator")  # AltaMed Health Services
    j = Journey(page, "desktop")
    for url in ("/referrals/", "/authorizations/"):
        page.goto(url)
        j.search(SURNAME)
        expect(page.get_by_text(SURNAME)).to_have_count(0)
        header, *rows = j.download(f"altamed-{url.strip('/')}")
        assert rows == []
    j.check("altamed-authorizations-searched")
