"""Letters are downloadable, in the browser and through /api/v1/notices/, only by users who may see
the letter's authorization (R-X2: a letter follows its authorization, not its member); everyone
else gets 404. Letters are listed on the authorization and member pages."""

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
API_LIST_MAX_QUERIES = 2

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
