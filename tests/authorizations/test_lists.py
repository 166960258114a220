"""The authorization list and the review queue as work lists (issue 10): a search by member name,
CIN, authorization number or HN authorization number within the user's scope (R-X2), never in the
URL; sortable columns; a CSV of the filtered list recorded as an export (R-X3); the member's
preferred language in the queue."""

import csv
import datetime
import io
import re

import pytest
from django.db.models import Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from authorizations.models import Authorization, Status
from common.audit.models import AuditEvent
from members.models import Member
from providers.models import Role
from tests.authorizations.factories import (
    AuthorizationFactory,
    LegacyAuthorizationFactory,
    pending_requests,
    service,
)
from tests.members.factories import MemberFactory
from tests.providers.factories import EcmProviderFactory, UserFactory
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db

D = datetime.date
LIST = reverse("authorizations:list")
QUEUE = reverse("authorizations:queue")
EXPORT = reverse("authorizations:export")
QUEUE_EXPORT = reverse("authorizations:queue_export")
# As tests/authorizations/test_views.py pins the plain pages: searching and sorting add nothing.
LIST_MAX_QUERIES = 10 + 1
QUEUE_MAX_QUERIES = 10 + 1
EXPORT_MAX_QUERIES = 5  # session, user, organization, the rows in one query, the audit INSERT


def member(first, last, cin, language="en"):
    return MemberFactory(first_name=first, last_name=last, cin=cin, preferred_language=language)


@pytest.fixture
def theirs_provider():
    return EcmProviderFactory(name="Other Provider")


@pytest.fixture
def listed(provider, network, theirs_provider):
    """Three authorizations the provider delivers, and one of another provider about a member of
    the same name (R-X2: never found by the provider)."""
    now = timezone.now()
    return {
        "delgado": AuthorizationFactory(
            member=member("Rosa", "Delgado", "90000001D", "es"),
            provider=provider,
            created_at=now - datetime.timedelta(hours=3),
        ),
        "nguyen": AuthorizationFactory(
            member=member("Bao", "Nguyen", "90000002N", "vi"),
            provider=provider,
            service=service("CS_MEDICALLY_TAILORED_MEALS"),
            start_date=D(2024, 7, 1),
            status=Status.APPROVED,
            created_at=now - datetime.timedelta(hours=2),
        ),
        "adams": LegacyAuthorizationFactory(
            member=member("Cara", "Adams", "90000003A"),
            provider=provider,
            health_network=network,
            hn_authorization_number="PMG-ALPHA-X",
        ),
        "theirs": LegacyAuthorizationFactory(
            member=member("Rosa", "Delgado", "90000004T"),
            provider=theirs_provider,
            hn_authorization_number="OTH-ALPHA-X",
        ),
    }


@pytest.fixture
def provider_client(client, provider_staff):
    client.force_login(provider_staff)
    return client


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


def search(client, url, text, **filters):
    """Type in the search box (and filters), press Enter: a POST, then the list it leads to."""
    response = client.post(url, {"q": text, **filters})
    assert response.status_code == 302 and "q=" not in response["Location"]
    assert len(text) < 4 or text.lower() not in response["Location"].lower()
    return client.get(response["Location"])


def ids(response) -> list[int]:
    return [a.pk for a in response.context["page"]]


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- Search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, found",
    [
        pytest.param("delgado", ["delgado"], id="last-name"),
        pytest.param("rosa DEL", ["delgado"], id="first-and-part-of-last-name"),
        pytest.param("90000002n", ["nguyen"], id="cin"),
        pytest.param("90000004T", [], id="cin-of-another-providers-member"),
        pytest.param("alpha-x", ["adams"], id="part-of-the-hn-number"),
        pytest.param("id:nguyen", ["nguyen"], id="authorization-number"),
        pytest.param("#id:nguyen", ["nguyen"], id="authorization-number-with-hash"),
        pytest.param("id:theirs", [], id="another-providers-authorization-number"),
        pytest.param("9" * 40, [], id="a-number-too-big-for-an-id"),
        pytest.param("²", [], id="a-digit-that-is-not-ascii"),
    ],
)
def test_r_x2_search_finds_the_users_own_authorizations_and_never_another_organizations(
    provider_client, listed, text, found
):
    if "id:" in text:
        prefix, key = text.split("id:")
        text = f"{prefix}{listed[key].pk}"

    response = search(provider_client, LIST, text)

    assert response.status_code == 200
    assert ids(response) == [listed[k].pk for k in found]


def test_r_x2_search_does_not_match_a_referral_the_provider_may_not_see(
    provider_client, provider, listed, theirs_provider
):
    """A decision that changed the provider: the provider holds the authorization, not the
    referral made between other organizations; its reference finds nothing (per record)."""
    referral = ReferralFactory(receiving_organization=theirs_provider)
    listed["delgado"].referral = referral
    listed["delgado"].save(update_fields=["referral"])

    assert ids(search(provider_client, LIST, referral.reference)) == []


def test_search_is_combined_with_the_filters(provider_client, listed):
    response = search(provider_client, LIST, "a", status=Status.APPROVED)

    assert sorted(ids(response)) == sorted([listed["nguyen"].pk, listed["adams"].pk])
    assert 'value="a"' in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [{"search": "nope"}, {"sort": "member__cin"}, {"sort": "-" * 500}, {"page": "-1"}],
)
def test_bad_search_or_sort_parameters_answer_200(provider_client, listed, query):
    for url in (LIST, EXPORT):
        assert provider_client.get(url, query).status_code == 200


def test_a_search_too_long_is_refused_beside_the_box(reviewer_client, listed):
    response = reviewer_client.post(QUEUE, {"q": "x" * 101})

    assert response.status_code == 200
    assert "Search at most 100 characters (you typed 101)." in response.content.decode()


# --- Sort ----------------------------------------------------------------------------------------

LAST = "~"  # sorts after every name (NULLs come last ascending)
LIST_KEYS = {
    "member": lambda a: (a.member.last_name, a.member.first_name),
    "service": lambda a: a.service.name,
    "provider": lambda a: a.provider.name,
    "dates": lambda a: (a.start_date, a.end_date or D.max),
    "status": lambda a: a.get_status_display(),
    "responsible": lambda a: a.get_responsible_party_display(),
    "hn_number": lambda a: a.hn_authorization_number,
}
QUEUE_KEYS = {
    "due": lambda a: a.due_at,
    "member": LIST_KEYS["member"],
    "service": LIST_KEYS["service"],
    "provider": LIST_KEYS["provider"],
    "network": lambda a: a.member_network.name if a.member_network else LAST,
    "urgency": lambda a: a.urgency,
    "reviewer": lambda a: (a.reviewer.last_name, a.reviewer.first_name) if a.reviewer else (LAST,),
    "language": lambda a: a.member.get_preferred_language_display(),
}


def expected(rows, key) -> list[int]:
    return [a.pk for a in sorted(rows, key=lambda a: (key(a), a.pk))]


@pytest.mark.parametrize("column", list(LIST_KEYS))
def test_each_list_column_sorts_both_ways_with_a_tiebreak_by_id(provider_client, listed, column):
    own = Authorization.objects.filter(provider=listed["delgado"].provider).select_related(
        "member", "service", "provider"
    )
    up, down = (provider_client.get(LIST, {"sort": s}) for s in (column, f"-{column}"))

    assert ids(up) == expected(own, LIST_KEYS[column])
    assert ids(down) == expected(own, LIST_KEYS[column])[::-1]
    assert f'aria-sort="ascending"><a class="sort" href="?sort=-{column}"' in up.content.decode()
    assert 'aria-sort="descending"' in down.content.decode()


@pytest.fixture
def queue(provider, network, other_network, second_reviewer, caloptima):
    """Pending requests at CalOptima Health that differ in every column."""
    now = timezone.now()
    ari = UserFactory(
        organization=caloptima, role=Role.UTILIZATION_REVIEWER, first_name="Ari", last_name="Alpha"
    )
    other = EcmProviderFactory(name="Aardvark Care")
    rows = [
        ("Rosa", "Delgado", "es", "ECM", provider, network, None, "standard", 1),
        ("Bao", "Nguyen", "vi", "CS_MEDICALLY_TAILORED_MEALS", other, other_network,
         second_reviewer, "expedited", 30),
        ("Cara", "Adams", "en", "ECM", provider, None, ari, "standard", 60),
    ]  # fmt: skip
    made = []
    for i, (first, last, language, code, by, hn, reviewer, urgency, hours) in enumerate(rows):
        received = now - datetime.timedelta(hours=hours)
        made.append(
            AuthorizationFactory(
                member=member(first, last, f"9100000{i}Q", language),
                service=service(code),
                provider=by,
                member_network=hn,
                reviewer=reviewer,
                urgency=urgency,
                created_at=received,
            )
        )
    return made


@pytest.mark.parametrize("column", list(QUEUE_KEYS))
def test_each_queue_column_sorts_both_ways_with_a_tiebreak_by_id(reviewer_client, queue, column):
    rows = Authorization.objects.filter(pk__in=[a.pk for a in queue]).select_related(
        "member", "service", "provider", "member_network", "reviewer"
    )
    up, down = (reviewer_client.get(QUEUE, {"sort": s}) for s in (column, f"-{column}"))

    assert ids(up) == expected(rows, QUEUE_KEYS[column])
    assert ids(down) == expected(rows, QUEUE_KEYS[column])[::-1]
    assert "most urgent first" not in up.content.decode()


def test_the_queue_shows_each_members_preferred_language(reviewer_client, queue):
    html = reviewer_client.get(QUEUE).content.decode()

    assert "<td>Spanish</td>" in html and "<td>Vietnamese</td>" in html
    assert 'Language<span class="sort-mark"' in html


def test_queue_pages_keep_search_filter_and_sort(
    reviewer_client, reviewer, second_reviewer, network, other_network
):
    pending_requests(120, networks=[network, other_network], reviewers=[reviewer, second_reviewer])
    Member.objects.update(last_name="Eaton")  # every row matches: more than one page for sure
    first = search(reviewer_client, QUEUE + "?sort=-member", "eaton", urgency="standard")
    query = first.request["QUERY_STRING"]
    html = first.content.decode().replace("&amp;", "&")

    next_link = re.search(r'href="\?([^"]*page=2)"', html).group(1)

    assert all(part in next_link for part in query.split("&"))
    assert "urgency=standard" in query and "sort=-member" in query and "search=" in query


# --- CSV -----------------------------------------------------------------------------------------


def test_r_x3_csv_has_the_filtered_rows_only_escaped_and_is_recorded_as_an_export(
    provider_client, provider_staff, provider, listed
):
    AuthorizationFactory(
        member=member("Eve", "=HYPERLINK(1)", "90000005F"), provider=provider, status="approved"
    )
    listed_page = search(provider_client, LIST + "?sort=member", "", status=Status.APPROVED)
    query = listed_page.request["QUERY_STRING"]
    assert f"{EXPORT}?{query}" in listed_page.content.decode().replace("&amp;", "&")

    response = provider_client.get(f"{EXPORT}?{query}")

    header, *rows = rows_of(response)
    assert header[:3] == ["authorization", "member", "preferred_language"]
    assert [r[1] for r in rows] == ["'=HYPERLINK(1), Eve", "Adams, Cara", "Nguyen, Bao"]
    assert rows[1][-2:] == [
        f"Health network: {listed['adams'].health_network.name}",
        "PMG-ALPHA-X",
    ]
    assert str(listed["theirs"].pk) not in [r[0] for r in rows]
    event = AuditEvent.objects.filter(event="export").latest("id")
    assert (event.object_type, event.actor_id, event.outcome) == (
        "authorizations.authorization",
        provider_staff.pk,
        "allowed",
    )


def test_r_x3_queue_csv_is_for_caloptima_staff_and_refusals_are_recorded(
    provider_staff, reviewer_client, queue
):
    other = Client()
    other.force_login(provider_staff)
    assert other.get(QUEUE_EXPORT).status_code == 404
    refused = AuditEvent.objects.filter(event="export").latest("id")
    assert refused.outcome == "refused"

    header, *rows = rows_of(reviewer_client.get(QUEUE_EXPORT, {"sort": "due"}))

    assert header[0] == "due_pt" and len(rows) == 3
    due = [timezone.localtime(a.due_at).strftime("%Y-%m-%d %H:%M") for a in queue]
    assert sorted(due) == [r[0] for r in rows]


# --- Query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [50, 500])
def test_searched_sorted_queue_list_and_csv_query_counts_are_pinned(
    reviewer_client,
    reviewer,
    second_reviewer,
    network,
    other_network,
    django_assert_max_num_queries,
    count,
):
    pending_requests(
        count, networks=[network, other_network], reviewers=[reviewer, second_reviewer]
    )
    matching = Authorization.objects.filter(
        Q(member__first_name__icontains="b") | Q(member__last_name__icontains="b")
    ).count()
    queue_url = search(reviewer_client, QUEUE, "b").request["QUERY_STRING"]
    list_url = search(reviewer_client, LIST, "b").request["QUERY_STRING"]

    with django_assert_max_num_queries(QUEUE_MAX_QUERIES):
        queue_page = reviewer_client.get(f"{QUEUE}?{queue_url}&sort=-reviewer&urgency=standard")
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        list_page = reviewer_client.get(f"{LIST}?{list_url}&sort=-member&status=pending")
    for url in (f"{QUEUE_EXPORT}?{queue_url}&sort=language", f"{EXPORT}?{list_url}&sort=dates"):
        with django_assert_max_num_queries(EXPORT_MAX_QUERIES):
            rows = rows_of(reviewer_client.get(url))
        assert len(rows) == matching + 1

    assert list_page.context["page"].paginator.count == matching
    assert queue_page.status_code == 200
