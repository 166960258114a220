"""Member pages: search by POST, detail with the verdict for a date, scoping (R-X2)."""

import datetime
import re

import pytest
from django.urls import reverse

from common.dates import business_today
from tests.members.factories import (
    EligibilitySpanFactory,
    HealthNetworkAssignmentFactory,
    MemberFactory,
    MemberPopulationFactory,
    member_with_history,
    population,
)
from tests.providers.factories import HealthNetworkFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
SEARCH = reverse("members:search")

# Pinned query counts (see the test at the end for how they were measured).
SEARCH_MAX_QUERIES = 4 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)
# Session, user, member with its prefetched history, and the referrals, authorizations and letters
# lists.
DETAIL_MAX_QUERIES = 10 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)


def detail_url(member, on=None):
    url = reverse("members:detail", args=[member.pk])
    return f"{url}?on={on}" if on else url


def field_error(html: str, field: str) -> str:
    """The error text rendered beside a form field (empty when there is none)."""
    found = re.search(rf'<p class="error" id="id_{field}_error">([^<]*)</p>', html)
    return found.group(1) if found else ""


@pytest.fixture
def maria():
    return MemberFactory(
        cin="91234567A",
        member_id="CO-1001",
        first_name="Maria",
        last_name="Garcia",
        birth_date=D(1975, 4, 12),
    )


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


def test_search_page_shows_the_form(reviewer_client):
    response = reviewer_client.get(SEARCH)
    assert response.status_code == 200
    assert response.context["results"] is None
    assert b'name="cin"' in response.content


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"cin": "91234567A"}, id="cin"),
        pytest.param({"cin": "91234567a"}, id="cin-lower-case"),
        pytest.param({"member_id": "CO-1001"}, id="member-id"),
        pytest.param({"name": "maria garcia", "birth_date": "1975-04-12"}, id="name-and-birth"),
    ],
)
def test_search_by_post_finds_the_member(reviewer_client, maria, data):
    MemberFactory(first_name="Maria", last_name="Lopez", birth_date=D(1975, 4, 12))

    response = reviewer_client.post(SEARCH, data)

    assert response.status_code == 200
    assert response.context["results"] == [maria]
    assert detail_url(maria).encode() in response.content
    assert b"1 member found" in response.content


def test_search_without_a_match_says_so(reviewer_client, maria):
    response = reviewer_client.post(SEARCH, {"cin": "99999999Z"})
    assert response.context["results"] == []
    assert b"No member matches" in response.content


def test_search_is_not_a_get_query_string(reviewer_client, maria):
    # Personal data must not travel in URLs: a GET with parameters does not search.
    response = reviewer_client.get(SEARCH, {"cin": maria.cin})
    assert response.context["results"] is None


@pytest.mark.parametrize(
    "data, field, message",
    [
        pytest.param({"cin": "1234"}, "cin", "8 digits followed by a capital letter", id="bad-cin"),
        pytest.param({"cin": "123456789"}, "cin", "8 digits", id="nine-digits"),
        pytest.param(
            {"name": "Maria", "birth_date": (business_today() + datetime.timedelta(days=1))},
            "birth_date",
            "cannot be in the future",
            id="future-birth-date",
        ),
        pytest.param(
            {"name": "Maria Garcia"}, "birth_date", "Give the birth date", id="name-alone"
        ),
        pytest.param({"birth_date": "1975-04-12"}, "name", "Give the name", id="birth-date-alone"),
        pytest.param(
            {"name": "Maria", "birth_date": "1975-13-45"}, "birth_date", "valid date", id="bad-date"
        ),
    ],
)
def test_bad_search_shows_the_error_beside_the_field(reviewer_client, maria, data, field, message):
    response = reviewer_client.post(SEARCH, data)

    assert response.status_code == 200
    assert response.context["results"] is None
    assert message in field_error(response.content.decode(), field)


def test_empty_search_asks_for_a_criterion(reviewer_client):
    response = reviewer_client.post(SEARCH, {"cin": "", "member_id": "", "name": ""})
    assert response.context["results"] is None
    assert b"Enter a CIN, a member id, or a name and birth date." in response.content


def test_r_x2_search_only_finds_members_in_the_users_scope(client, maria):
    own_hn, other_hn = HealthNetworkFactory(), HealthNetworkFactory()
    HealthNetworkAssignmentFactory(member=maria, health_network=other_hn)
    client.force_login(UserFactory(organization=own_hn, role="health_network_staff"))

    response = client.post(SEARCH, {"cin": maria.cin})

    assert response.context["results"] == []


def test_detail_shows_spans_hn_history_pofs_and_the_verdict_for_the_date(reviewer_client):
    altamed, prospect = HealthNetworkFactory(name="Alpha HN"), HealthNetworkFactory(name="Beta HN")
    member = MemberFactory(first_name="Maria", last_name="Garcia")
    EligibilitySpanFactory(member=member, start_date=D(2022, 1, 1), end_date=D(2023, 12, 31))
    EligibilitySpanFactory(member=member, program="onecare", start_date=D(2024, 1, 1))
    HealthNetworkAssignmentFactory(
        member=member, health_network=altamed, start_date=D(2022, 1, 1), end_date=D(2022, 12, 31)
    )
    HealthNetworkAssignmentFactory(member=member, health_network=prospect, start_date=D(2023, 1, 1))
    MemberPopulationFactory(member=member, population=population("1a"))
    MemberPopulationFactory(
        member=member, population=population("3"), start_date=D(2022, 1, 1), end_date=D(2022, 6, 30)
    )

    response = reviewer_client.get(detail_url(member, "2023-06-15"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Maria Garcia" in html
    # Spans
    assert "<td>Medi-Cal</td><td>2022-01-01</td><td>2023-12-31</td>" in html
    assert "<td>OneCare</td><td>2024-01-01</td><td>open</td>" in html
    # Health network history
    assert "<td>Alpha HN</td><td>2022-01-01</td><td>2022-12-31</td>" in html
    assert "<td>Beta HN</td><td>2023-01-01</td><td>open</td>" in html
    # POFs, including one no longer held
    adults = "Adults without dependent children experiencing homelessness"
    pof_1a = f'<td class="wrap">POF 1a <small>{adults}</small></td>'
    assert f"{pof_1a}<td>Plan data</td><td>2022-01-01</td>" in html
    assert '<td class="wrap">POF 3 <small>Individuals with serious mental health' in html
    # The verdict is for the date asked (R-M2): Medi-Cal with Beta HN and POF 1a
    assert "Eligibility on 15 June 2023" in html
    assert "ECM: eligible" in html
    assert "Community Supports: eligible" in html
    assert "Program: <strong>Medi-Cal</strong>" in html
    assert "Health network: <strong>Beta HN</strong>" in html
    verdict = response.context["verdict"]
    assert (verdict.on, verdict.program, verdict.health_network) == (
        D(2023, 6, 15),
        "medi_cal",
        "Beta HN",
    )
    assert verdict.populations == ("1a",)


@pytest.mark.parametrize(
    "on, ecm_text, rule",
    [
        ("2023-12-31", "ECM: eligible", "R-M6"),
        ("2024-01-01", "ECM: not eligible", "R-M5"),
    ],
)
def test_r_m5_detail_verdict_changes_with_the_date_asked(reviewer_client, on, ecm_text, rule):
    member = member_with_history(program="onecare")

    html = reviewer_client.get(detail_url(member, on)).content.decode()

    assert ecm_text in html
    assert "Community Supports: eligible" in html
    assert [r.code for r in reviewer_client.get(detail_url(member, on)).context["verdict"].reasons][
        0
    ] == rule
    assert rule not in html  # the rule's words, not its id


def test_r_m3_detail_before_any_span_shows_no_program_and_no_services(reviewer_client):
    member = member_with_history()

    html = reviewer_client.get(detail_url(member, "2021-06-01")).content.decode()

    assert "Program: <strong>none</strong>" in html
    assert "ECM: not eligible" in html
    assert "Community Supports: not eligible" in html
    assert (
        '<li class="blocking">No active Medi-Cal managed care enrolment on 1 June 2021.</li>'
        in (html)
    )
    assert "R-M3" not in html


def test_r_m2_detail_without_a_date_checks_today_and_says_which_day(reviewer_client):
    member = member_with_history()
    response = reviewer_client.get(detail_url(member))
    assert response.context["verdict"].on == business_today()
    assert f"Eligibility on {business_today():%-d %B %Y}" in response.content.decode()


def test_detail_with_a_bad_date_shows_the_error_and_falls_back_to_today(reviewer_client):
    member = member_with_history()
    response = reviewer_client.get(detail_url(member, "2024-02-30"))
    assert response.status_code == 200
    assert field_error(response.content.decode(), "on") == "Enter a valid date."
    assert response.context["verdict"].on == business_today()


@pytest.mark.parametrize(
    "who, status",
    [("caloptima", 200), ("member_hn", 200), ("other_hn", 404), ("unrelated", 404)],
)
def test_r_x2_detail_404_outside_the_users_scope(client, caloptima, who, status):
    member_hn, other_hn = HealthNetworkFactory(), HealthNetworkFactory()
    member = member_with_history(health_network=member_hn)
    user = {
        "caloptima": lambda: UserFactory(organization=caloptima, role="utilization_reviewer"),
        "member_hn": lambda: UserFactory(organization=member_hn, role="health_network_staff"),
        "other_hn": lambda: UserFactory(organization=other_hn, role="health_network_staff"),
        "unrelated": lambda: UserFactory(organization=OrganizationFactory()),
    }[who]()
    client.force_login(user)

    response = client.get(detail_url(member, "2024-01-01"))

    assert response.status_code == status
    if status == 404:
        assert member.cin.encode() not in response.content


def test_pages_need_login(client, maria):
    assert client.get(SEARCH).status_code == 302
    assert client.post(SEARCH, {"cin": maria.cin}).status_code == 302
    assert client.get(detail_url(maria)).status_code == 302


# --- Query counts: pinned, and independent of the number of rows ---------------------------


def many_members(count: int, health_network=None):
    """`count` members named Garcia born the same day, each with 2 spans, an HN and 2 POFs."""
    return [
        member_with_history(
            health_network=health_network, last_name="Garcia", birth_date=D(1980, 1, 1)
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("count", [5, 40])
@pytest.mark.parametrize("staff", ["caloptima", "health_network"])
def test_search_page_query_count_is_pinned(
    client, caloptima, django_assert_max_num_queries, count, staff
):
    network = HealthNetworkFactory()
    many_members(count, health_network=network)
    organization, role = (
        (caloptima, "utilization_reviewer")
        if staff == "caloptima"
        else (network, "health_network_staff")
    )
    client.force_login(UserFactory(organization=organization, role=role))

    with django_assert_max_num_queries(SEARCH_MAX_QUERIES):
        response = client.post(SEARCH, {"name": "Garcia", "birth_date": "1980-01-01"})

    assert len(response.context["results"]) == count


@pytest.mark.parametrize("history", [2, 20])
def test_detail_page_query_count_is_pinned(reviewer_client, django_assert_max_num_queries, history):
    many_members(5)
    member = MemberFactory()
    networks = [HealthNetworkFactory() for _ in range(history)]
    for year in range(history):
        start, end = D(2000 + year, 1, 1), D(2000 + year, 12, 31)
        EligibilitySpanFactory(member=member, start_date=start, end_date=end)
        HealthNetworkAssignmentFactory(
            member=member, health_network=networks[year], start_date=start, end_date=end
        )
        MemberPopulationFactory(
            member=member, population=population("1a"), start_date=start, end_date=end
        )
        MemberPopulationFactory(
            member=member, population=population("2"), start_date=start, end_date=end
        )

    with django_assert_max_num_queries(DETAIL_MAX_QUERIES):
        response = reviewer_client.get(detail_url(member, "2005-06-01"))

    assert response.status_code == 200
    assert len(response.context["member"].eligibility_spans.all()) == history
