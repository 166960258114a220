"""Each role's home page shows its work as counts, and each count opens a list of exactly those
rows (the lists' own filters). Query counts are pinned per role."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from authorizations.models import Status as AuthorizationStatus
from providers.models import Role
from referrals.models import Status
from tests.authorizations.factories import (
    AuthorizationFactory,
    ClosureRequestFactory,
    LegacyAuthorizationFactory,
)
from tests.providers.factories import (
    CsProviderFactory,
    EcmProviderFactory,
    HealthNetworkFactory,
    OfferingFactory,
    PanelChangeRequestFactory,
    SiteAdminFactory,
    SystemAdminFactory,
    UserFactory,
    pof,
)
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db
HOME = "/"


def work_items(html: str) -> dict[str, tuple[int, str]]:
    """label -> (count, link) for each count on the home page."""
    found = re.findall(
        r'<a class="work-item[^"]*" href="([^"]+)"><strong class="count">(\d+)</strong> '
        r"<span>([^<]+)</span></a>",
        html,
    )
    return {label: (int(count), href) for href, count, label in found}


def references_listed(client, url: str) -> set[str]:
    page = client.get(url).content.decode()
    return set(re.findall(r">(R-\d{4}-\d{6})</a>", page))


@pytest.fixture
def clinic_coordinator():
    return UserFactory(organization=EcmProviderFactory(name="Harbor Clinic"))


def test_a_coordinators_counts_open_the_lists_of_those_referrals(client, clinic_coordinator):
    org = clinic_coordinator.organization
    declined = {
        ReferralFactory(referring_organization=org, status=Status.DECLINED).reference
        for _ in range(2)
    }
    accepted = ReferralFactory(referring_organization=org, status=Status.ACCEPTED).reference
    waiting = ReferralFactory(receiving_organization=org, status=Status.SENT).reference
    ReferralFactory(status=Status.DECLINED)  # another organization's: not counted, not listed
    client.force_login(clinic_coordinator)

    items = work_items(client.get(HOME).content.decode())

    count, url = items["declined referrals to send elsewhere or close"]
    assert count == 2 and references_listed(client, url) == declined
    count, url = items["accepted referral waiting for its authorization request"]
    assert count == 1 and references_listed(client, url) == {accepted}
    count, url = items["referral waiting on your organization"]
    assert count == 1 and url == reverse("referrals:inbox")
    assert waiting in client.get(url).content.decode()
    assert items["unread messages on your referrals"][0] == 0


def test_a_reviewers_counts_cover_the_queue_overdue_decisions_and_approvals(client, reviewer):
    for _ in range(3):
        AuthorizationFactory()
    AuthorizationFactory(due_at=timezone.now() - datetime.timedelta(hours=2))
    closure = ClosureRequestFactory()
    client.force_login(reviewer)

    items = work_items(client.get(HOME).content.decode())

    assert items["authorization requests to decide"] == (4, reverse("authorizations:queue"))
    count, url = items["decision overdue"]
    assert (count, url) == (1, reverse("authorizations:queue") + "?due=overdue")
    queue = client.get(url).content.decode()
    assert queue.count('class="overdue"') + queue.count("overdue</span>") >= 1
    assert len(client.get(url).context["page"]) == 1
    count, url = items["change or end request awaiting your approval"]
    assert (count, url) == (1, reverse("authorizations:list") + "#cl-h")
    page = client.get(url).content.decode()
    closures = page[page.index('id="cl-h"') :]
    assert reverse("authorizations:detail", args=[closure.authorization_id]) in closures


def test_r_a2_health_network_staff_see_requests_awaiting_their_approval(client):
    network = HealthNetworkFactory()
    staff = UserFactory(organization=network, role=Role.HEALTH_NETWORK_STAFF)
    legacy = LegacyAuthorizationFactory(health_network=network)
    ClosureRequestFactory(authorization=legacy)
    ClosureRequestFactory(authorization=LegacyAuthorizationFactory())  # another network's
    client.force_login(staff)

    items = work_items(client.get(HOME).content.decode())

    assert items["change or end request awaiting your approval"][0] == 1
    assert legacy.status == AuthorizationStatus.APPROVED


def test_r_r3_provider_staff_are_led_to_keep_capacity_current(client):
    staff = UserFactory(organization=CsProviderFactory(), role=Role.PROVIDER_STAFF)
    OfferingFactory(organization=staff.organization, open_slots=4)
    OfferingFactory(organization=staff.organization, open_slots=0, accepting_referrals=False)
    client.force_login(staff)

    items = work_items(client.get(HOME).content.decode())

    label = "open slots published for 2 services, 1 taking no referrals: keep capacity current"
    assert items[label] == (4, reverse("providers:capacity_list"))
    assert client.get(reverse("providers:capacity_list")).status_code == 200


def test_admins_see_invitations_outstanding_and_panel_requests_to_decide(client):
    admin = SiteAdminFactory()
    invited = UserFactory(organization=admin.organization)
    invited.set_unusable_password()
    invited.save()
    client.force_login(admin)
    items = work_items(client.get(HOME).content.decode())
    assert items["invited person who has not set a password yet"] == (
        1,
        reverse("providers:users"),
    )

    PanelChangeRequestFactory(population=pof("2"))
    client.force_login(SystemAdminFactory())
    items = work_items(client.get(HOME).content.decode())
    assert items["POF panel request to decide"] == (1, reverse("providers:panel_requests"))


def _coordinator(n):
    user = UserFactory(organization=EcmProviderFactory())
    for _ in range(n):
        ReferralFactory(referring_organization=user.organization, status=Status.DECLINED)
        ReferralFactory(receiving_organization=user.organization, status=Status.SENT)
    return user


def _reviewer(n):
    from providers.models import Organization

    for _ in range(n):
        AuthorizationFactory()
        ClosureRequestFactory()
    return UserFactory(
        organization=Organization.objects.get(is_caloptima=True), role=Role.UTILIZATION_REVIEWER
    )


def _provider(n):
    user = UserFactory(organization=CsProviderFactory(), role=Role.PROVIDER_STAFF)
    for _ in range(n):
        OfferingFactory(organization=user.organization)
        ReferralFactory(receiving_organization=user.organization, status=Status.SENT)
    return user


def _hn_staff(n):
    network = HealthNetworkFactory()
    for _ in range(n):
        ClosureRequestFactory(authorization=LegacyAuthorizationFactory(health_network=network))
    return UserFactory(organization=network, role=Role.HEALTH_NETWORK_STAFF)


def _site_admin(n):
    admin = SiteAdminFactory()
    for _ in range(n):
        UserFactory(organization=admin.organization)
    return admin


def _system_admin(n):
    for code in ["2", "4", "7", "8", "9"][:n]:
        PanelChangeRequestFactory(population=pof(code))
    return SystemAdminFactory()


# session, user, organization, then one count query per item (and the capacity list).
@pytest.mark.parametrize(
    "make_user, max_queries",
    [
        (_coordinator, 7),  # unread, inbox, declined, accepted
        (_reviewer, 9),  # unread, queue, overdue, intake, approvals, inbox
        (_provider, 8),  # unread, inbox, declined, accepted, capacity
        (_hn_staff, 8),  # unread, approvals, inbox, declined, accepted
        (_site_admin, 10),  # a network's: + approvals, unread, inbox, declined, accepted,
        # invited, capacity
        (_system_admin, 12),  # queue, overdue, intake, approvals, unread, inbox, invited, panel,
        # capacity
    ],
    ids=["coordinator", "reviewer", "provider", "hnstaff", "siteadmin", "sysadmin"],
)
@pytest.mark.parametrize("n", [1, 5])
def test_home_query_count_is_pinned_per_role(
    client, django_assert_max_num_queries, make_user, max_queries, n
):
    client.force_login(make_user(n))
    with django_assert_max_num_queries(max_queries):
        response = client.get(HOME)
    assert response.status_code == 200
