"""R-X3: every activity page and API call is recorded with its member (the audit registry's
entries for activities); R-X2: who sees which activities (activities_for)."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from activities.selectors import activities_for
from common.audit.models import AuditEvent
from providers.models import Role
from tests.activities.factories import EcmActivityFactory
from tests.authorizations.factories import AuthorizationFactory
from tests.providers.factories import UserFactory

pytestmark = pytest.mark.django_db


def last(**filters) -> AuditEvent:
    return AuditEvent.objects.filter(**filters).order_by("-id").first()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "name, target, event, object_type",
    [
        ("activities:log", "authorization", "view", "authorizations.authorization"),
        ("activities:for_authorization", "authorization", "view", "authorizations.authorization"),
        ("activities:for_member", "member", "view", "members.member"),
    ],
)
def test_r_x3_activity_pages_are_recorded_with_their_member(
    staff, ecm, name, target, event, object_type
):
    pk = ecm.pk if target == "authorization" else ecm.member_id
    response = signed_in(staff).get(reverse(name, args=[pk]))

    assert response.status_code == 200
    row = last(event=event, object_type=object_type)
    assert (row.object_id, row.member_id, row.actor_id) == (pk, ecm.member_id, staff.pk)
    assert row.outcome == "allowed"


def test_r_x3_logging_from_the_page_is_a_change_of_the_authorization_and_a_new_row(staff, ecm):
    signed_in(staff).post(
        reverse("activities:log", args=[ecm.pk]),
        {
            "date": ecm.start_date.isoformat(),
            "activity_type": "engagement",
            "method": "phone",
            "units": "2",
        },
    )
    assert last(event="change", object_type="authorizations.authorization").member_id == (
        ecm.member_id
    )
    activity = ecm.ecm_activities.get()
    created = last(object_type="activities.ecmactivity", object_pk=str(activity.pk))
    assert created.member_id == ecm.member_id


def test_r_x3_the_ecm_members_page_is_a_search(staff, ecm):
    signed_in(staff).get(reverse("activities:members"))
    assert last(event="search", object_type="authorizations.authorization").actor_id == staff.pk


def test_r_x3_the_api_list_records_the_members_listed_and_the_detail_its_member(staff, ecm):
    activity = EcmActivityFactory(authorization=ecm)
    client = APIClient()
    client.force_authenticate(staff)

    client.get("/api/v1/ecm-activities/")
    assert last(event="search", object_type="activities.ecmactivity").member_ids == [ecm.member_id]
    client.get(f"/api/v1/ecm-activities/{activity.pk}/")
    row = last(event="view", object_type="activities.ecmactivity")
    assert (row.object_id, row.member_id) == (activity.pk, ecm.member_id)


def test_r_x2_who_sees_which_activities(
    staff, other_staff, clinic, ecm, theirs, reviewer, stranger
):
    """The provider that delivered them; CalOptima Health all; the member's health network none
    of another provider's (minimum necessary); a network that is itself the provider, its own."""
    ours = EcmActivityFactory(authorization=ecm)
    other = EcmActivityFactory(authorization=theirs)
    hn_staff = UserFactory(organization=ecm.member.health_network_assignments.get().health_network,
                           role=Role.HEALTH_NETWORK_STAFF)  # fmt: skip
    network_as_provider = AuthorizationFactory(
        member=ecm.member, provider=hn_staff.organization, status="approved"
    )
    its_own = EcmActivityFactory(authorization=network_as_provider)

    def seen(user):
        return set(activities_for(user).values_list("pk", flat=True))

    assert seen(staff) == {ours.pk}
    assert seen(UserFactory(organization=clinic, role=Role.CARE_COORDINATOR)) == {ours.pk}
    assert seen(other_staff) == {other.pk}
    assert seen(reviewer) == {ours.pk, other.pk, its_own.pk}
    assert seen(hn_staff) == {its_own.pk}
    assert seen(stranger) == set()
