"""Letters are downloadable, in the browser and through /api/v1/notices/, only by users who may see
the letter's authorization (R-X2: a letter follows its authorization, not its member); everyone
else gets 404. Letters are listed on the authorization and member pages."""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.authorizations.factories import AuthorizationFactory, LegacyAuthorizationFactory
from tests.notices.factories import DeniedEventFactory, NoticeFactory
from tests.referrals.factories import PDF_BYTES

pytestmark = pytest.mark.django_db

API = "/api/v1/notices/"

# Pinned: the count and the page of notices (sender, authorization and member joined); the scope
# is a subquery. The same at 5 and 50 letters.
API_LIST_MAX_QUERIES = 2 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)

ALLOWED = ["reviewer", "caloptima_staff", "provider_staff"]
# hn_staff sees the member (its network's member) but not this authorization, which CalOptima
# Health holds with the provider: seeing a member opens none of its other records (R-X2).
REFUSED = ["hn_staff", "other_hn_staff", "stranger"]


@pytest.fixture
def notice(member, provider):
    """A denial letter about the member's ECM request delivered by the provider; the member is
    assigned to the network of `hn_staff`."""
    authorization = AuthorizationFactory(member=member, provider=provider, status="denied")
    return NoticeFactory(event=DeniedEventFactory(authorization=authorization))


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("who", ALLOWED)
def test_r_x2_the_letter_downloads_for_users_who_may_see_the_member(client, request, notice, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("notices:download", args=[notice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="notice-{notice.pk}-denial.pdf"'
    )
    assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.mark.parametrize("who", REFUSED)
def test_r_x2_the_letter_is_404_for_everyone_else(client, request, notice, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("notices:download", args=[notice.pk])).status_code == 404


def test_the_download_needs_login(client, notice):
    response = client.get(reverse("notices:download", args=[notice.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ALLOWED)
def test_r_x2_api_lists_and_downloads_letters_of_visible_members(request, notice, member, who):
    client = api_as(request.getfixturevalue(who))

    body = client.get(API).json()
    assert [row["id"] for row in body["results"]] == [notice.pk]
    row = body["results"][0]
    assert (row["member"], row["authorization"], row["kind"], row["sender"]) == (
        member.pk,
        notice.authorization_id,
        "denial",
        "CalOptima Health",
    )
    assert (row["checksum"], row["size"]) == (notice.checksum, notice.size)
    assert row["download"] == f"{API}{notice.pk}/download/"

    assert client.get(f"{API}{notice.pk}/").status_code == 200
    response = client.get(row["download"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.mark.parametrize("who", REFUSED)
def test_r_x2_api_hides_letters_of_other_members(request, notice, who):
    client = api_as(request.getfixturevalue(who))
    assert client.get(API).json()["results"] == []
    assert client.get(f"{API}{notice.pk}/").status_code == 404
    assert client.get(f"{API}{notice.pk}/download/").status_code == 404


def test_the_api_needs_authentication(notice):
    assert APIClient().get(API).status_code in (401, 403)
    assert APIClient().get(f"{API}{notice.pk}/download/").status_code in (401, 403)


def test_api_filters_by_authorization_and_kind(reviewer, notice, member):
    other = NoticeFactory(kind="termination")
    client = api_as(reviewer)
    by_authorization = client.get(API, {"authorization": notice.authorization_id}).json()
    assert [row["id"] for row in by_authorization["results"]] == [notice.pk]
    by_kind = client.get(API, {"kind": "termination"}).json()
    assert [row["id"] for row in by_kind["results"]] == [other.pk]


def test_the_hn_sees_letters_of_its_legacy_authorizations(other_hn_staff, other_network):
    """A network's legacy authorization gives it a part in the member, even after the member
    moved to another network (R-A2, R-X2)."""
    legacy = LegacyAuthorizationFactory(health_network=other_network, status="terminated")
    letter = NoticeFactory(
        event=DeniedEventFactory(authorization=legacy, kind="terminated"),
        kind="termination",
        sender=other_network,
    )
    body = api_as(other_hn_staff).get(API).json()
    assert [(row["id"], row["sender"]) for row in body["results"]] == [
        (letter.pk, other_network.name)
    ]


def test_letters_are_listed_on_the_authorization_and_member_pages(
    client, provider_staff, notice, member
):
    client.force_login(provider_staff)
    download = reverse("notices:download", args=[notice.pk])
    page = client.get(reverse("authorizations:detail", args=[notice.authorization_id]))
    assert download in page.content.decode()
    assert "Notice of Action: denial" in page.content.decode()
    page = client.get(reverse("members:detail", args=[member.pk]))
    assert download in page.content.decode()


@pytest.mark.parametrize("count", [5, 50])
def test_api_list_query_count_is_pinned(reviewer, django_assert_max_num_queries, count):
    NoticeFactory.create_batch(count)
    client = api_as(reviewer)
    with django_assert_max_num_queries(API_LIST_MAX_QUERIES):
        response = client.get(API)
    assert response.json()["count"] == count


# --- R-X2 per record: a letter follows its authorization, not its member ----------------------


def unmasked(html: bytes) -> bytes:
    """A page without its per-request tokens (CSRF mask, CSP nonce), for comparing two pages."""
    return re.sub(rb'(csrfmiddlewaretoken" value|nonce)="[^"]*"', rb'\1=""', html)


@pytest.fixture
def their_letter(member):
    """A letter about the same member's authorization held with another provider."""
    elsewhere = AuthorizationFactory(member=member, status="denied")
    return NoticeFactory(event=DeniedEventFactory(authorization=elsewhere))


def test_r_x2_a_shared_member_opens_none_of_the_other_organizations_letters(
    client, provider_staff, notice, their_letter, member
):
    """The provider sees the member (through its own authorization) and its own letter, never the
    letter of the member's authorization held with another provider: API list, detail and
    download, browser download, member page. Its id answers exactly as a missing id does."""
    api = api_as(provider_staff)
    assert [row["id"] for row in api.get(API).json()["results"]] == [notice.pk]
    assert api.get(API, {"authorization": their_letter.authorization_id}).json()["results"] == []
    missing = their_letter.pk + 1000
    for suffix in ("", "download/"):
        theirs = api.get(f"{API}{their_letter.pk}/{suffix}")
        absent = api.get(f"{API}{missing}/{suffix}")
        assert (theirs.status_code, theirs.content) == (404, absent.content)

    client.force_login(provider_staff)
    theirs = client.get(reverse("notices:download", args=[their_letter.pk]))
    absent = client.get(reverse("notices:download", args=[missing]))
    assert theirs.status_code == absent.status_code == 404
    assert unmasked(theirs.content) == unmasked(absent.content)

    page = client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert reverse("notices:download", args=[notice.pk]) in page
    assert reverse("notices:download", args=[their_letter.pk]) not in page


def test_r_x2_the_authorization_filter_answers_alike_for_another_organizations_id(
    provider_staff, their_letter
):
    """Filtering by another organization's authorization id answers like a missing id: no
    existence test through the filter."""
    api = api_as(provider_staff)
    theirs = api.get(API, {"authorization": their_letter.authorization_id})
    absent = api.get(API, {"authorization": their_letter.authorization_id + 1000})
    assert theirs.status_code == absent.status_code == 200
    assert theirs.json() == absent.json()
