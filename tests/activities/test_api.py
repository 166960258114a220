"""ECM activities REST API (R-F1): create through the same service as the page (400 keyed by
field, 404 for another provider's authorization exactly as for a missing one, 409 for a duplicate
until confirmed), the scoped list with its filters (R-X2), detail, the schema, query counts."""

import datetime

import pytest
from rest_framework.test import APIClient

from activities import rules, services
from activities.models import ActivityType, EcmActivity
from authorizations.models import Status
from common.audit.models import AuditEvent
from tests.activities.factories import EcmActivityFactory, activities_for
from tests.authorizations.factories import AuthorizationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/ecm-activities/"
DAY = datetime.timedelta(days=1)
# Pinned, the same at 10 and 100 rows: the count and the page (relations joined), + 1: the
# R-X3 audit row (one INSERT per recorded request).
LIST_QUERIES = 2 + 1


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(on, **overrides) -> dict:
    """A valid activity for the authorization `on` (overrides may name another `authorization`)."""
    data = {
        "authorization": on.pk,
        "date": (on.start_date + 3 * DAY).isoformat(),
        "activity_type": "engagement",
        "method": "phone",
        "units": 3,
    }
    data.update(overrides)
    return data


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- Create --------------------------------------------------------------------------------------


def test_r_f1_create_logs_the_activity_and_answers_201_with_it(staff, ecm):
    response = as_user(staff).post(LIST, body(ecm, note="Home visit planned."), format="json")

    assert response.status_code == 201, response.json()
    activity = EcmActivity.objects.get()
    data = response.json()
    assert data["id"] == activity.pk
    assert (data["authorization"], data["member"], data["provider"]) == (
        ecm.pk,
        ecm.member_id,
        ecm.provider_id,
    )
    assert (data["units"], data["note"], data["logged_by"]) == (
        3,
        "Home visit planned.",
        staff.username,
    )
    assert data["provider_name"] == "Harbor Community Clinic" and data["source"] == "logged"


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"date": "2099-01-01"}, "date", "The date cannot be in the future"),
        ({"date": "2001-01-01"}, "date", "The date must be inside the authorization's dates"),
        ({"units": 0}, "units", "Units must be from 1 to 96"),
        ({"units": 97}, "units", "Units must be from 1 to 96"),
        ({"units": "four"}, "units", "Units are a whole number of 15-minute units, 1 to 96."),
        ({"activity_type": "outreach_attempt"}, "outcome", "Say whether the member was reached"),
        ({"outcome": "reached"}, "outcome", "Only an outreach attempt has an outcome"),
        ({"note": "n" * 4001}, "note", "Keep the note to 4,000 characters"),
    ],
)
def test_r_f1_a_refusal_is_400_keyed_by_field_and_saves_nothing(
    staff, ecm, overrides, field, message
):
    response = as_user(staff).post(LIST, body(ecm, **overrides), format="json")

    assert response.status_code == 400
    assert response.json()[field][0].startswith(message), response.json()
    assert EcmActivity.objects.count() == 0


def test_r_x2_another_providers_authorization_answers_exactly_as_a_missing_one(other_staff, ecm):
    client = as_user(other_staff)
    theirs = client.post(LIST, body(ecm), format="json")
    missing = client.post(LIST, body(ecm, authorization=ecm.pk + 1000), format="json")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json() == {"authorization": ["No such authorization."]}
    assert EcmActivity.objects.count() == 0


def test_r_f1_an_authorization_seen_but_not_ones_own_to_log_is_400_keyed_authorization(
    reviewer, ecm
):
    response = as_user(reviewer).post(LIST, body(ecm), format="json")
    assert response.status_code == 400
    assert response.json() == {"authorization": [services.NOT_THE_PROVIDER]}
    assert EcmActivity.objects.count() == 0


def test_r_f1_a_duplicate_is_409_keyed_confirm_duplicate_until_confirmed(staff, ecm):
    client = as_user(staff)
    assert client.post(LIST, body(ecm), format="json").status_code == 201

    again = client.post(LIST, body(ecm, units=1), format="json")
    assert again.status_code == 409
    assert again.json() == {"confirm_duplicate": [rules.DUPLICATE]}
    assert EcmActivity.objects.count() == 1

    confirmed = client.post(LIST, body(ecm, units=1, confirm_duplicate=True), format="json")
    assert confirmed.status_code == 201 and EcmActivity.objects.count() == 2


@pytest.mark.parametrize("authorization", ["abc", -1, 0, 10**20, None])
def test_a_bad_authorization_id_is_400_keyed_authorization(staff, ecm, authorization):
    response = as_user(staff).post(LIST, body(ecm, authorization=authorization), format="json")
    assert response.status_code == 400 and "authorization" in response.json()


def test_r_x3_a_logged_activity_is_in_the_audit_trail(staff, ecm):
    as_user(staff).post(LIST, body(ecm), format="json")
    activity = EcmActivity.objects.get()
    created = AuditEvent.objects.filter(
        object_type="activities.ecmactivity", object_pk=str(activity.pk)
    )
    assert created.exists()


# --- List, filters, detail, scope ----------------------------------------------------------------


def test_r_x2_the_list_and_detail_hold_the_callers_organizations_activities_only(
    staff, other_staff, reviewer, ecm, theirs
):
    ours = EcmActivityFactory(authorization=ecm)
    other = EcmActivityFactory(authorization=theirs)

    assert ids(as_user(staff).get(LIST)) == [ours.pk]
    assert as_user(staff).get(f"{LIST}{ours.pk}/").json()["id"] == ours.pk
    theirs_answer = as_user(staff).get(f"{LIST}{other.pk}/")
    missing = as_user(staff).get(f"{LIST}{other.pk + 1000}/")
    assert theirs_answer.status_code == missing.status_code == 404
    assert theirs_answer.json() == missing.json()
    assert sorted(ids(as_user(reviewer).get(LIST))) == sorted([ours.pk, other.pk])


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, ["a", "b", "c", "d"]),
        ({"authorization": "ecm"}, ["a", "b", "c"]),
        ({"authorization": "second"}, ["d"]),
        ({"member": "member"}, ["a", "b", "c"]),
        ({"date_after": "d2"}, ["b", "c", "d"]),
        ({"date_before": "d2"}, ["a", "b"]),
        ({"date_after": "d2", "date_before": "d2"}, ["b"]),
        ({"activity_type": "assessment"}, ["c"]),
        ({"authorization": "missing"}, []),
    ],
)
def test_list_filters(staff, ecm, clinic, today, query, expected):
    second = AuthorizationFactory(
        provider=clinic, status=Status.APPROVED, start_date=ecm.start_date
    )
    d1, d2, d3 = (ecm.start_date + n * DAY for n in (1, 2, 3))
    made = {
        "a": EcmActivityFactory(authorization=ecm, date=d1),
        "b": EcmActivityFactory(authorization=ecm, date=d2),
        "c": EcmActivityFactory(authorization=ecm, date=d3, activity_type=ActivityType.ASSESSMENT),
        "d": EcmActivityFactory(authorization=second, date=d3),
    }
    values = {
        "ecm": ecm.pk,
        "second": second.pk,
        "member": ecm.member_id,
        "missing": 99999999,
        "d2": d2.isoformat(),
    }
    params = {k: values.get(v, v) for k, v in query.items()}
    response = as_user(staff).get(LIST, params)
    assert response.status_code == 200
    assert sorted(ids(response)) == sorted(made[name].pk for name in expected)


def test_r_x2_filtering_by_another_providers_authorization_is_like_a_missing_id(staff, ecm, theirs):
    EcmActivityFactory(authorization=theirs)
    client = as_user(staff)
    got = client.get(LIST, {"authorization": theirs.pk})
    missing = client.get(LIST, {"authorization": 99999999})
    assert got.status_code == missing.status_code == 200
    assert (
        got.json() == missing.json() == {"count": 0, "next": None, "previous": None, "results": []}
    )


@pytest.mark.parametrize("value", ["99999999999999999999", "-99999999999999999999"])
def test_a_number_beyond_a_bigint_in_a_filter_is_not_a_server_error(staff, value):
    response = as_user(staff).get(LIST, {"authorization": value})
    assert response.status_code in (200, 400)


def test_the_list_is_paginated_like_the_other_api_lists(staff, ecm):
    activities_for(ecm, 60)
    page = as_user(staff).get(LIST).json()
    assert page["count"] == 60 and len(page["results"]) == 50 and page["next"]


@pytest.mark.parametrize("count", [10, 100])
def test_list_query_count_is_pinned(staff, ecm, django_assert_num_queries, count):
    activities_for(ecm, count)
    client = as_user(staff)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST)
    assert response.json()["count"] == count


def test_ecm_activities_are_in_the_openapi_schema(reviewer):
    response = as_user(reviewer).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/ecm-activities/"])
    assert "get" in paths["/api/v1/ecm-activities/{id}/"]
    listed = {p["name"] for p in paths["/api/v1/ecm-activities/"]["get"]["parameters"]}
    assert {"authorization", "member", "date_after", "date_before", "activity_type"} <= listed
    responses = paths["/api/v1/ecm-activities/"]["post"]["responses"]
    assert {"201", "400", "404", "409"} <= set(responses)


@pytest.mark.parametrize(
    "payload", [[], "just text", {"units": {"a": 1}}, {"date": ["2026-01-01"]}, {"note": None}]
)
def test_malformed_bodies_are_400_and_save_nothing(staff, ecm, payload):
    data = body(ecm, **payload) if isinstance(payload, dict) else payload
    response = as_user(staff).post(LIST, data, format="json")
    assert response.status_code == 400
    assert EcmActivity.objects.count() == 0


def test_huge_units_and_a_huge_note_are_refused_keyed_by_field(staff, ecm):
    client = as_user(staff)
    assert "units" in client.post(LIST, body(ecm, units=10**30), format="json").json()
    assert "note" in client.post(LIST, body(ecm, note="x" * 200_000), format="json").json()
    assert EcmActivity.objects.count() == 0
