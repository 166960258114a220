"""The referral list and the inbox as work lists (issue 10): a search by member name, CIN or
reference within the user's scope (R-X2) that never travels in the URL, sortable columns, a CSV
of the filtered list recorded as an export (R-X3), and the member's preferred language."""

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from common.audit.models import AuditEvent
from common.listing import SEARCH_MAX_LENGTH
from providers.models import Role
from referrals.models import Status
from tests.members.factories import MemberFactory
from tests.providers.factories import EcmProviderFactory, UserFactory
from tests.referrals.factories import MessageFactory, ReferralFactory

pytestmark = pytest.mark.django_db

LIST = reverse("referrals:list")
INBOX = reverse("referrals:inbox")
EXPORT = reverse("referrals:export")
INBOX_EXPORT = reverse("referrals:inbox_export")
# Session, user, organization, services of the filter, count, page (the unread count is a
# subquery of it), the audit INSERT.
LIST_MAX_QUERIES = 7
INBOX_MAX_QUERIES = 6  # session, user, organization, rows, capacity, the audit INSERT
EXPORT_MAX_QUERIES = 5  # session, user, organization, the audit INSERT, the rows in one query


@pytest.fixture
def other_clinic():
    return EcmProviderFactory(name="Other Clinic")


@pytest.fixture
def world(coordinator, mercy_house, meals, other_clinic):
    """The coordinator's clinic referred three members to Mercy House; another clinic referred a
    member of the same name (never to be found by the coordinator, R-X2)."""

    def referral(member, **kwargs):
        return ReferralFactory(
            member=member,
            service=meals,
            referring_organization=kwargs.pop("by", coordinator.organization),
            referring_user=kwargs.pop("user", coordinator),
            receiving_organization=mercy_house,
            **kwargs,
        )

    garcia = MemberFactory(
        first_name="Maria", last_name="Garcia", cin="90000001G", preferred_language="es"
    )
    nguyen = MemberFactory(
        first_name="Bao", last_name="Nguyen", cin="90000002N", preferred_language="vi"
    )
    formula = MemberFactory(first_name="@Eve", last_name="=Adams(1)", cin="90000003F")
    theirs = MemberFactory(first_name="Maria", last_name="Garcia", cin="90000004T")
    return {
        "garcia": referral(garcia, status=Status.SENT),
        "nguyen": referral(
            nguyen,
            status=Status.ACCEPTED,
            urgency="expedited",
            expedited_justification="Discharge tomorrow.",
        ),
        "formula": referral(formula, status=Status.DECLINED),
        "theirs": referral(theirs, by=other_clinic, user=UserFactory(organization=other_clinic)),
    }


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def mercy_client(mercy_house):
    own = Client()
    own.force_login(UserFactory(organization=mercy_house, role=Role.PROVIDER_STAFF))
    return own


def search(client, url, text, **filters):
    """Type in the search box (and filters) and press Enter: a POST, then the list it leads to."""
    response = client.post(url, {"q": text, **filters})
    assert response.status_code == 302, response.status_code
    assert "q=" not in response["Location"]
    assert len(text.strip()) < 4 or text.strip().lower() not in response["Location"].lower()
    return client.get(response["Location"])


def references(response) -> list[str]:
    return re.findall(r">(R-\d{4}-\d{6})</a>", response.content.decode())


def rows_of(csv_response) -> list[list[str]]:
    text = b"".join(csv_response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text)))


# --- Search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, found",
    [
        pytest.param("garcia", ["garcia"], id="last-name"),
        pytest.param("MARIA garc", ["garcia"], id="first-and-part-of-last-name"),
        pytest.param("90000002n", ["nguyen"], id="cin-any-case"),
        pytest.param("ref:nguyen", ["nguyen"], id="reference"),
        pytest.param("ref-part:nguyen", ["nguyen"], id="part-of-reference"),
        pytest.param("Nobody", [], id="no-match"),
        pytest.param("9000000", [], id="part-of-a-cin-finds-nothing"),
    ],
)
def test_r_x2_search_finds_the_users_own_referrals_and_never_another_organizations(
    coordinator_client, world, text, found
):
    if text.startswith("ref:"):
        text = world[text[4:]].reference
    elif text.startswith("ref-part:"):
        text = world[text[9:]].reference[-6:]

    response = search(coordinator_client, LIST, text)

    assert response.status_code == 200
    assert references(response) == [world[k].reference for k in found]
    assert world["theirs"].reference not in response.content.decode()


def test_search_is_kept_beside_the_box_and_combined_with_the_filters(coordinator_client, world):
    response = search(coordinator_client, LIST, "a", status=Status.SENT)

    assert references(response) == [world["garcia"].reference]
    html = response.content.decode()
    assert 'value="a"' in html  # the box shows what was searched for
    assert '<option value="sent" selected>' in html
    assert "status=sent" in response.request["QUERY_STRING"]


def test_a_filter_change_keeps_the_search(coordinator_client, world):
    first = search(coordinator_client, LIST, "garcia")
    token = first.request["QUERY_STRING"].split("search=")[1]

    response = coordinator_client.get(LIST, {"search": token, "status": Status.DECLINED})

    assert references(response) == []
    response = coordinator_client.get(LIST, {"search": token, "status": Status.SENT})
    assert references(response) == [world["garcia"].reference]


def test_an_empty_search_shows_the_whole_list_again(coordinator_client, world):
    search(coordinator_client, LIST, "garcia")

    response = search(coordinator_client, LIST, "")

    assert len(references(response)) == 3


def test_a_search_too_long_is_refused_beside_the_box_and_kept(coordinator_client, world):
    text = "Garcia" + "x" * 6994

    response = coordinator_client.post(LIST, {"q": text})

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Search at most {SEARCH_MAX_LENGTH} characters (you typed 7,000)." in html
    assert 'id="id_q_error"' in html and f'value="{text}"' in html
    assert f'maxlength="{SEARCH_MAX_LENGTH}"' in html


@pytest.mark.parametrize(
    "query",
    [
        {"search": "not-a-token"},
        {"search": "x" * 5000},
        {"sort": "password"},
        {"sort": "-member__cin"},
        {"sort": "x" * 5000},
        {"sort": "status", "page": "999"},
        {"page": "abc"},
    ],
)
def test_bad_search_or_sort_parameters_answer_200_with_the_list(coordinator_client, world, query):
    response = coordinator_client.get(LIST, query)

    assert response.status_code == 200
    assert world["theirs"].reference not in response.content.decode()


def test_an_unknown_search_token_says_the_search_has_ended(coordinator_client, world):
    response = coordinator_client.get(LIST, {"search": "gone"})

    assert "That search has ended" in response.content.decode()
    assert len(references(response)) == 3


def test_another_users_search_token_finds_nothing_of_theirs(
    coordinator_client, world, other_clinic
):
    """A link with a search token, opened by someone else, does not carry the search."""
    token = search(coordinator_client, LIST, "garcia").request["QUERY_STRING"].split("search=")[1]
    stranger = Client()
    stranger.force_login(UserFactory(organization=other_clinic))

    response = stranger.get(LIST, {"search": token})

    assert "That search has ended" in response.content.decode()
    assert references(response) == [world["theirs"].reference]


# --- Sort ----------------------------------------------------------------------------------------

# column -> the expected order ascending (keys of `world`, the coordinator's three referrals).
SORTS = {
    "reference": ["garcia", "nguyen", "formula"],
    "member": ["formula", "garcia", "nguyen"],  # "=Adams(1)" < "Garcia" < "Nguyen"
    "language": ["formula", "garcia", "nguyen"],  # English < Spanish < Vietnamese
    "status": ["nguyen", "formula", "garcia"],  # Accepted < Declined < Sent to provider
    "urgency": ["nguyen", "garcia", "formula"],  # expedited < routine, then id
    "created": ["garcia", "nguyen", "formula"],
    "service": ["garcia", "nguyen", "formula"],  # all the same: by id
    "with": ["garcia", "nguyen", "formula"],
    "messages": ["garcia", "formula", "nguyen"],  # 0, 0 (by id), 1 unread
}


@pytest.mark.parametrize("column", list(SORTS))
def test_each_column_sorts_both_ways_with_a_stable_tiebreak_by_id(
    coordinator_client, coordinator, world, column
):
    MessageFactory(referral=world["nguyen"], author=UserFactory())
    expected = [world[k].reference for k in SORTS[column]]

    up = coordinator_client.get(LIST, {"sort": column})
    down = coordinator_client.get(LIST, {"sort": f"-{column}"})

    assert references(up) == expected
    assert references(down) == expected[::-1]
    assert f'aria-sort="ascending"><a class="sort" href="?sort=-{column}"' in up.content.decode()
    assert f'aria-sort="descending"><a class="sort" href="?sort={column}"' in down.content.decode()


def test_only_the_sorted_header_has_aria_sort(coordinator_client, world):
    html = coordinator_client.get(LIST, {"sort": "member"}).content.decode()

    assert html.count("aria-sort=") == 1


def test_pages_keep_search_filter_and_sort(coordinator_client, coordinator, mercy_house, meals):
    member = MemberFactory(last_name="Pagewise")
    for _ in range(30):
        ReferralFactory(
            member=member,
            service=meals,
            referring_organization=coordinator.organization,
            referring_user=coordinator,
            receiving_organization=mercy_house,
        )
    first = search(coordinator_client, LIST + "?sort=-reference", "pagewise", status="sent")
    query = first.request["QUERY_STRING"]

    html = first.content.decode()
    next_link = re.search(r'href="\?([^"]*page=2)"', html).group(1).replace("&amp;", "&")
    second = coordinator_client.get(f"{LIST}?{next_link}")

    assert "sort=-reference" in query and "status=sent" in query and "search=" in query
    assert all(p in next_link for p in query.split("&"))
    both = references(first) + references(second)
    assert len(both) == 30 and both == sorted(both, reverse=True)


# --- CSV -----------------------------------------------------------------------------------------


def test_r_x3_csv_holds_the_filtered_rows_only_escaped_and_is_recorded_as_an_export(
    coordinator_client, coordinator, world
):
    listed = search(coordinator_client, LIST, "=adams", status=Status.DECLINED)
    query = listed.request["QUERY_STRING"]
    assert f'href="{EXPORT}?{query}"' in listed.content.decode().replace("&amp;", "&")

    response = coordinator_client.get(f"{EXPORT}?{query}")

    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="referrals.csv"'
    header, *rows = rows_of(response)
    assert header == [
        "reference", "member", "preferred_language", "service", "status", "from", "with",
        "urgency", "created",
    ]  # fmt: skip
    assert [r[0] for r in rows] == [world["formula"].reference]
    assert rows[0][1] == "'=Adams(1), @Eve"  # formula cells are quoted
    event = AuditEvent.objects.filter(event="export").latest("id")
    assert (event.object_type, event.outcome, event.actor_id) == (
        "referrals.referral",
        "allowed",
        coordinator.pk,
    )
    assert "Adams" not in event.path


def test_csv_has_every_page_in_the_lists_order_and_never_another_organizations(
    coordinator_client, coordinator, mercy_house, meals, world
):
    for _ in range(30):
        ReferralFactory(
            service=meals,
            referring_organization=coordinator.organization,
            referring_user=coordinator,
            receiving_organization=mercy_house,
        )

    header, *rows = rows_of(coordinator_client.get(EXPORT, {"sort": "reference"}))

    refs = [r[0] for r in rows]
    assert len(refs) == 33 and refs == sorted(refs)
    assert world["theirs"].reference not in refs
    assert [r[2] for r in rows[:2]] == ["Spanish", "Vietnamese"]


def test_csv_export_needs_sign_in(client, world):
    response = client.get(EXPORT)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Preferred language --------------------------------------------------------------------------


def test_the_list_and_the_inbox_show_the_members_preferred_language(
    coordinator_client, mercy_client, world
):
    for client, url in ((coordinator_client, LIST), (mercy_client, INBOX)):
        html = client.get(url).content.decode()
        assert "<td>Spanish</td>" in html
        assert 'Language<span class="sort-mark"' in html


# --- Inbox ---------------------------------------------------------------------------------------


def test_r_x2_inbox_search_sort_and_csv_cover_what_waits_only(mercy_client, world):
    """Two sent referrals wait on Mercy House (from two clinics); the accepted one does not."""
    waiting = [world["theirs"].reference, world["garcia"].reference]
    assert references(search(mercy_client, INBOX, "garcia")) == waiting
    assert "No waiting referral matches." in search(mercy_client, INBOX, "nguyen").content.decode()

    response = mercy_client.get(INBOX, {"sort": "-member"})
    assert 'aria-sort="descending"' in response.content.decode()
    header, *rows = rows_of(mercy_client.get(INBOX_EXPORT, {"sort": "-member"}))
    assert [r[0] for r in rows] == waiting  # the same name: by id, descending
    assert AuditEvent.objects.filter(event="export", path=INBOX_EXPORT).exists()


def test_inbox_actions_return_to_the_list_as_searched(mercy_client, world):
    listed = search(mercy_client, INBOX, "garcia")
    here = f"{INBOX}?{listed.request['QUERY_STRING']}"

    assert f'name="next" value="{here}"' in listed.content.decode().replace("&amp;", "&")


# --- Query counts: the same at 10 and 100 rows ------------------------------------------------


def many(count, *, coordinator, mercy_house, meals):
    for i in range(count):
        referral = ReferralFactory(
            member=MemberFactory(last_name=f"Counted{i:03d}"),
            service=meals,
            referring_organization=coordinator.organization,
            referring_user=coordinator,
            receiving_organization=mercy_house,
        )
        MessageFactory(referral=referral, author=coordinator)


@pytest.mark.parametrize("count", [10, 100])
def test_searched_sorted_list_query_count_is_pinned(
    coordinator_client, coordinator, mercy_house, meals, django_assert_max_num_queries, count
):
    many(count, coordinator=coordinator, mercy_house=mercy_house, meals=meals)
    url = search(coordinator_client, LIST, "counted").request["QUERY_STRING"]

    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        response = coordinator_client.get(f"{LIST}?{url}&sort=-language&status=sent")

    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [10, 100])
def test_searched_sorted_inbox_query_count_is_pinned(
    mercy_client, coordinator, mercy_house, meals, django_assert_max_num_queries, count
):
    many(count, coordinator=coordinator, mercy_house=mercy_house, meals=meals)
    url = search(mercy_client, INBOX, "counted").request["QUERY_STRING"]

    with django_assert_max_num_queries(INBOX_MAX_QUERIES):
        response = mercy_client.get(f"{INBOX}?{url}&sort=member")

    assert len(response.context["rows"]) == count


@pytest.mark.parametrize("url", [EXPORT, INBOX_EXPORT])
@pytest.mark.parametrize("count", [10, 100])
def test_csv_export_query_count_is_pinned(
    mercy_client, coordinator, mercy_house, meals, django_assert_max_num_queries, count, url
):
    many(count, coordinator=coordinator, mercy_house=mercy_house, meals=meals)

    with django_assert_max_num_queries(EXPORT_MAX_QUERIES):
        response = mercy_client.get(url, {"sort": "-member"})
        rows = rows_of(response)

    assert len(rows) == count + 1


def test_r_x3_a_list_search_is_recorded_as_a_search_without_its_words(
    coordinator_client, coordinator, world
):
    search(coordinator_client, LIST, "Garcia 90000001G")

    posted, shown = AuditEvent.objects.filter(event="search").order_by("-id")[:2][::-1]
    assert (posted.method, shown.method) == ("POST", "GET")
    assert posted.object_type == shown.object_type == "referrals.referral"
    for event in (posted, shown):
        values = " ".join(
            str(v) for v in AuditEvent.objects.filter(pk=event.pk).values().first().values()
        )
        assert "Garcia" not in values and "90000001G" not in values
