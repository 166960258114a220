"""The member search as a work list (issue 10): the found members sort by their column headers and
download as CSV, each by re-sending the search by POST, so that no name, CIN or birth date is ever
in a URL; within the user's scope (R-X2); the CSV is recorded as an export (R-X3)."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse

from common.audit.models import AuditEvent
from tests.members.factories import HealthNetworkAssignmentFactory, MemberFactory
from tests.providers.factories import HealthNetworkFactory, UserFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("members:search")
EXPORT = reverse("members:export")
BORN = datetime.date(1980, 1, 1)
SEARCH_MAX_QUERIES = 4 + 1  # as tests/members/test_views.py: sorting adds no query
EXPORT_MAX_QUERIES = 4 + 1  # session, user, organization, the rows, the audit INSERT


@pytest.fixture
def network():
    return HealthNetworkFactory()


@pytest.fixture
def garcias(network):
    """Three Garcias born the same day in the user's network, one in another network."""
    found = {}
    for key, first, cin, member_id, language in (
        ("ana", "Ana", "90000003C", "M3", "vi"),
        ("zoe", "Zoe", "90000001A", "M2", "es"),
        ("formula", "=Abe|' /C calc'!A0", "90000002B", "M1", "en"),
    ):
        member = MemberFactory(
            first_name=first,
            last_name="Garcia",
            birth_date=BORN,
            cin=cin,
            member_id=member_id,
            preferred_language=language,
        )
        HealthNetworkAssignmentFactory(member=member, health_network=network)
        found[key] = member
    theirs = MemberFactory(first_name="Other", last_name="Garcia", birth_date=BORN, cin="90000009X")
    HealthNetworkAssignmentFactory(member=theirs, health_network=HealthNetworkFactory())
    found["theirs"] = theirs
    return found


@pytest.fixture
def hn_client(client, network):
    client.force_login(UserFactory(organization=network, role="health_network_staff"))
    return client


CRITERIA = {"name": "Garcia", "birth_date": BORN.isoformat()}


def names(response) -> list[str]:
    return [m.first_name for m in response.context["results"]]


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.mark.parametrize(
    "column, ascending",
    [
        ("name", ["=Abe|' /C calc'!A0", "Ana", "Zoe"]),
        ("cin", ["Zoe", "=Abe|' /C calc'!A0", "Ana"]),
        ("member_id", ["=Abe|' /C calc'!A0", "Zoe", "Ana"]),
        ("birth_date", ["Zoe", "=Abe|' /C calc'!A0", "Ana"]),  # the same day: by id
    ],
)
def test_found_members_sort_by_each_column_both_ways(hn_client, garcias, column, ascending):
    if column == "birth_date":
        ascending = ["Ana", "Zoe", "=Abe|' /C calc'!A0"]

    up = hn_client.post(f"{SEARCH}?sort={column}", CRITERIA)
    down = hn_client.post(f"{SEARCH}?sort=-{column}", CRITERIA)

    assert names(up) == ascending and names(down) == ascending[::-1]
    assert 'aria-sort="ascending"' in up.content.decode()
    assert 'aria-sort="descending"' in down.content.decode()


def test_sort_headers_are_buttons_that_resend_the_search_by_post(hn_client, garcias):
    html = hn_client.post(SEARCH, CRITERIA).content.decode()

    form = re.search(r'<form method="post" id="member-results".*?</form>', html, re.S).group(0)
    assert 'name="name" value="Garcia"' in form and 'name="birth_date" value="1980-01-01"' in form
    assert re.search(
        r'<button type="submit" class="sort" form="member-results"\s+formaction="\?sort=name"', html
    )
    assert "Garcia" not in "".join(re.findall(r'formaction="([^"]*)"', html))


def test_r_x2_the_other_networks_member_is_never_listed_or_exported(hn_client, garcias):
    response = hn_client.post(f"{SEARCH}?sort=-name", CRITERIA)
    exported = rows_of(hn_client.post(f"{EXPORT}?sort=-name", CRITERIA))

    assert garcias["theirs"] not in response.context["results"]
    assert garcias["theirs"].cin not in str(exported)
    assert len(exported) == 4


def test_r_x3_csv_holds_the_found_members_escaped_and_is_recorded_as_an_export(hn_client, garcias):
    response = hn_client.post(f"{EXPORT}?sort=cin", CRITERIA)

    assert response["Content-Disposition"] == 'attachment; filename="members.csv"'
    header, *rows = rows_of(response)
    assert header == [
        "last_name", "first_name", "cin", "member_id", "birth_date", "preferred_language"
    ]  # fmt: skip
    assert rows == [
        ["Garcia", "Zoe", "90000001A", "M2", "1980-01-01", "Spanish"],
        ["Garcia", "'=Abe|' /C calc'!A0", "90000002B", "M1", "1980-01-01", "English"],
        ["Garcia", "Ana", "90000003C", "M3", "1980-01-01", "Vietnamese"],
    ]
    event = AuditEvent.objects.filter(event="export").latest("id")
    assert (event.object_type, event.outcome, event.method) == ("members.member", "allowed", "POST")
    assert "Garcia" not in event.path and "1980" not in event.path


@pytest.mark.parametrize(
    "data",
    [{}, {"name": "Garcia"}, {"cin": "bad"}, {"name": "x" * 5000, "birth_date": "1980-01-01"}],
)
def test_an_export_without_a_valid_search_is_an_empty_csv_not_an_error(hn_client, garcias, data):
    response = hn_client.post(EXPORT, data)

    assert response.status_code == 200 and len(rows_of(response)) == 1
    assert hn_client.get(EXPORT).status_code == 200


@pytest.mark.parametrize("sort", ["password", "-" * 3000, "cin;drop", ""])
def test_a_bad_sort_is_the_default_order_not_an_error(hn_client, garcias, sort):
    response = hn_client.post(f"{SEARCH}?sort={sort}", CRITERIA)

    assert response.status_code == 200
    assert names(response) == ["=Abe|' /C calc'!A0", "Ana", "Zoe"]
    assert "aria-sort" not in response.content.decode()


@pytest.mark.parametrize("count", [5, 40])
def test_sorted_search_and_export_query_counts_are_pinned(
    client, django_assert_max_num_queries, count
):
    network = HealthNetworkFactory()
    for _ in range(count):
        member = MemberFactory(last_name="Garcia", birth_date=BORN)
        HealthNetworkAssignmentFactory(member=member, health_network=network)
    client.force_login(UserFactory(organization=network, role="health_network_staff"))

    with django_assert_max_num_queries(SEARCH_MAX_QUERIES):
        response = client.post(f"{SEARCH}?sort=-birth_date", CRITERIA)
    with django_assert_max_num_queries(EXPORT_MAX_QUERIES):
        rows = rows_of(client.post(f"{EXPORT}?sort=cin", CRITERIA))

    assert len(response.context["results"]) == count and len(rows) == count + 1
