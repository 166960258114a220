"""REST directory and reference data: /api/v1/organizations/, services/, populations-of-focus/."""

import datetime

import pytest

from tests.providers.conftest import DIRECTORY_FILTERS
from tests.providers.factories import (
    CsProviderFactory,
    OfferingFactory,
    ServiceFactory,
    directory_organizations,
)

pytestmark = pytest.mark.django_db
ORGS = "/api/v1/organizations/"


@pytest.fixture
def signed_in(api_client, reviewer):
    api_client.force_login(reviewer)
    return api_client


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {o["name"] for o in response.json()["results"]}


@pytest.mark.parametrize("filters, expected", DIRECTORY_FILTERS)
def test_organizations_filter_by_service_population_and_accepting(
    signed_in, directory_rows, filters, expected
):
    query = {k: "true" if v is True else v for k, v in filters.items()}
    assert names(signed_in.get(ORGS, query)) == expected


def test_organization_carries_kinds_capacity_and_panel(signed_in, directory_rows):
    rows = {o["name"]: o for o in signed_in.get(ORGS).json()["results"]}
    clinic = rows["Lighthouse Clinic"]
    assert clinic["kinds"] == ["ECM provider"]
    assert clinic["populations_of_focus"] == ["2", "4"]
    assert {
        o["service"]: (o["accepting_referrals"], o["open_slots"]) for o in clinic["offerings"]
    } == {
        "ECM": (True, 1),
        "CS_TEST_MEALS": (False, 0),
    }
    assert rows["Harbor Shelter"]["npi"] == "1234567893"
    assert rows["Canyon Network"]["kinds"] == ["Health network", "ECM provider"]


def test_service_filter_narrows_the_offerings_shown(signed_in, directory_rows):
    rows = {o["name"]: o for o in signed_in.get(ORGS + "?service=ECM").json()["results"]}
    assert [o["service"] for o in rows["Lighthouse Clinic"]["offerings"]] == ["ECM"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("?service=CS_NO_SUCH_SERVICE", "service"),
        ("?population=99", "population"),
        ("?accepting=perhaps", "accepting"),
    ],
)
def test_unknown_filter_value_is_a_400_with_a_field_message(signed_in, query, field):
    response = signed_in.get(ORGS + query)
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert body[field] and isinstance(body[field][0], str)


def test_unknown_service_message_names_the_code(signed_in):
    body = signed_in.get(ORGS + "?service=CS_NO_SUCH_SERVICE").json()
    assert "CS_NO_SUCH_SERVICE" in body["service"][0]


@pytest.mark.parametrize("path", [ORGS, "/api/v1/services/", "/api/v1/populations-of-focus/"])
def test_api_needs_authentication(api_client, path):
    assert api_client.get(path).status_code in (401, 403)


def test_services_list_code_name_and_available_from(signed_in):
    body = signed_in.get("/api/v1/services/").json()
    by_code = {s["code"]: s for s in body}
    assert len(body) == 16  # ECM, the fourteen of R-C1, Transitional Rent (R-C4)
    assert set(body[0]) >= {"code", "name", "available_from"}
    assert by_code["ECM"]["name"] == "Enhanced Care Management"
    assert by_code["CS_HOUSING_NAVIGATION"]["available_from"] == "2022-01-01"
    assert by_code["CS_SOBERING_CENTERS"]["available_from"] == "2022-07-01"
    assert by_code["CS_ASTHMA_REMEDIATION"]["available_from"] == "2023-01-01"
    assert by_code["CS_TRANSITIONAL_RENT"]["available_from"] == "2025-07-01"


def test_r_c4_a_service_added_as_data_is_listed_and_filterable(signed_in):
    ServiceFactory(
        code="CS_NEW_SUPPORT", name="New support", available_from=datetime.date(2027, 1, 1)
    )
    OfferingFactory(
        organization=CsProviderFactory(name="New Provider"), service__code="CS_NEW_SUPPORT"
    )
    listed = {s["code"]: s for s in signed_in.get("/api/v1/services/").json()}
    assert listed["CS_NEW_SUPPORT"]["available_from"] == "2027-01-01"
    assert names(signed_in.get(ORGS + "?service=CS_NEW_SUPPORT")) == {"New Provider"}
    detail = signed_in.get("/api/v1/services/CS_NEW_SUPPORT/")
    assert detail.status_code == 200 and detail.json()["name"] == "New support"


def test_populations_of_focus_are_listed(signed_in):
    body = signed_in.get("/api/v1/populations-of-focus/").json()
    assert [p["code"] for p in body] == ["1a", "1b", "2", "3", "4", "5", "6", "7", "8", "9"]
    by_code = {p["code"]: p for p in body}
    assert by_code["5"]["age_group"] == "adult"
    assert by_code["5"]["adult_live_from"] == "2023-01-01"
    assert by_code["7"]["adult_live_from"] is None
    assert all(p["name"] for p in body)


@pytest.mark.parametrize("extra", [3, 30])
@pytest.mark.parametrize(
    "query, max_queries",
    [
        # session, user, count, organizations, offerings, panel entries
        ("", 6),
        # + the query serializer looking up the service and the POF
        ("?service=CS_TEST_A&population=2&accepting=true", 8),
    ],
)
def test_organizations_query_count_does_not_grow_with_rows(
    signed_in, django_assert_max_num_queries, extra, query, max_queries
):
    directory_organizations(extra)
    with django_assert_max_num_queries(max_queries):
        response = signed_in.get(ORGS + query)
    assert len(names(response)) == extra
    assert all(len(o["populations_of_focus"]) == 2 for o in response.json()["results"])
