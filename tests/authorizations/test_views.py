"""Authorization pages as reviewers, HN staff and providers use them: the review queue (R-A8), the
decision page, the responsible party label on every authorization (R-A1), legacy authorizations
(R-A2), closure requests, scoping (R-X2) and pinned query counts."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from authorizations.models import Authorization, ClosureRequest, Event, Status
from common.dates import BUSINESS_TZ
from tests.authorizations.factories import (
    AuthorizationFactory,
    ClosureRequestFactory,
    EventFactory,
    LegacyAuthorizationFactory,
    pending_requests,
    service,
)
from tests.members.factories import MemberFactory, MemberPopulationFactory, population
from tests.notices.factories import NoticeFactory
from tests.providers.factories import EcmProviderFactory, UserFactory
from tests.referrals.factories import AttachmentFactory, ReferralFactory

pytestmark = pytest.mark.django_db

D = datetime.date
QUEUE = reverse("authorizations:queue")
LIST = reverse("authorizations:list")

# Pinned query counts, measured on SQLite and PostgreSQL alike, the same at 50 and 500 pending
# requests. Queue: session, user, organization; count and page of rows; the filter form's four
# choice lists; pending closure requests (the list: the same ten). Decision page, the same with 1 or
# 10 of everything: session, user, organization; the authorization with its relations; the member's
# spans, networks and POFs; history; closure requests; attachments; the form's provider choices;
# earlier authorizations; letters.
QUEUE_MAX_QUERIES = 10 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)
LIST_MAX_QUERIES = 10 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)
DETAIL_MAX_QUERIES = 13 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)


def detail_url(authorization):
    return reverse("authorizations:detail", args=[authorization.pk])


def field_error(html: str, field: str) -> str:
    """The error rendered beside a form field (empty when there is none)."""
    found = re.search(rf'<p class="error" id="id_{field}_error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def signed_in(client, user):
    client.force_login(user)
    return client


def today_later() -> datetime.datetime:
    """A moment later today, California time (half-way to midnight)."""
    now = timezone.now()
    local = now.astimezone(BUSINESS_TZ)
    midnight = datetime.datetime.combine(
        local.date() + datetime.timedelta(days=1), datetime.time(), BUSINESS_TZ
    )
    return now + (midnight - now) / 2


# --- The review queue (R-A8) ----------------------------------------------------------------------


@pytest.mark.parametrize("who, status", [("reviewer", 200), ("caloptima_staff", 200)])
def test_queue_is_for_caloptima_staff(client, request, who, status):
    assert signed_in(client, request.getfixturevalue(who)).get(QUEUE).status_code == status


@pytest.mark.parametrize("who", ["provider_staff", "hn_staff", "coordinator", "stranger"])
def test_queue_is_404_for_everyone_else(client, request, who):
    assert signed_in(client, request.getfixturevalue(who)).get(QUEUE).status_code == 404


def test_queue_needs_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_r_a8_queue_orders_by_due_time_and_marks_overdue_and_due_today(client, reviewer, legacy):
    now = timezone.now()
    later = AuthorizationFactory(
        member=MemberFactory(last_name="Later"), due_at=now + datetime.timedelta(days=3)
    )
    overdue = AuthorizationFactory(
        member=MemberFactory(last_name="Overdue"), due_at=now - datetime.timedelta(hours=2)
    )
    today = AuthorizationFactory(member=MemberFactory(last_name="Today"), due_at=today_later())
    AuthorizationFactory(member=MemberFactory(last_name="Decided"), status=Status.APPROVED)
    Authorization.objects.filter(pk=legacy.pk).update(status=Status.PENDING)  # the HN's, not ours

    response = signed_in(client, reviewer).get(QUEUE)

    html = response.content.decode()
    assert [a for a, _ in response.context["rows"]] == [overdue, today, later]
    rows = re.findall(r'<tr class="([^"]*)">(.*?)</tr>', html, re.S)
    assert [(cls, re.search(r">(\w+), ", body).group(1)) for cls, body in rows] == [
        ("overdue", "Overdue"),
        ("due_today", "Today"),
        ("", "Later"),
    ]
    assert '<span class="badge no">overdue</span>' in rows[0][1]
    assert '<span class="badge warn">due today</span>' in rows[1][1]
    assert "badge" not in rows[2][1].split("</td>")[0]
    assert "3 pending requests, most urgent first." in html
    assert "Decided" not in html and "Delgado" not in html


@pytest.fixture
def queue_rows(reviewer, second_reviewer, network, other_network):
    """Four pending requests that differ in service, urgency, network, provider and reviewer."""
    clinic, other_clinic = EcmProviderFactory(), EcmProviderFactory()
    rows = {
        "ecm_std": dict(service=service("ECM"), provider=clinic, member_network=network),
        "ecm_exp": dict(
            service=service("ECM"),
            provider=other_clinic,
            member_network=other_network,
            urgency="expedited",
            reviewer=reviewer,
        ),
        "meals": dict(
            service=service("CS_MEDICALLY_TAILORED_MEALS"),
            provider=clinic,
            member_network=network,
            reviewer=second_reviewer,
        ),
        "nav": dict(
            service=service("CS_HOUSING_NAVIGATION"),
            provider=other_clinic,
            member_network=other_network,
            urgency="expedited",
        ),
    }
    made = {name: AuthorizationFactory(**fields) for name, fields in rows.items()}
    return made, clinic, other_clinic


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"service": "ECM"}, {"ecm_std", "ecm_exp"}),
        ({"service": "CS_HOUSING_NAVIGATION"}, {"nav"}),
        ({"urgency": "expedited"}, {"ecm_exp", "nav"}),
        ({"health_network": "network"}, {"ecm_std", "meals"}),
        ({"provider": "clinic"}, {"ecm_std", "meals"}),
        ({"reviewer": "reviewer"}, {"ecm_exp"}),
        ({"reviewer": "second_reviewer"}, {"meals"}),
        ({"service": "ECM", "urgency": "standard"}, {"ecm_std"}),
        ({}, {"ecm_std", "ecm_exp", "meals", "nav"}),
    ],
)
def test_queue_filters(client, request, reviewer, queue_rows, query, expected):
    made, clinic, _ = queue_rows
    values = {
        "network": lambda: request.getfixturevalue("network").pk,
        "clinic": lambda: clinic.pk,
        "reviewer": lambda: reviewer.pk,
        "second_reviewer": lambda: request.getfixturevalue("second_reviewer").pk,
    }
    params = {k: values[v]() if v in values else v for k, v in query.items()}
    response = signed_in(client, reviewer).get(QUEUE, params)
    shown = {a.pk for a, _ in response.context["rows"]}
    assert shown == {made[name].pk for name in expected}


def test_assign_to_me_from_the_queue(client, reviewer):
    pending = AuthorizationFactory()
    signed_in(client, reviewer)
    page = client.get(QUEUE).content.decode()
    assert "Assign to me" in page

    response = client.post(
        reverse("authorizations:assign", args=[pending.pk]), {"next": f"{QUEUE}?urgency=standard"}
    )

    assert response.status_code == 302 and response["Location"] == f"{QUEUE}?urgency=standard"
    pending.refresh_from_db()
    assert pending.reviewer == reviewer
    assert pending.events.filter(kind=Event.Kind.ASSIGNED).exists()
    page = client.get(QUEUE).content.decode()
    assert "<strong>Yours</strong>" in page and reviewer.get_full_name() in page


def test_assign_to_me_is_refused_to_non_reviewers(client, caloptima_staff):
    pending = AuthorizationFactory()
    response = signed_in(client, caloptima_staff).post(
        reverse("authorizations:assign", args=[pending.pk]), follow=True
    )
    assert "Only CalOptima Health utilization reviewers" in response.content.decode()
    pending.refresh_from_db()
    assert pending.reviewer is None


@pytest.mark.parametrize("count", [50, 500])
def test_queue_query_count_is_the_same_at_50_and_500(
    client, reviewer, second_reviewer, network, other_network, django_assert_max_num_queries, count
):
    pending_requests(
        count, networks=[network, other_network], reviewers=[reviewer, second_reviewer]
    )
    signed_in(client, reviewer)

    with django_assert_max_num_queries(QUEUE_MAX_QUERIES):
        response = client.get(QUEUE)

    assert response.status_code == 200
    assert response.context["page"].paginator.count == count
    assert len(response.context["rows"]) == 50


@pytest.mark.parametrize("count", [50, 500])
def test_list_query_count_is_the_same_at_50_and_500(
    client, reviewer, second_reviewer, network, other_network, django_assert_max_num_queries, count
):
    pending_requests(
        count, networks=[network, other_network], reviewers=[reviewer, second_reviewer]
    )
    signed_in(client, reviewer)

    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        response = client.get(LIST, {"status": "pending"})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == count


# --- The decision page ----------------------------------------------------------------------------


@pytest.fixture
def request_with_history(open_request, member, provider, network):
    """An ECM request from a referral with an attachment; the member has an earlier housing
    deposits authorization, a legacy ECM authorization from the network, and a letter."""
    authorization = open_request()
    AttachmentFactory(referral=authorization.referral, original_name="discharge-summary.pdf")
    deposits = AuthorizationFactory(
        member=member,
        provider=provider,
        service=service("CS_HOUSING_DEPOSITS"),
        status=Status.APPROVED,
        start_date=D(2023, 3, 1),
    )
    LegacyAuthorizationFactory(member=member, provider=provider, health_network=network)
    NoticeFactory(event=EventFactory(authorization=authorization, kind=Event.Kind.ASSIGNED))
    return authorization, deposits


def test_decision_page_shows_what_a_reviewer_needs(client, reviewer, request_with_history):
    authorization, deposits = request_with_history
    response = signed_in(client, reviewer).get(detail_url(authorization))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Eligibility on the start date, 3 June 2024" in html
    assert response.context["verdict"].on == D(2024, 6, 3)
    assert "ECM: eligible" in html
    assert "POF: <strong>POF 1a (Adults without dependent children" in html  # names, not bare codes
    assert authorization.referral.reference in html
    assert "discharge-summary.pdf" in html
    earlier = html.split('id="earlier-h"')[1].split("</section>")[0]
    assert "Housing deposits" in earlier and "2023-03-01" in earlier
    assert deposits.pk in {e.pk for e in response.context["earlier"]}
    assert "Health network: Prospect Medical Group" in earlier
    history = html.split('id="hist-h"')[1].split("</section>")[0]
    assert "Requested" in history and f"From referral {authorization.referral.reference}" in history
    letters = html.split('id="let-h"')[1].split("</section>")[0]
    assert "Notice of Action: denial" in letters and "from CalOptima Health" in letters
    assert "Record decision" in html
    assert 'class="party party-co"' in html and "CalOptima Health</span>" in html


def test_deciding_from_the_page(client, reviewer, open_request):
    authorization = open_request()
    response = signed_in(client, reviewer).post(
        detail_url(authorization), {"decision": "approve", "note": "Meets POF 2."}
    )
    assert response.status_code == 302 and response["Location"] == detail_url(authorization)
    authorization.refresh_from_db()
    assert (authorization.status, authorization.decided_by) == (Status.APPROVED, reviewer)
    page = client.get(response["Location"]).content.decode()
    assert "Decision recorded" in page
    assert "Record decision" not in page  # decided: no form any more
    assert authorization.referral.history.last().to_status == "authorized"


@pytest.mark.parametrize(
    "data, field, text",
    [
        ({"decision": "deny"}, "reason_code", "Give the reason"),
        ({"decision": "modify", "units": "10"}, "reason_code", "Give the reason"),
        ({"decision": "approve", "start_date": "2024-05-31"}, "start_date", "six months"),
        ({"note": ""}, "decision", "required"),
    ],
)
def test_a_refused_decision_shows_the_error_beside_the_field_and_changes_nothing(
    client, reviewer, open_request, member, provider, data, field, text
):
    AuthorizationFactory(
        member=member, provider=provider, status=Status.APPROVED, start_date=D(2024, 1, 15)
    )
    authorization = open_request(start=D(2024, 8, 1))
    events = authorization.events.count()

    response = signed_in(client, reviewer).post(detail_url(authorization), data)

    assert response.status_code == 200
    assert text in field_error(response.content.decode(), field)
    authorization.refresh_from_db()
    assert authorization.status == Status.PENDING
    assert authorization.events.count() == events


def test_a_decision_already_made_shows_who_made_it(client, reviewer, second_reviewer, open_request):
    from authorizations import services

    authorization = open_request()
    signed_in(client, second_reviewer)
    client.get(detail_url(authorization))  # the page is open...
    services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")

    response = client.post(
        detail_url(authorization), {"decision": "deny", "reason_code": "not_eligible"}, follow=True
    )

    page = response.content.decode()
    assert f"already approved by {reviewer.get_full_name()}" in page
    authorization.refresh_from_db()
    assert (authorization.status, authorization.decided_by) == (Status.APPROVED, reviewer)


def test_non_reviewers_see_no_decision_form_and_cannot_post_one(
    client, caloptima_staff, open_request
):
    authorization = open_request()
    signed_in(client, caloptima_staff)
    assert "Record decision" not in client.get(detail_url(authorization)).content.decode()
    response = client.post(detail_url(authorization), {"decision": "approve"}, follow=True)
    assert "Only CalOptima Health utilization reviewers decide" in response.content.decode()
    authorization.refresh_from_db()
    assert authorization.status == Status.PENDING


@pytest.mark.parametrize("size", [1, 10])
def test_decision_page_query_count_is_pinned(
    client, reviewer, open_request, member, provider, network, django_assert_max_num_queries, size
):
    """The same count whether the member has 1 or 10 of everything (no query per row)."""
    for code in ("3", "4", "5", "6", "7", "8", "9", "1b")[: size - 1]:
        MemberPopulationFactory(member=member, population=population(code))
    authorization = open_request()
    for _ in range(size):
        AttachmentFactory(referral=authorization.referral)
        EventFactory(authorization=authorization, kind=Event.Kind.ASSIGNED, actor=UserFactory())
        AuthorizationFactory(member=member, provider=EcmProviderFactory(), status=Status.DENIED)
        LegacyAuthorizationFactory(member=member, provider=provider)
        NoticeFactory(event=EventFactory(authorization=authorization, kind=Event.Kind.DENIED))
        other = AuthorizationFactory(member=member, status=Status.APPROVED, provider=provider)
        ClosureRequestFactory(authorization=other, state=ClosureRequest.State.APPROVED)
    signed_in(client, reviewer)

    with django_assert_max_num_queries(DETAIL_MAX_QUERIES):
        response = client.get(detail_url(authorization))

    assert response.status_code == 200
    assert len(response.context["earlier"]) == 3 * size


# --- Responsible party label (R-A1) and legacy authorizations (R-A2) ------------------------------


def test_r_a1_every_authorization_shows_its_responsible_party(
    client, reviewer, open_request, legacy
):
    new = open_request()
    signed_in(client, reviewer)

    listing = client.get(LIST).content.decode()
    assert listing.count('class="party party-co"') == 1
    assert listing.count('class="party party-hn"') == 1
    assert "Health network: Prospect Medical Group</span>" in listing
    assert "CalOptima Health</span>" in listing
    assert "PMG-2022-0042" in listing

    assert "CalOptima Health</span>" in client.get(detail_url(new)).content.decode()
    legacy_page = client.get(detail_url(legacy)).content.decode()
    assert "Health network: Prospect Medical Group</span>" in legacy_page


def test_r_a2_caloptima_staff_see_legacy_authorizations_read_only(client, reviewer, legacy):
    Authorization.objects.filter(pk=legacy.pk).update(status=Status.PENDING)
    page = signed_in(client, reviewer).get(detail_url(legacy)).content.decode()
    assert "Legacy authorization created by Prospect Medical Group" in page
    assert "CalOptima Health sees it read-only" in page
    assert "Record decision" not in page

    response = client.post(detail_url(legacy), {"decision": "approve"}, follow=True)
    assert "belong to the health network" in response.content.decode()
    legacy.refresh_from_db()
    assert legacy.status == Status.PENDING


def test_r_a2_hn_staff_see_only_their_own_networks_legacy_authorizations(
    client, hn_staff, legacy, other_network, open_request
):
    theirs = LegacyAuthorizationFactory(
        health_network=other_network, hn_authorization_number="ALT-7", member=legacy.member
    )
    new = open_request()
    signed_in(client, hn_staff)

    response = client.get(LIST)
    assert [a.pk for a in response.context["page"]] == [legacy.pk]
    assert "ALT-7" not in response.content.decode()
    assert client.get(detail_url(legacy)).status_code == 200
    assert client.get(detail_url(theirs)).status_code == 404
    assert client.get(detail_url(new)).status_code == 404


def test_r_x2_a_stranger_sees_no_authorization(client, stranger, legacy, open_request):
    new = open_request()
    signed_in(client, stranger)
    assert client.get(LIST).context["page"].paginator.count == 0
    assert client.get(detail_url(legacy)).status_code == 404
    assert client.get(detail_url(new)).status_code == 404


def test_list_filter_by_responsible_party(client, reviewer, legacy, open_request):
    new = open_request()
    signed_in(client, reviewer)
    for party, expected in (("health_network", legacy), ("caloptima_health", new)):
        response = client.get(LIST, {"responsible_party": party})
        assert [a.pk for a in response.context["page"]] == [expected.pk]


# --- Closure requests on the page -----------------------------------------------------------------


def test_r_a2_the_hn_decides_the_providers_closure_request_on_its_legacy_authorization(
    client, provider_staff, hn_staff, legacy
):
    signed_in(client, provider_staff)
    page = client.get(detail_url(legacy)).content.decode()
    assert "Ask to change or end this authorization" in page

    response = client.post(
        reverse("authorizations:request_closure", args=[legacy.pk]),
        {
            "kind": "end",
            "reason": "Member moved to another county.",
            "end_date": "2023-03-31",
            "notice_exception": "member_request",  # R-N5: a past date needs the exception
        },
        follow=True,
    )
    assert "sent to the responsible party" in response.content.decode()
    closure = legacy.closure_requests.get()
    signed_in(client, hn_staff)
    page = client.get(detail_url(legacy)).content.decode()
    assert reverse("authorizations:decide_closure", args=[legacy.pk, closure.pk]) in page

    response = client.post(
        reverse("authorizations:decide_closure", args=[legacy.pk, closure.pk]),
        {
            "decision": "approve",
            "closure-note": "Confirmed with the member.",
            "closure-member_explanation": "You asked to end ECM as you moved away.",
        },
        follow=True,
    )
    assert "Decision recorded" in response.content.decode()
    legacy.refresh_from_db()
    assert (legacy.status, legacy.end_date) == (Status.TERMINATED, D(2023, 3, 31))
    history = response.content.decode().split('id="hist-h"')[1].split("</section>")[0]
    assert "Change requested" in history and "Terminated" in history


def test_closure_request_errors_are_shown(client, provider_staff, legacy):
    signed_in(client, provider_staff)
    response = client.post(
        reverse("authorizations:request_closure", args=[legacy.pk]),
        {"kind": "end", "reason": "Done"},
        follow=True,
    )
    assert "Give the last day of service." in response.content.decode()
    assert not legacy.closure_requests.exists()


def test_caloptima_reviewers_cannot_decide_a_legacy_closure(client, reviewer, hn_staff, legacy):
    from authorizations import services

    closure = services.request_closure(
        user=hn_staff,
        authorization_id=legacy.pk,
        kind="end",
        reason="Done",
        end_date=D(2023, 3, 31),
        notice_exception="member_request",
    )
    signed_in(client, reviewer)
    page = client.get(detail_url(legacy)).content.decode()
    url = reverse("authorizations:decide_closure", args=[legacy.pk, closure.pk])
    assert url not in page
    response = client.post(url, {"decision": "approve"}, follow=True)
    assert "responsible party" in response.content.decode()
    closure.refresh_from_db()
    assert closure.state == "pending"


def test_the_queue_lists_closure_requests_caloptima_decides(
    client, reviewer, provider_staff, hn_staff, legacy, open_request
):
    from authorizations import services

    new = open_request()
    services.decide(user=reviewer, authorization_id=new.pk, decision="approve")
    services.request_closure(
        user=provider_staff,
        authorization_id=new.pk,
        kind="end",
        reason="Goals met early.",
        end_date=D(2024, 9, 30),
        notice_exception="member_request",
    )
    services.request_closure(
        user=hn_staff,
        authorization_id=legacy.pk,
        kind="end",
        reason="Legacy discharge.",
        end_date=D(2023, 3, 31),
        notice_exception="member_request",
    )
    page = signed_in(client, reviewer).get(QUEUE).content.decode()
    assert "Goals met early." in page and "Legacy discharge." not in page
    page = signed_in(client, hn_staff).get(LIST).content.decode()
    assert "Legacy discharge." in page and "Goals met early." not in page


# --- R-X2 per record: the member's other records on the authorization page -----------------------


def test_r_x2_the_page_lists_only_the_other_authorizations_the_user_may_see(
    client, reviewer, provider_staff, hn_staff, request_with_history, member, network
):
    """Another organization's authorization for the same member is listed to CalOptima Health
    staff only; the provider sees its own, the HN its own legacy ones."""
    authorization, deposits = request_with_history
    elsewhere = EcmProviderFactory(name="Elsewhere Wellness Partners")
    theirs = AuthorizationFactory(
        member=member,
        provider=elsewhere,
        service=service("CS_MEDICALLY_TAILORED_MEALS"),
        status=Status.APPROVED,
    )
    their_letter = NoticeFactory(event=EventFactory(authorization=theirs, kind=Event.Kind.APPROVED))
    theirs_url = detail_url(theirs)
    their_download = reverse("notices:download", args=[their_letter.pk])

    page = signed_in(client, provider_staff).get(detail_url(authorization))
    html = page.content.decode()
    earlier = {e.pk for e in page.context["earlier"]}
    assert deposits.pk in earlier and theirs.pk not in earlier
    assert theirs_url not in html and "Elsewhere Wellness Partners" not in html
    assert their_download not in html
    assert client.get(theirs_url).status_code == 404

    member_page = client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert theirs_url not in member_page and their_download not in member_page

    legacy = Authorization.objects.get(member=member, health_network=network)
    page = signed_in(client, hn_staff).get(detail_url(legacy))
    assert list(page.context["earlier"]) == []
    assert theirs_url not in page.content.decode()

    page = signed_in(client, reviewer).get(detail_url(authorization))
    assert theirs.pk in {e.pk for e in page.context["earlier"]}
    assert theirs_url in page.content.decode()


def test_r_x2_the_referral_of_an_authorization_shows_only_to_users_who_may_see_it(
    client, reviewer, member, coordinator
):
    """The provider delivering an authorization whose referral went to another provider sees
    neither the referral's reference nor its attachments."""
    first = EcmProviderFactory(name="First Choice Care")
    delivering = EcmProviderFactory(name="Delivering Care Team")
    referral = ReferralFactory(
        member=member,
        referring_organization=coordinator.organization,
        referring_user=coordinator,
        receiving_organization=first,
        status="authorization_requested",
    )
    AttachmentFactory(referral=referral, original_name="their-discharge-summary.pdf")
    authorization = AuthorizationFactory(member=member, provider=delivering, referral=referral)
    EventFactory(authorization=authorization, note=f"From referral {referral.reference}.")
    staff = UserFactory(organization=delivering, role="provider_staff")

    html = signed_in(client, staff).get(detail_url(authorization)).content.decode()
    assert "The referral is held by another organization." in html
    assert "From a referral held by another organization." in html
    assert referral.reference not in html
    assert reverse("referrals:detail", args=[referral.pk]) not in html
    assert "their-discharge-summary.pdf" not in html
    api = client.get(f"/api/v1/authorizations/{authorization.pk}/").json()
    assert api["referral"] is None
    assert [e["note"] for e in api["events"]] == ["From a referral held by another organization."]

    html = signed_in(client, reviewer).get(detail_url(authorization)).content.decode()
    assert referral.reference in html and "their-discharge-summary.pdf" in html
