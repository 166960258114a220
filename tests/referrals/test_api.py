"""Referrals REST API: create with Idempotency-Key, duplicates (409), bad input (400, the field
named, nothing saved), scoped and filtered lists (R-X2), one endpoint per transition (R-R2),
messages (R-R5), attachments judged by content, pinned query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from common.dates import business_today
from members.models import PopulationOfFocus
from providers.models import Organization
from referrals import services
from referrals.models import Attachment, Message, Referral, Status, StatusChange, Urgency
from tests.members.factories import member_with_history
from tests.providers.factories import CsProviderFactory, OfferingFactory, UserFactory
from tests.referrals.conftest import START
from tests.referrals.factories import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    AttachmentFactory,
    MessageFactory,
    ReferralFactory,
    StatusChangeFactory,
    service,
)

pytestmark = pytest.mark.django_db

D = datetime.date
LIST = "/api/v1/referrals/"

# Pinned query counts, measured on SQLite and PostgreSQL alike with a force-authenticated client,
# the same at 10 and 100 referrals. List: count and page (unread counts in a subquery). Detail: the
# referral, then its POFs, history (with actors), messages and attachments.
LIST_MAX_QUERIES = 2 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)
DETAIL_MAX_QUERIES = 5 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)


def detail(referral):
    return f"{LIST}{referral.pk}/"


def action(referral, name):
    return f"{LIST}{referral.pk}/{name}/"


def counts():
    return (
        Referral.objects.count(),
        StatusChange.objects.count(),
        Attachment.objects.count(),
        Message.objects.count(),
    )


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(**overrides):
    """A good request: medically tailored meals for the member (by CIN and birth date) at Mercy
    House."""
    data = {
        "cin": "91234567A",
        "birth_date": "1975-04-12",
        "service": "CS_MEDICALLY_TAILORED_MEALS",
        "requested_start_date": START.isoformat(),
        "reason": "Diabetes with a recent hospital stay.",
        "member_consent": True,
        "receiving_organization": Organization.objects.get(name="Mercy House").pk,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not ...}


@pytest.fixture
def coordinator_api(coordinator):
    return as_user(coordinator)


@pytest.fixture
def mercy_api(mercy_staff):
    return as_user(mercy_staff)


# --- Create ------------------------------------------------------------------------------------


def test_create_by_cin_and_birth_date_returns_201_with_the_referral(
    coordinator_api, member, mercy_house
):
    response = coordinator_api.post(LIST, body(), format="json")

    assert response.status_code == 201, response.data
    referral = Referral.objects.get()
    assert response.data["reference"] == referral.reference
    assert response.data["status"] == Status.SENT
    assert response.data["receiving_organization"] == "Mercy House"
    assert [h["to_status"] for h in response.data["history"]] == [Status.SUBMITTED, Status.SENT]
    assert referral.member == member


def test_create_by_member_id_for_a_visible_member(hn_staff, member, caloptima):
    response = as_user(hn_staff).post(
        LIST,
        body(cin=..., birth_date=..., member=member.pk, receiving_organization=None),
        format="json",
    )

    assert response.status_code == 201, response.data
    assert response.data["member"] == member.pk
    assert response.data["receiving_organization"] == caloptima.name  # R-R4
    assert response.data["status"] == Status.IN_REVIEW


def test_create_by_member_id_refused_for_a_member_out_of_scope(coordinator_api, member):
    response = coordinator_api.post(
        LIST, body(cin=..., birth_date=..., member=member.pk), format="json"
    )

    assert response.status_code == 400 and "member" in response.data
    assert not Referral.objects.exists()


def test_same_idempotency_key_returns_200_and_one_referral(coordinator_api, member, mercy_house):
    first = coordinator_api.post(LIST, body(), format="json", HTTP_IDEMPOTENCY_KEY="abc-123")

    again = coordinator_api.post(
        LIST,
        body(reason="Sent again by a retry."),
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-123",
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data["id"] == first.data["id"]
    assert again.data["reason"] == "Diabetes with a recent hospital stay."
    assert Referral.objects.count() == 1 and StatusChange.objects.count() == 2


def test_duplicate_returns_409_with_the_existing_reference(coordinator_api, member, mercy_house):
    first = coordinator_api.post(LIST, body(), format="json")

    response = coordinator_api.post(LIST, body(), format="json")

    assert response.status_code == 409
    assert response.data["existing"] == {
        "id": first.data["id"],
        "reference": first.data["reference"],
    }
    assert first.data["reference"] in " ".join(response.data["confirm_duplicate"])
    assert Referral.objects.count() == 1

    confirmed = coordinator_api.post(LIST, body(confirm_duplicate=True), format="json")
    assert confirmed.status_code == 201 and Referral.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"service": ...}, "service", id="missing-service"),
        pytest.param({"reason": ...}, "reason", id="missing-reason"),
        pytest.param({"requested_start_date": ...}, "requested_start_date", id="missing-date"),
        pytest.param({"member_consent": ...}, "member_consent", id="missing-consent"),
        pytest.param({"member_consent": False}, "member_consent", id="no-consent"),
        pytest.param({"cin": ..., "birth_date": ...}, "member", id="no-member"),
        pytest.param({"cin": "1234567"}, "cin", id="malformed-cin"),
        pytest.param({"cin": "91234567A1"}, "cin", id="cin-too-long"),
        pytest.param({"birth_date": "future"}, "birth_date", id="future-birth-date"),
        pytest.param({"birth_date": "1975-04-13"}, "cin", id="cin-and-birth-date-differ"),
        pytest.param({"service": "CS_NOT_A_THING"}, "service", id="unknown-service"),
        pytest.param({"urgency": Urgency.EXPEDITED}, "expedited_justification", id="expedited"),
        pytest.param({"urgency": "soon"}, "urgency", id="unknown-urgency"),
        pytest.param(
            {"service": "ECM", "receiving_organization": None, "populations": ["99"]},
            "populations",
            id="unknown-pof",
        ),
        pytest.param(
            {"service": "CS_RESPITE", "requested_start_date": "2022-12-31"},
            "service",
            id="service-before-its-date",
        ),
        pytest.param(
            {"receiving_organization": "not-accepting"},
            "receiving_organization",
            id="provider-not-accepting",
        ),
        pytest.param({"idempotency_key": "k" * 200}, "Idempotency-Key", id="key-too-long"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(
    coordinator_api, member, mercy_house, overrides, field
):
    if overrides.get("birth_date") == "future":
        overrides["birth_date"] = (business_today() + datetime.timedelta(days=2)).isoformat()
    if overrides.get("receiving_organization") == "not-accepting":
        closed = CsProviderFactory()
        OfferingFactory(
            organization=closed,
            service=service("CS_MEDICALLY_TAILORED_MEALS"),
            accepting_referrals=False,
        )
        overrides["receiving_organization"] = closed.pk
    if overrides.get("service") == "CS_RESPITE":
        OfferingFactory(organization=mercy_house, service=service("CS_RESPITE"))
    headers = {}
    if "idempotency_key" in overrides:
        headers["HTTP_IDEMPOTENCY_KEY"] = overrides.pop("idempotency_key")
    before = counts()

    response = coordinator_api.post(LIST, body(**overrides), format="json", **headers)

    assert response.status_code == 400, response.data
    assert field in response.data, response.data
    assert counts() == before


def test_r_c1_service_before_its_date_names_the_date(coordinator_api, member, mercy_house):
    OfferingFactory(organization=mercy_house, service=service("CS_RESPITE"))

    response = coordinator_api.post(
        LIST, body(service="CS_RESPITE", requested_start_date="2022-12-31"), format="json"
    )

    assert "1 January 2023" in " ".join(response.data["service"])


def test_r_m4_pace_member_asking_ecm_is_400_with_the_reason(coordinator_api):
    member_with_history(program="pace", cin="92222222B", birth_date=D(1948, 8, 8))

    response = coordinator_api.post(
        LIST,
        body(
            cin="92222222B",
            birth_date="1948-08-08",
            service="ECM",
            receiving_organization=None,
            populations=["2"],
        ),
        format="json",
    )

    assert response.status_code == 400
    # R-X2: the coordinator may not see this member yet: the reason in words naming no program.
    said = " ".join(response.data["member"])
    assert "the member's coverage does not include ECM" in said
    assert "PACE" not in said and "R-M4" not in said
    assert not Referral.objects.exists()


def test_multipart_create_is_refused_without_saving(coordinator_api, member, mercy_house):
    """A create in form encoding works like JSON (the same serializer and service)."""
    response = coordinator_api.post(LIST, body(reason=""), format="multipart")

    assert response.status_code == 400 and "reason" in response.data
    assert not Referral.objects.exists()


# --- List and detail ---------------------------------------------------------------------------


@pytest.fixture
def three_referrals(coordinator, mercy_house, meals, housing_deposits):
    """Three referrals from the coordinator's clinic, created on three known days."""
    rows = [
        ReferralFactory(
            service=meals,
            referring_organization=coordinator.organization,
            referring_user=coordinator,
            receiving_organization=mercy_house,
            status=Status.SENT,
        ),
        ReferralFactory(
            service=housing_deposits,
            referring_organization=coordinator.organization,
            referring_user=coordinator,
            receiving_organization=mercy_house,
            status=Status.ACCEPTED,
            urgency=Urgency.EXPEDITED,
            expedited_justification="Eviction on Friday.",
        ),
        ReferralFactory(
            service=service("ECM"),
            referring_organization=coordinator.organization,
            referring_user=coordinator,
            status=Status.IN_REVIEW,
        ),
    ]
    for row, day in zip(rows, (D(2025, 1, 10), D(2025, 2, 10), D(2025, 3, 10)), strict=True):
        Referral.objects.filter(pk=row.pk).update(
            created_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        )
    return rows


def references(response):
    return [r["reference"] for r in response.data["results"]]


def test_list_is_scoped_to_the_organizations_part(
    coordinator_api, mercy_api, stranger, reviewer, three_referrals
):
    meals_, deposits, ecm_ = three_referrals
    other = ReferralFactory()

    assert set(references(coordinator_api.get(LIST))) == {r.reference for r in three_referrals}
    assert set(references(mercy_api.get(LIST))) == {meals_.reference, deposits.reference}
    assert references(as_user(stranger).get(LIST)) == []
    assert len(references(as_user(reviewer).get(LIST))) == 4
    assert other.reference not in references(coordinator_api.get(LIST))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "sent"}, [0]),
        ({"status": "in_review"}, [2]),
        ({"service": "CS_HOUSING_DEPOSITS"}, [1]),
        ({"urgency": "expedited"}, [1]),
        ({"created_from": "2025-02-01"}, [2, 1]),
        ({"created_to": "2025-02-10"}, [1, 0]),
        ({"created_from": "2025-02-01", "created_to": "2025-02-28"}, [1]),
        ({"ordering": "created"}, [0, 1, 2]),
        ({"ordering": "-created"}, [2, 1, 0]),
        ({}, [2, 1, 0]),
    ],
)
def test_list_filters_and_ordering(coordinator_api, three_referrals, query, expected):
    response = coordinator_api.get(LIST, query)

    assert response.status_code == 200
    assert references(response) == [three_referrals[i].reference for i in expected]


@pytest.mark.parametrize("query", [{"status": "lost"}, {"service": "CS_NOPE"}])
def test_list_bad_filter_is_400(coordinator_api, three_referrals, query):
    response = coordinator_api.get(LIST, query)

    assert response.status_code == 400 and set(query) <= set(response.data)


def test_list_shows_unread_messages(coordinator_api, mercy_staff, three_referrals):
    MessageFactory(referral=three_referrals[0], author=mercy_staff)

    rows = {r["reference"]: r["unread"] for r in coordinator_api.get(LIST).data["results"]}

    assert rows == {
        three_referrals[0].reference: 1,
        **{r.reference: 0 for r in three_referrals[1:]},
    }


def test_detail_for_a_party_and_404_for_an_unrelated_organization(
    coordinator_api, stranger, three_referrals
):
    referral = three_referrals[0]

    response = coordinator_api.get(detail(referral))
    assert response.status_code == 200 and response.data["reference"] == referral.reference
    assert response.data["history"][0]["to_status"] == Status.SUBMITTED

    assert as_user(stranger).get(detail(referral)).status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "list"),
        ("post", "list"),
        ("get", "detail"),
        ("post", "accept"),
        ("get", "messages"),
    ],
)
def test_unauthenticated_requests_are_refused(three_referrals, method, url):
    referral = three_referrals[0]
    path = {"list": LIST, "detail": detail(referral)}.get(url) or action(referral, url)
    before = counts()

    response = getattr(APIClient(), method)(path, {}, format="json")

    assert response.status_code in (401, 403)
    assert counts() == before


def test_token_authentication_works(coordinator, three_referrals):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=coordinator).key}")

    assert client.get(LIST).status_code == 200


# --- Transitions -------------------------------------------------------------------------------


@pytest.fixture
def referral_at(coordinator, member, mercy_house, mercy_staff, reviewer, meals):
    """A referral from the coordinator to Mercy House, moved on to the status asked for."""

    def _at(status):
        referral, _ = services.create_referral(
            user=coordinator,
            member=member,
            service=meals,
            requested_start_date=START,
            reason="Needs meals.",
            member_consent=True,
            receiving_organization=mercy_house,
            confirm_duplicate=True,
        )
        path = [
            (Status.ACCEPTED, services.accept, mercy_staff, {}),
            (Status.AUTHORIZATION_REQUESTED, services.request_authorization, mercy_staff, {}),
            (
                Status.AUTHORIZED,
                services.record_authorization,
                reviewer,
                {"authorized": True},
            ),
        ]
        for reached, step, actor, kwargs in path:
            if referral.status == status:
                break
            referral = step(user=actor, referral_id=referral.pk, **kwargs)
            assert referral.status == reached
        return referral

    return _at


@pytest.fixture
def in_review(hn_staff, member, mercy_house, meals):
    referral, _ = services.create_referral(
        user=hn_staff,
        member=member,
        service=meals,
        requested_start_date=START,
        reason="Network referral.",
        member_consent=True,
        confirm_duplicate=True,
    )
    return referral


# (endpoint, status before, who, data, expected status after or the field of the refusal)
TRANSITIONS = [
    # Accepting opens the authorization request at once: two steps in the history.
    pytest.param(
        "accept", Status.SENT, "mercy_staff", {}, Status.AUTHORIZATION_REQUESTED, id="accept"
    ),
    pytest.param("accept", Status.SENT, "coordinator", {}, "status", id="accept-by-referrer"),
    pytest.param(
        "decline",
        Status.SENT,
        "mercy_staff",
        {"note": "No capacity."},
        Status.DECLINED,
        id="decline",
    ),
    pytest.param(
        "decline", Status.SENT, "mercy_staff", {}, "decline_reason", id="decline-without-reason"
    ),
    pytest.param(
        "request-authorization",
        Status.ACCEPTED,
        "mercy_staff",
        {},
        Status.AUTHORIZATION_REQUESTED,
        id="request-authorization",
    ),
    pytest.param(
        "request-authorization",
        Status.SENT,
        "mercy_staff",
        {},
        "status",
        id="request-authorization-before-accepting",
    ),
    pytest.param(
        "start-service",
        Status.AUTHORIZED,
        "mercy_staff",
        {},
        Status.SERVICE_STARTED,
        id="start-service",
    ),
    pytest.param(
        "start-service",
        Status.AUTHORIZED,
        "coordinator",
        {},
        "status",
        id="start-service-by-referrer",
    ),
    pytest.param(
        "close",
        Status.SENT,
        "coordinator",
        {"note": "Member moved."},
        Status.CLOSED,
        id="close",
    ),
    pytest.param(
        "close",
        Status.SENT,
        "coordinator",
        {"note": " "},
        "closed_reason",
        id="close-without-reason",
    ),
]


@pytest.mark.parametrize(("endpoint", "start", "who", "data", "outcome"), TRANSITIONS)
def test_transition_endpoints(request, referral_at, endpoint, start, who, data, outcome):
    referral = referral_at(start)
    history = referral.history.count()

    response = as_user(request.getfixturevalue(who)).post(
        action(referral, endpoint), data, format="json"
    )

    referral.refresh_from_db()
    if outcome in Status.values:
        assert response.status_code == 200, response.data
        assert response.data["status"] == outcome == referral.status
        steps = 2 if endpoint == "accept" else 1
        assert referral.history.count() == history + steps
        if outcome == Status.AUTHORIZATION_REQUESTED:
            assert referral.authorizations.get().status == "pending"
        assert response.data["history"][-steps]["note"] == data.get("note", "").strip()
    else:
        assert response.status_code == 400
        assert outcome in response.data
        assert referral.status == start and referral.history.count() == history


def test_assign_by_caloptima_sends_it_to_the_provider(caloptima_staff, in_review, mercy_house):
    response = as_user(caloptima_staff).post(
        action(in_review, "assign"), {"provider": mercy_house.pk}, format="json"
    )

    assert response.status_code == 200, response.data
    assert response.data["status"] == Status.SENT
    assert response.data["receiving_organization"] == "Mercy House"


@pytest.mark.parametrize(
    ("who", "provider", "field"),
    [
        pytest.param(
            "caloptima_staff",
            "no-offering",
            "receiving_organization",
            id="provider-without-the-service",
        ),
        pytest.param("caloptima_staff", None, "receiving_organization", id="no-provider"),
        pytest.param("hn_staff", "mercy", "status", id="by-the-referring-network"),
    ],
)
def test_assign_refused(request, in_review, mercy_house, who, provider, field):
    chosen = {"mercy": mercy_house.pk, "no-offering": CsProviderFactory().pk, None: None}[provider]

    response = as_user(request.getfixturevalue(who)).post(
        action(in_review, "assign"), {"provider": chosen}, format="json"
    )

    assert response.status_code == 400 and field in response.data
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW


@pytest.mark.parametrize(
    "endpoint", ["accept", "decline", "close", "assign", "messages", "attachments"]
)
def test_r_x2_unrelated_organization_gets_404_on_every_action(stranger, referral_at, endpoint):
    referral = referral_at(Status.SENT)
    before = counts()

    response = as_user(stranger).post(action(referral, endpoint), {"note": "x", "body": "x"})

    assert response.status_code == 404
    assert counts() == before


# --- Messages (R-R5) and attachments -----------------------------------------------------------


def test_r_r5_messages_post_and_list_and_unread_drops_after_reading(
    coordinator_api, mercy_api, referral_at
):
    referral = referral_at(Status.SENT)

    posted = coordinator_api.post(
        action(referral, "messages"), {"body": "Member prefers mornings."}, format="json"
    )
    assert posted.status_code == 201
    assert posted.data["organization"] == "Harbor Community Clinic"
    assert mercy_api.get(detail(referral)).status_code == 200
    assert mercy_api.get(LIST).data["results"][0]["unread"] == 1

    thread = mercy_api.get(action(referral, "messages"))

    assert [m["body"] for m in thread.data] == ["Member prefers mornings."]
    assert mercy_api.get(LIST).data["results"][0]["unread"] == 0


def test_r_r5_empty_message_is_400(coordinator_api, referral_at):
    referral = referral_at(Status.SENT)

    response = coordinator_api.post(action(referral, "messages"), {"body": "  "}, format="json")

    assert response.status_code == 400 and "body" in response.data
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "expected_type"),
    [
        ("summary.pdf", PDF_BYTES, "application/pdf"),
        ("lease.pdf", PNG_BYTES, "image/png"),
    ],
)
def test_attachment_upload_201_typed_by_content(
    coordinator_api, referral_at, name, content, expected_type
):
    referral = referral_at(Status.SENT)

    response = coordinator_api.post(
        action(referral, "attachments"),
        {"file": SimpleUploadedFile(name, content, "application/pdf")},
        format="multipart",
    )

    assert response.status_code == 201, response.data
    assert (response.data["original_name"], response.data["content_type"]) == (name, expected_type)
    assert referral.attachments.get().size == len(content)


@pytest.mark.parametrize(
    ("upload", "says"),
    [
        pytest.param(("letter.pdf", EXE_BYTES), "must be a PDF, PNG or JPEG", id="exe-named-pdf"),
        pytest.param(("notes.pdf", b"plain text notes\n"), "must be a PDF, PNG or JPEG", id="text"),
        pytest.param(("big.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024)), "10 MB", id="oversize"),
        pytest.param(None, "", id="no-file"),
    ],
)
def test_attachment_refused_is_400_naming_file(coordinator_api, referral_at, upload, says):
    referral = referral_at(Status.SENT)
    data = {"file": SimpleUploadedFile(*upload)} if upload else {}

    response = coordinator_api.post(action(referral, "attachments"), data, format="multipart")

    assert response.status_code == 400
    assert "file" in response.data and says in " ".join(map(str, response.data["file"]))
    assert not Attachment.objects.exists()


# --- Pinned query counts -----------------------------------------------------------------------


def many_referrals(count, *, coordinator, mercy_house, meals):
    for _ in range(count):
        referral = ReferralFactory(
            service=meals,
            referring_organization=coordinator.organization,
            referring_user=coordinator,
            receiving_organization=mercy_house,
        )
        MessageFactory(referral=referral)


@pytest.mark.parametrize("count", [10, 100])
def test_list_query_count_is_pinned(
    coordinator_api, coordinator, mercy_house, meals, django_assert_max_num_queries, count
):
    many_referrals(count, coordinator=coordinator, mercy_house=mercy_house, meals=meals)

    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        response = coordinator_api.get(LIST, {"status": "sent"})

    assert response.status_code == 200 and response.data["count"] == count
    assert all(r["unread"] == 1 for r in response.data["results"])


@pytest.mark.parametrize("count", [10, 100])
def test_detail_query_count_is_pinned(
    coordinator_api, coordinator, mercy_house, meals, django_assert_max_num_queries, count
):
    many_referrals(count, coordinator=coordinator, mercy_house=mercy_house, meals=meals)
    referral = ReferralFactory(
        service=meals,
        referring_organization=coordinator.organization,
        referring_user=coordinator,
        receiving_organization=mercy_house,
    )
    referral.populations.set(PopulationOfFocus.objects.all()[:3])
    for _ in range(count):
        StatusChangeFactory(referral=referral, actor=UserFactory(organization=mercy_house))
    for _ in range(count // 10):
        AttachmentFactory(referral=referral)

    with django_assert_max_num_queries(DETAIL_MAX_QUERIES):
        response = coordinator_api.get(detail(referral))

    assert response.status_code == 200
    assert len(response.data["history"]) == count + 2
    assert len(response.data["attachments"]) == count // 10


@pytest.mark.parametrize("endpoint", ["authorize", "deny"])
def test_referral_decisions_are_made_on_the_authorization_request(referral_at, endpoint, reviewer):
    """The authorization decision moves the referral on; the referral has no decision endpoint."""
    referral = referral_at(Status.AUTHORIZATION_REQUESTED)
    response = as_user(reviewer).post(action(referral, endpoint), {}, format="json")
    assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.AUTHORIZATION_REQUESTED


def test_r_x2_duplicate_of_another_organizations_referral_is_409_without_naming_it(
    coordinator_api, stranger, member, mercy_house
):
    """The 409 says only that an open referral for this service exists and that CalOptima Health
    will reconcile it: never the other organization's referral id, reference or status."""
    other = as_user(stranger).post(LIST, body(), format="json")
    assert other.status_code == 201
    theirs = Referral.objects.get()

    response = coordinator_api.post(LIST, body(), format="json")

    assert response.status_code == 409
    assert set(response.data) == {"confirm_duplicate"}
    said = " ".join(response.data["confirm_duplicate"])
    assert "An open referral for this member and this service already exists" in said
    assert "CalOptima Health will reconcile" in said
    raw = response.content.decode()
    assert theirs.reference not in raw and str(theirs.pk) not in raw
    assert theirs.get_status_display() not in said
    assert Referral.objects.count() == 1

    confirmed = coordinator_api.post(LIST, body(confirm_duplicate=True), format="json")
    assert confirmed.status_code == 201 and Referral.objects.count() == 2
    assert theirs.reference not in confirmed.content.decode()


# --- Issue 10: bounds, the requested provider (R-R4), no dead end -----------------------------


def a_year_and_a_day_ahead() -> str:
    from referrals import rules

    return (rules.latest_start_date(business_today()) + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        pytest.param(
            {"requested_start_date": "far"}, "requested_start_date", "a year ahead", id="far-date"
        ),
        pytest.param({"reason": "x" * 200_000}, "reason", "4000", id="reason-200k"),
        pytest.param({"notes": "x" * 4001}, "notes", "4000", id="notes"),
        pytest.param(
            {"urgency": "expedited", "expedited_justification": "x" * 4001},
            "expedited_justification",
            "4000",
            id="justification",
        ),
        pytest.param(
            {"authorized_representative": "x" * 201},
            "authorized_representative",
            "200",
            id="representative",
        ),
    ],
)
def test_out_of_bounds_input_is_400_keyed_by_the_field_and_saves_nothing(
    coordinator_api, member, mercy_house, overrides, field, says
):
    if overrides.get("requested_start_date") == "far":
        overrides["requested_start_date"] = a_year_and_a_day_ahead()
    before = counts()

    response = coordinator_api.post(LIST, body(**overrides), format="json")

    assert response.status_code == 400, response.data
    assert says in " ".join(response.data[field])
    assert counts() == before


def test_a_start_date_exactly_a_year_ahead_is_accepted(coordinator_api, member, mercy_house):
    from referrals import rules

    latest = rules.latest_start_date(business_today()).isoformat()

    response = coordinator_api.post(LIST, body(requested_start_date=latest), format="json")

    assert response.status_code == 201, response.data


def test_transition_note_and_message_are_bounded(coordinator_api, member, mercy_house, mercy_api):
    created = coordinator_api.post(LIST, body(), format="json").data
    referral = Referral.objects.get(pk=created["id"])

    declined = mercy_api.post(action(referral, "decline"), {"note": "x" * 4001}, format="json")
    message = mercy_api.post(f"{detail(referral)}messages/", {"body": "x" * 5001}, format="json")

    assert declined.status_code == 400 and "note" in declined.data
    assert message.status_code == 400 and "body" in message.data
    referral.refresh_from_db()
    assert referral.status == Status.SENT and not referral.messages.exists()


def test_r_r4_health_network_referral_keeps_the_chosen_provider_as_requested(
    health_network, member, mercy_house, caloptima
):
    from providers.models import Role

    hn_coordinator = UserFactory(organization=health_network, role=Role.CARE_COORDINATOR)

    response = as_user(hn_coordinator).post(LIST, body(), format="json")

    assert response.status_code == 201, response.data
    assert response.data["receiving_organization"] == caloptima.name
    assert response.data["status"] == Status.IN_REVIEW
    assert response.data["requested_provider"] == "Mercy House"
    assert Referral.objects.get().requested_provider == mercy_house


def test_r_r4_health_network_asking_for_a_provider_without_the_service_is_400(
    health_network, member, caloptima
):
    from providers.models import Role

    hn_coordinator = UserFactory(organization=health_network, role=Role.CARE_COORDINATOR)
    elsewhere = CsProviderFactory()

    response = as_user(hn_coordinator).post(
        LIST, body(receiving_organization=elsewhere.pk), format="json"
    )

    assert response.status_code == 400
    assert "does not offer" in " ".join(response.data["receiving_organization"])
    assert not Referral.objects.exists()


def test_a_service_no_organization_accepts_goes_to_caloptima_for_assignment(
    coordinator_api, member, meals, caloptima
):
    response = coordinator_api.post(LIST, body(receiving_organization=None), format="json")

    assert response.status_code == 201, response.data
    assert response.data["receiving_organization"] == caloptima.name
    assert response.data["status"] == Status.IN_REVIEW
    assert response.data["needs_review"] is True
    assert "No organization is accepting" in response.data["review_notes"]
