"""Authorizations REST API: scoped lists with `responsible_party` (R-A1, R-X2), HN staff limited to
their own legacy authorizations (R-A2), the decide endpoint (400 with field messages, 409 with the
current state), closure requests, pinned query counts."""

import datetime

import pytest
from rest_framework.test import APIClient

from authorizations import services
from authorizations.models import Authorization, Event, Status
from tests.authorizations.factories import (
    AuthorizationFactory,
    EventFactory,
    LegacyAuthorizationFactory,
    pending_requests,
)

pytestmark = pytest.mark.django_db

D = datetime.date
LIST = "/api/v1/authorizations/"

# Pinned query counts, measured on SQLite and PostgreSQL alike with a force-authenticated client,
# the same at 50 and 500 rows: the count and the page (relations joined). Detail: the
# authorization, its history and its closure requests.
LIST_MAX_QUERIES = 2 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)
DETAIL_MAX_QUERIES = 3 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(authorization, action=""):
    return f"{LIST}{authorization.pk}/{action + '/' if action else ''}"


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- Lists, detail, scope -------------------------------------------------------------------------


def test_r_a1_every_authorization_carries_its_responsible_party(reviewer, legacy, open_request):
    new = open_request()
    rows = {row["id"]: row for row in as_user(reviewer).get(LIST).json()["results"]}
    assert rows[new.pk]["responsible_party"] == "caloptima_health"
    assert rows[new.pk]["responsible_party_label"] == "CalOptima Health"
    assert rows[new.pk]["health_network"] is None
    assert rows[legacy.pk]["responsible_party"] == "health_network"
    assert rows[legacy.pk]["responsible_party_label"] == "Health network: Prospect Medical Group"
    assert rows[legacy.pk]["health_network"] == "Prospect Medical Group"
    assert rows[legacy.pk]["hn_authorization_number"] == "PMG-2022-0042"

    body = as_user(reviewer).get(url(legacy)).json()
    assert (body["responsible_party"], body["responsible_party_label"]) == (
        "health_network",
        "Health network: Prospect Medical Group",
    )


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"responsible_party": "health_network"}, ["legacy"]),
        ({"responsible_party": "caloptima_health"}, ["new"]),
        ({"status": "pending"}, ["new"]),
        ({"service": "ECM", "responsible_party": "health_network"}, ["legacy"]),
        ({}, ["new", "legacy"]),
    ],
)
def test_list_filters(reviewer, legacy, open_request, query, expected):
    made = {"new": open_request(), "legacy": legacy}
    response = as_user(reviewer).get(LIST, query)
    assert response.status_code == 200
    assert set(ids(response)) == {made[name].pk for name in expected}


def test_an_unknown_filter_value_is_a_400(reviewer):
    response = as_user(reviewer).get(LIST, {"responsible_party": "the_county"})
    assert response.status_code == 400
    assert "responsible_party" in response.json()


def test_r_a2_hn_staff_see_only_their_own_networks_legacy_authorizations(
    hn_staff, legacy, other_network, open_request
):
    theirs = LegacyAuthorizationFactory(health_network=other_network, member=legacy.member)
    new = open_request()
    client = as_user(hn_staff)

    assert ids(client.get(LIST)) == [legacy.pk]
    assert client.get(url(legacy)).status_code == 200
    assert client.get(url(theirs)).status_code == 404
    assert client.get(url(new)).status_code == 404


def test_r_x2_providers_see_what_they_deliver_and_strangers_nothing(
    provider_staff, stranger, legacy, open_request
):
    new = open_request()
    assert set(ids(as_user(provider_staff).get(LIST))) == {new.pk, legacy.pk}
    client = as_user(stranger)
    assert ids(client.get(LIST)) == []
    assert client.get(url(new)).status_code == 404


def test_the_api_needs_authentication(legacy):
    assert APIClient().get(LIST).status_code in (401, 403)


def test_detail_has_history_and_closure_requests(reviewer, open_request):
    authorization = open_request()
    body = as_user(reviewer).get(url(authorization)).json()
    assert [e["kind"] for e in body["events"]] == ["requested"]
    assert body["closure_requests"] == []
    assert body["referral"] == authorization.referral_id


# --- Decide ---------------------------------------------------------------------------------------


def test_a_reviewer_decides_through_the_api(reviewer, open_request):
    authorization = open_request()
    response = as_user(reviewer).post(
        url(authorization, "decide"),
        {
            "decision": "modify",
            "reason_code": "dates_or_units",
            "units": 30,
            "member_explanation": "Your provider plans 30 visits.",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["units"], body["reason_code"]) == (
        "modified",
        30,
        "dates_or_units",
    )
    assert body["events"][-1]["kind"] == "modified"
    assert body["events"][-1]["actor"] == reviewer.username


@pytest.mark.parametrize(
    "body, field, text",
    [
        ({"decision": "deny"}, "reason_code", "Give the reason"),
        ({"decision": "deny", "reason_code": "because"}, "reason_code", "not a valid choice"),
        ({"decision": "maybe"}, "decision", "not a valid choice"),
        ({}, "decision", "required"),
        ({"decision": "approve", "start_date": "2022-13-01"}, "start_date", "wrong format"),
        ({"decision": "approve", "start_date": "2024-05-31"}, "start_date", "R-A5"),
        ({"decision": "approve", "units": -1}, "units", "greater than or equal to 0"),
    ],
)
def test_decide_refusals_are_400_with_field_messages(
    reviewer, open_request, member, provider, body, field, text
):
    AuthorizationFactory(
        member=member, provider=provider, status=Status.APPROVED, start_date=D(2024, 1, 15)
    )
    authorization = open_request(start=D(2024, 8, 1))

    response = as_user(reviewer).post(url(authorization, "decide"), body, format="json")

    assert response.status_code == 400
    assert text in " ".join(response.json()[field])
    authorization.refresh_from_db()
    assert authorization.status == Status.PENDING
    assert list(authorization.events.values_list("kind", flat=True)) == ["requested"]


def test_decide_when_already_decided_is_409_with_the_current_state(
    reviewer, second_reviewer, open_request
):
    authorization = open_request()
    services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")

    response = as_user(second_reviewer).post(
        url(authorization, "decide"),
        {"decision": "deny", "reason_code": "not_eligible"},
        format="json",
    )

    assert response.status_code == 409
    body = response.json()
    assert reviewer.get_full_name() in " ".join(body["status"])
    assert body["current"]["id"] == authorization.pk
    assert body["current"]["status"] == "approved"
    assert [e["kind"] for e in body["current"]["events"]] == ["requested", "approved"]


@pytest.mark.parametrize("who", ["caloptima_staff", "provider_staff"])
def test_decide_is_403_for_non_reviewers(request, open_request, who):
    authorization = open_request()
    response = as_user(request.getfixturevalue(who)).post(
        url(authorization, "decide"), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 403
    authorization.refresh_from_db()
    assert authorization.status == Status.PENDING


def test_decide_is_404_outside_scope(hn_staff, open_request):
    authorization = open_request()
    response = as_user(hn_staff).post(
        url(authorization, "decide"), {"decision": "approve"}, format="json"
    )
    assert response.status_code == 404


def test_r_a2_deciding_a_legacy_authorization_is_refused(reviewer, legacy):
    Authorization.objects.filter(pk=legacy.pk).update(status=Status.PENDING)
    response = as_user(reviewer).post(url(legacy, "decide"), {"decision": "approve"}, format="json")
    assert response.status_code == 400
    assert "health network" in " ".join(response.json()["status"])


def test_assign_through_the_api(reviewer, open_request):
    authorization = open_request()
    response = as_user(reviewer).post(url(authorization, "assign"))
    assert response.status_code == 200
    authorization.refresh_from_db()
    assert authorization.reviewer == reviewer


# --- Closure requests -----------------------------------------------------------------------------


def test_closure_request_and_decision_through_the_api(provider_staff, reviewer, open_request):
    authorization = open_request()
    services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")

    response = as_user(provider_staff).post(
        url(authorization, "closure-requests"),
        # R-N5: a date already past takes effect sooner than 10 days: it names the exception.
        {
            "kind": "end",
            "reason": "Goals met.",
            "end_date": "2024-09-30",
            "notice_exception": "member_request",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    closure = response.json()
    assert (closure["state"], closure["end_date"]) == ("pending", "2024-09-30")

    decide_url = url(authorization, f"closure-requests/{closure['id']}/decide")
    response = as_user(provider_staff).post(decide_url, {"approve": True}, format="json")
    assert response.status_code == 403

    response = as_user(reviewer).post(decide_url, {"approve": False}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()

    explained = {"approve": True, "member_explanation": "You asked to end ECM."}
    response = as_user(reviewer).post(decide_url, explained, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["end_date"]) == ("terminated", "2024-09-30")
    assert body["closure_requests"][0]["state"] == "approved"
    assert [e["kind"] for e in body["events"]][-2:] == ["closure_requested", "terminated"]


def test_closure_request_refusals_are_400(provider_staff, legacy):
    response = as_user(provider_staff).post(
        url(legacy, "closure-requests"), {"kind": "end", "reason": "Done"}, format="json"
    )
    assert response.status_code == 400
    assert "end_date" in response.json()
    response = as_user(provider_staff).post(
        url(legacy, "closure-requests"), {"kind": "pause", "reason": "x"}, format="json"
    )
    assert response.status_code == 400 and "kind" in response.json()
    assert not legacy.closure_requests.exists()


def test_r_a2_hn_staff_decide_closures_on_their_legacy_authorization(
    hn_staff, reviewer, provider_staff, legacy
):
    response = as_user(provider_staff).post(
        url(legacy, "closure-requests"),
        {"kind": "modify", "reason": "Fewer hours.", "new_units": 12},
        format="json",
    )
    decide_url = url(legacy, f"closure-requests/{response.json()['id']}/decide")

    assert as_user(reviewer).post(decide_url, {"approve": True}, format="json").status_code == 403
    explained = {"approve": True, "member_explanation": "You need fewer hours now."}
    response = as_user(hn_staff).post(decide_url, explained, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["units"]) == ("modified", 12)


def test_deciding_another_authorizations_closure_request_is_404(reviewer, open_request, legacy):
    from tests.authorizations.factories import ClosureRequestFactory

    closure = ClosureRequestFactory(authorization=legacy)
    other = open_request()
    response = as_user(reviewer).post(
        url(other, f"closure-requests/{closure.pk}/decide"), {"approve": True}, format="json"
    )
    assert response.status_code == 404


# --- Query counts and the schema ------------------------------------------------------------------


@pytest.mark.parametrize("count", [50, 500])
def test_list_query_count_is_the_same_at_50_and_500(
    reviewer, second_reviewer, network, other_network, django_assert_max_num_queries, count
):
    pending_requests(
        count, networks=[network, other_network], reviewers=[reviewer, second_reviewer]
    )
    LegacyAuthorizationFactory.create_batch(3, health_network=network)
    client = as_user(reviewer)

    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        response = client.get(LIST)

    assert response.status_code == 200
    assert response.json()["count"] == count + 3
    assert len(response.json()["results"]) == 50


@pytest.mark.parametrize("size", [1, 20])
def test_detail_query_count_is_pinned(reviewer, open_request, django_assert_max_num_queries, size):
    authorization = open_request()
    EventFactory.create_batch(size, authorization=authorization, kind=Event.Kind.ASSIGNED)
    client = as_user(reviewer)

    with django_assert_max_num_queries(DETAIL_MAX_QUERIES):
        response = client.get(url(authorization))

    assert len(response.json()["events"]) == size + 1


def test_authorizations_and_notices_are_in_the_openapi_schema(reviewer):
    response = as_user(reviewer).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/authorizations/",
        "/api/v1/authorizations/{id}/decide/",
        "/api/v1/authorizations/{id}/closure-requests/",
        "/api/v1/notices/",
        "/api/v1/notices/{id}/download/",
    ):
        assert path in paths, path
