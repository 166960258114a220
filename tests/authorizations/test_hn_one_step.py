"""R-A2: a health network ends or changes its own legacy authorization in one step, with the
reason and the member's explanation, and the letter follows from the HN (R-N1). It no longer asks
itself and then approves its own request. CalOptima Health staff still do not decide legacy
authorizations."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from authorizations import services
from authorizations.models import Event, Status
from common.dates import business_today
from common.outbox.models import Message
from tests.authorizations.factories import LegacyAuthorizationFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def legacy_in_force(member, provider, network):
    """Created by the network on 1 June 2022 (Pacific), open-ended, approved (R-A1)."""
    return LegacyAuthorizationFactory(
        member=member, provider=provider, health_network=network, end_date=None, units=40
    )


def change_url(authorization):
    return reverse("authorizations:change_legacy", args=[authorization.pk])


def detail_url(authorization):
    return reverse("authorizations:detail", args=[authorization.pk])


def end_form(**overrides):
    return {
        "change-kind": "end",
        "change-end_date": str(business_today() + 30 * DAY),
        "change-reason_code": "service_ended",
        "change-member_explanation": "Your ECM services end because your goals were met.",
        "change-explanation_language": "en",
        "change-note": "Closed at case conference.",
        **overrides,
    }


def letters_queued():
    return Message.objects.filter(task="notices.render_notice").count()


def test_r_a2_the_hn_ends_its_own_legacy_authorization_in_one_step(
    client, hn_staff, legacy_in_force
):
    client.force_login(hn_staff)
    page = client.get(detail_url(legacy_in_force)).content.decode()
    assert "Change or end this authorization" in page
    assert "Ask to change or end this authorization" not in page

    response = client.post(change_url(legacy_in_force), end_form(), follow=True)

    html = response.content.decode()
    assert "sent to the responsible party" not in html
    assert (
        "The authorization is ended. Decision recorded. The member&#x27;s letter "
        "(Notice of Action: termination)" in html
    )
    legacy_in_force.refresh_from_db()
    end = business_today() + 30 * DAY
    assert (legacy_in_force.status, legacy_in_force.end_date) == (Status.TERMINATED, end)
    assert not legacy_in_force.closure_requests.exists()  # no request to itself
    event = legacy_in_force.events.get()
    assert (event.kind, event.actor, event.reason_code) == (
        Event.Kind.TERMINATED,
        hn_staff,
        "service_ended",
    )
    assert event.member_explanation == "Your ECM services end because your goals were met."
    assert event.note == "Closed at case conference."
    assert event.effective_date == end
    assert letters_queued() == 1  # the letter follows, from the HN (R-N1)


def test_r_a2_the_hn_changes_its_own_legacy_authorization_in_one_step(
    client, hn_staff, legacy_in_force
):
    client.force_login(hn_staff)
    response = client.post(
        change_url(legacy_in_force),
        end_form(**{"change-kind": "modify", "change-end_date": "", "change-new_units": "60"}),
    )
    assert response.status_code == 302
    legacy_in_force.refresh_from_db()
    assert (legacy_in_force.status, legacy_in_force.units) == (Status.MODIFIED, 60)
    event = legacy_in_force.events.get()
    # More units gives more: no date of action, no adverse reason code kept.
    assert (event.kind, event.effective_date, event.reason_code) == (
        Event.Kind.MODIFIED,
        None,
        "",
    )
    assert event.changes == {"units": "40 -> 60"}


def test_r_a2_caloptima_staff_still_cannot_end_a_legacy_authorization(
    client, reviewer, legacy_in_force
):
    with pytest.raises(PermissionDenied):
        services.change_legacy(
            user=reviewer,
            authorization_id=legacy_in_force.pk,
            kind="end",
            reason_code="service_ended",
            member_explanation="Ends.",
            end_date=business_today() + 30 * DAY,
        )
    client.force_login(reviewer)
    page = client.get(detail_url(legacy_in_force)).content.decode()
    assert change_url(legacy_in_force) not in page
    response = client.post(change_url(legacy_in_force), end_form(), follow=True)
    assert "Only the health network that created it" in response.content.decode()
    legacy_in_force.refresh_from_db()
    assert legacy_in_force.status == Status.APPROVED


def test_r_a2_provider_staff_still_ask_and_do_not_change_a_legacy_authorization(
    client, provider_staff, legacy_in_force
):
    client.force_login(provider_staff)
    page = client.get(detail_url(legacy_in_force)).content.decode()
    assert "Ask to change or end this authorization" in page
    assert change_url(legacy_in_force) not in page
    client.post(change_url(legacy_in_force), end_form())
    legacy_in_force.refresh_from_db()
    assert legacy_in_force.status == Status.APPROVED


def test_r_a2_another_network_cannot_reach_the_legacy_authorization(
    client, other_hn_staff, legacy_in_force
):
    client.force_login(other_hn_staff)
    assert client.post(change_url(legacy_in_force), end_form()).status_code == 404


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"change-reason_code": ""}, "reason_code"),
        ({"change-member_explanation": ""}, "member_explanation"),  # R-N6: English letter
        ({"change-end_date": ""}, "end_date"),
        ({"change-end_date": "2022-01-01"}, "end_date"),  # before the start
    ],
)
def test_r_a2_one_step_refusals_are_beside_the_field_and_change_nothing(
    client, hn_staff, legacy_in_force, overrides, field
):
    client.force_login(hn_staff)
    response = client.post(change_url(legacy_in_force), end_form(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_change-{field}_error"' in html
    assert "\nClosed at case conference.</textarea>" in html  # what was typed is kept
    legacy_in_force.refresh_from_db()
    assert (legacy_in_force.status, legacy_in_force.events.count()) == (Status.APPROVED, 0)
    assert letters_queued() == 0


def test_r_a2_the_member_explanation_is_in_the_letters_language(hn_staff, legacy_in_force, member):
    member.preferred_language = "es"
    member.save(update_fields=["preferred_language"])
    with pytest.raises(ValidationError) as refused:
        services.change_legacy(
            user=hn_staff,
            authorization_id=legacy_in_force.pk,
            kind="end",
            reason_code="service_ended",
            member_explanation="Your services end.",
            explanation_language="en",
            end_date=business_today() + 30 * DAY,
        )
    assert "explanation_language" in refused.value.message_dict


def test_r_a2_the_hn_ends_its_legacy_authorization_through_the_api_too(
    hn_staff, reviewer, legacy_in_force
):
    from rest_framework.test import APIClient

    url = f"/api/v1/authorizations/{legacy_in_force.pk}/change/"
    body = {
        "kind": "end",
        "reason_code": "service_ended",
        "end_date": str(business_today() + 5 * DAY),
        "member_explanation": "Your ECM services end.",
    }
    api = APIClient()
    api.force_authenticate(reviewer)
    assert api.post(url, body, format="json").status_code == 403  # R-A2: not CalOptima's
    api.force_authenticate(hn_staff)
    response = api.post(url, body, format="json")
    assert response.status_code == 400 and "end_date" in response.json()  # R-N5
    response = api.post(url, {**body, "notice_exception": "death"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "terminated"
    assert response.json()["events"][-1]["notice_exception"] == "death"
    assert letters_queued() == 1


def test_units_beyond_what_the_database_holds_are_refused_beside_the_field(
    client, hn_staff, legacy_in_force
):
    client.force_login(hn_staff)
    response = client.post(
        change_url(legacy_in_force),
        end_form(**{"change-kind": "modify", "change-new_units": "99999999999"}),
    )
    assert response.status_code == 400
    assert 'id="id_change-new_units_error"' in response.content.decode()
