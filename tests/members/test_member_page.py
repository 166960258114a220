"""The member page: "Refer this member", and the member's referrals the user may see (R-X2)."""

import datetime
import re

import pytest
from django.urls import reverse

from providers.models import Role
from referrals.models import Status
from tests.members.factories import (
    EligibilitySpanFactory,
    HealthNetworkAssignmentFactory,
    MemberFactory,
)
from tests.providers.factories import EcmProviderFactory, HealthNetworkFactory, UserFactory
from tests.referrals.factories import ReferralFactory, service

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def network():
    return HealthNetworkFactory(name="Canyon Network")


@pytest.fixture
def hn_user(network):
    return UserFactory(organization=network, role=Role.HEALTH_NETWORK_STAFF)


@pytest.fixture
def member(network):
    member = MemberFactory(first_name="Iris", last_name="Quell")
    EligibilitySpanFactory(member=member, start_date=D(2022, 1, 1))
    HealthNetworkAssignmentFactory(member=member, health_network=network, start_date=D(2022, 1, 1))
    return member


def page_of(client, user, member) -> str:
    client.force_login(user)
    response = client.get(reverse("members:detail", args=[member.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_member_page_offers_refer_this_member_with_the_member_chosen(client, hn_user, member):
    html = page_of(client, hn_user, member)
    link = re.search(r'<a class="button" href="([^"]+)">Refer this member</a>', html)
    assert link and link.group(1) == f"{reverse('referrals:new')}?member={member.pk}"


def test_r_x2_member_page_lists_the_members_referrals_the_user_may_see(client, hn_user, member):
    ours = ReferralFactory(
        member=member,
        referring_organization=hn_user.organization,
        receiving_organization=EcmProviderFactory(name="Lighthouse Clinic"),
        service=service("CS_HOUSING_DEPOSITS"),
        status=Status.ACCEPTED,
    )
    theirs = ReferralFactory(member=member)  # between two other organizations
    html = page_of(client, hn_user, member)
    section = html[html.index('id="ref-h"') : html.index('id="auth-h"')]
    row = section[section.index(ours.reference) :].split("</tr>")[0]
    assert f'href="{reverse("referrals:detail", args=[ours.pk])}"' in section
    assert "Housing deposits" in row and "Accepted" in row and "Lighthouse Clinic" in row
    assert f"{ours.created_at:%Y}-" in row
    assert theirs.reference not in html


def test_member_page_without_referrals_says_none(client, hn_user, member):
    html = page_of(client, hn_user, member)
    section = html[html.index('id="ref-h"') : html.index('id="auth-h"')]
    assert "None you can see." in section


@pytest.mark.parametrize("count", [2, 20])
def test_member_page_query_count_does_not_grow_with_referrals(
    client, hn_user, member, django_assert_max_num_queries, count
):
    for _ in range(count):
        ReferralFactory(member=member, referring_organization=hn_user.organization)
    client.force_login(hn_user)
    client.get(reverse("members:detail", args=[member.pk]))
    # session, user, organization, member and its history (4), referrals, authorizations,
    # letters, the audit row
    with django_assert_max_num_queries(12):
        response = client.get(reverse("members:detail", args=[member.pk]))
    assert response.content.decode().count('<td><a href="/referrals/') == count
