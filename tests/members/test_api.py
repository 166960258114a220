"""Members REST API: scoped list (R-X2), POST search, detail, eligibility for a date (R-M2)."""

import datetime

import pytest
from rest_framework.authtoken.models import Token

from common.dates import business_today
from tests.members.factories import MemberFactory, member_with_history
from tests.providers.factories import HealthNetworkFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
LIST = "/api/v1/members/"
SEARCH = "/api/v1/members/search/"

# Pinned query counts (measured: list 5, search 5, whatever the number of members).
LIST_MAX_QUERIES = 5 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)
SEARCH_MAX_QUERIES = 5 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)


def detail(member):
    return f"/api/v1/members/{member.pk}/"


def eligibility(member, date=None):
    url = f"/api/v1/members/{member.pk}/eligibility/"
    return f"{url}?date={date}" if date is not None else url


@pytest.fixture
def as_reviewer(api_client, reviewer):
    api_client.force_login(reviewer)
    return api_client


@pytest.fixture
def network():
    return HealthNetworkFactory(name="Alpha HN")


@pytest.fixture
def maria(network):
    return member_with_history(
        health_network=network,
        cin="91234567A",
        member_id="CO-1001",
        first_name="Maria",
        last_name="Garcia",
        birth_date=D(1975, 4, 12),
    )


def test_list_for_caloptima_staff_has_every_member(as_reviewer, maria):
    other = MemberFactory(last_name="Zed")

    response = as_reviewer.get(LIST)

    assert response.status_code == 200
    assert response.json()["count"] == 2
    first = response.json()["results"][0]
    assert first == {
        "id": maria.pk,
        "cin": "91234567A",
        "member_id": "CO-1001",
        "first_name": "Maria",
        "last_name": "Garcia",
        "birth_date": "1975-04-12",
    }
    assert response.json()["results"][1]["id"] == other.pk


@pytest.mark.parametrize(
    "who, expected",
    [
        pytest.param("caloptima", {"maria", "other"}, id="caloptima-staff"),
        pytest.param("member_hn", {"maria"}, id="members-hn"),
        pytest.param("other_hn", {"other"}, id="other-hn"),
        pytest.param("unrelated", set(), id="unrelated-org"),
    ],
)
def test_r_x2_list_is_scoped_to_the_users_organization(
    api_client, caloptima, network, maria, who, expected
):
    other_hn = HealthNetworkFactory()
    other = member_with_history(health_network=other_hn)
    organization, role = {
        "caloptima": (caloptima, "utilization_reviewer"),
        "member_hn": (network, "health_network_staff"),
        "other_hn": (other_hn, "health_network_staff"),
        "unrelated": (OrganizationFactory(), "care_coordinator"),
    }[who]
    api_client.force_login(UserFactory(organization=organization, role=role))

    response = api_client.get(LIST)

    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {{"maria": maria.pk, "other": other.pk}[k] for k in expected}
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"cin": "91234567A"}, id="cin"),
        pytest.param({"cin": "91234567a"}, id="cin-lower-case"),
        pytest.param({"member_id": "CO-1001"}, id="member-id"),
        pytest.param({"name": "Maria Garcia", "birth_date": "1975-04-12"}, id="name-and-birth"),
    ],
)
def test_search_by_post_finds_the_member(as_reviewer, maria, body):
    MemberFactory(first_name="Maria", last_name="Lopez", birth_date=D(1975, 4, 12))

    response = as_reviewer.post(SEARCH, body, format="json")

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [maria.pk]


@pytest.mark.parametrize(
    "body, field, fragment",
    [
        pytest.param({"cin": "1234"}, "cin", "8 digits", id="bad-cin"),
        pytest.param(
            {"name": "Maria", "birth_date": str(business_today() + datetime.timedelta(days=1))},
            "birth_date",
            "future",
            id="future-birth-date",
        ),
        pytest.param(
            {"name": "Maria", "birth_date": "1975-13-01"},
            "birth_date",
            "format",
            id="bad-birth-date",
        ),
        pytest.param({"name": "Maria"}, "non_field_errors", "birth_date", id="name-alone"),
        pytest.param({}, "non_field_errors", "cin", id="empty"),
    ],
)
def test_bad_search_is_400_with_the_field_message(as_reviewer, maria, body, field, fragment):
    response = as_reviewer.post(SEARCH, body, format="json")

    assert response.status_code == 400
    assert fragment in " ".join(response.json()[field])


def test_search_is_post_only_so_cins_never_travel_in_urls(as_reviewer, maria):
    assert as_reviewer.get(SEARCH, {"cin": maria.cin}).status_code == 405


def test_r_x2_search_does_not_find_members_outside_scope(api_client, maria):
    api_client.force_login(
        UserFactory(organization=HealthNetworkFactory(), role="health_network_staff")
    )
    response = api_client.post(SEARCH, {"cin": maria.cin}, format="json")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_detail_has_spans_hn_history_and_pofs(as_reviewer, maria):
    response = as_reviewer.get(detail(maria))

    assert response.status_code == 200
    body = response.json()
    assert (body["cin"], body["member_id"], body["birth_date"]) == (
        "91234567A",
        "CO-1001",
        "1975-04-12",
    )
    assert sorted(body["eligibility_spans"], key=lambda s: s["start_date"]) == [
        {"program": "medi_cal", "start_date": "2022-01-01", "end_date": "2022-12-31"},
        {"program": "medi_cal", "start_date": "2023-01-01", "end_date": None},
    ]
    assert body["health_network_assignments"] == [
        {"health_network": "Alpha HN", "start_date": "2022-01-01", "end_date": None}
    ]
    assert sorted(p["code"] for p in body["populations"]) == ["1a", "2"]


@pytest.mark.parametrize(
    "program, date, ecm, blocking",
    [
        ("medi_cal", "2024-05-01", True, []),
        ("pace", "2024-05-01", False, ["R-M4"]),
        ("onecare", "2023-12-31", True, []),
        ("onecare", "2024-01-01", False, ["R-M5"]),
    ],
)
def test_r_m2_eligibility_for_a_date(as_reviewer, network, program, date, ecm, blocking):
    member = member_with_history(health_network=network, program=program)

    response = as_reviewer.get(eligibility(member, date))

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {
        "program",
        "health_network",
        "populations_of_focus",
        "ecm_eligible",
        "cs_eligible",
        "reasons",
    }
    assert body["date"] == date
    assert body["program"] == program
    assert body["health_network"] == "Alpha HN"
    assert sorted(body["populations_of_focus"]) == ["1a", "2"]
    assert (body["ecm_eligible"], body["cs_eligible"]) == (ecm, True)
    assert [r["code"] for r in body["reasons"] if r["blocking"]] == blocking
    assert all(set(r) == {"code", "text", "service_kind", "blocking"} for r in body["reasons"])


def test_r_m3_eligibility_before_any_span_is_no_program_and_no_services(as_reviewer, maria):
    body = as_reviewer.get(eligibility(maria, "2021-06-01")).json()
    assert body["program"] is None
    assert body["health_network"] is None
    assert (body["ecm_eligible"], body["cs_eligible"]) == (False, False)
    assert [r["code"] for r in body["reasons"] if r["blocking"]] == ["R-M3"]


@pytest.mark.parametrize(
    "date, fragment",
    [
        pytest.param(None, "required", id="missing"),
        pytest.param("", "format", id="empty"),
        pytest.param("2024-02-30", "format", id="impossible-day"),
        pytest.param("05/01/2024", "format", id="us-format"),
    ],
)
def test_r_m2_eligibility_needs_a_valid_date(as_reviewer, maria, date, fragment):
    response = as_reviewer.get(eligibility(maria, date))

    assert response.status_code == 400
    assert fragment in " ".join(response.json()["date"])


@pytest.mark.parametrize("endpoint", ["detail", "eligibility"])
def test_r_x2_member_outside_scope_is_404(api_client, maria, endpoint):
    api_client.force_login(
        UserFactory(organization=HealthNetworkFactory(), role="health_network_staff")
    )
    url = detail(maria) if endpoint == "detail" else eligibility(maria, "2024-05-01")

    response = api_client.get(url)

    assert response.status_code == 404
    assert maria.cin not in response.content.decode()


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", LIST),
        ("post", SEARCH),
        ("get", "detail"),
        ("get", "eligibility"),
    ],
)
def test_unauthenticated_requests_are_refused(api_client, maria, method, url):
    url = {"detail": detail(maria), "eligibility": eligibility(maria, "2024-05-01")}.get(url, url)
    response = getattr(api_client, method)(url, {"cin": maria.cin}, format="json")
    assert response.status_code in (401, 403)
    assert maria.cin not in response.content.decode()


def test_token_authentication_works(api_client, reviewer, maria):
    token = Token.objects.create(user=reviewer)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert api_client.get(LIST).json()["count"] == 1
    assert api_client.post(SEARCH, {"cin": maria.cin}, format="json").status_code == 200
    assert api_client.get(eligibility(maria, "2024-05-01")).json()["ecm_eligible"] is True


def test_a_wrong_token_is_refused(api_client, maria):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api_client.get(LIST).status_code in (401, 403)


def test_r_x2_token_of_an_hn_user_is_scoped(api_client, network, maria):
    MemberFactory()
    token = Token.objects.create(
        user=UserFactory(organization=network, role="health_network_staff")
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert [row["id"] for row in api_client.get(LIST).json()["results"]] == [maria.pk]


# --- Query counts: pinned, and independent of the number of rows ---------------------------


@pytest.fixture(params=["caloptima", "health_network"])
def staff_client(request, api_client, caloptima):
    """A logged-in API client for CalOptima staff or HN staff, and the HN the members are in."""
    network = HealthNetworkFactory()
    organization, role = (
        (caloptima, "utilization_reviewer")
        if request.param == "caloptima"
        else (network, "health_network_staff")
    )
    api_client.force_login(UserFactory(organization=organization, role=role))
    return api_client, network


def many_members(count, network):
    for _ in range(count):
        member_with_history(health_network=network, last_name="Garcia", birth_date=D(1980, 1, 1))


@pytest.mark.parametrize("count", [5, 40])
def test_list_query_count_is_pinned(staff_client, django_assert_max_num_queries, count):
    client, network = staff_client
    many_members(count, network)

    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        response = client.get(LIST)

    assert response.json()["count"] == count
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [5, 40])
def test_search_query_count_is_pinned(staff_client, django_assert_max_num_queries, count):
    client, network = staff_client
    many_members(count, network)

    with django_assert_max_num_queries(SEARCH_MAX_QUERIES):
        response = client.post(
            SEARCH, {"name": "Garcia", "birth_date": "1980-01-01"}, format="json"
        )

    assert response.json()["count"] == count
