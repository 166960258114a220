"""The referral page as staff work it (issue 10, part B): refusals beside the field with what was
typed kept, limits shown, irreversible actions asking first, the member's language, and capacity
that follows accepted referrals (R-R3, R-R5)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from authorizations import services as authorization_services
from common.limits import MESSAGE, TEXT
from members.models import Language
from providers.models import Offering
from referrals import services
from referrals.models import Attachment, Message, Status
from tests.providers.factories import UserFactory
from tests.referrals.conftest import START
from tests.referrals.factories import (
    EXE_BYTES,
    AttachmentFactory,
    MessageFactory,
    ReferralFactory,
    StatusChangeFactory,
)

pytestmark = pytest.mark.django_db

# The detail page: session, user, organization, referral, POFs, history, messages, attachments,
# marking the thread read (read, savepoint, insert, release), the re-sent referrals linked to it
# (one query, issue 10), the audit row. 13 before the links; the pin in test_views.py holds.
DETAIL_QUERIES = 14


def error_beside(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="error" id="{field_id}_error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def tag_of(html: str, field_id: str) -> str:
    """The opening tag (or whole textarea) of the control with this id."""
    found = re.search(rf'<(textarea|input|select)[^>]*id="{field_id}"[^>]*>', html)
    assert found, f"no control {field_id}"
    return found.group(0)


@pytest.fixture
def sent_referral(coordinator, member, mercy_house, meals):
    referral, _ = services.create_referral(
        user=coordinator,
        member=member,
        service=meals,
        requested_start_date=START,
        reason="Needs meals after discharge.",
        member_consent=True,
        receiving_organization=mercy_house,
    )
    return referral


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def mercy_client(mercy_staff):
    own = Client()
    own.force_login(mercy_staff)
    return own


def detail_url(referral) -> str:
    return reverse("referrals:detail", args=[referral.pk])


# --- Refusals beside the field, input kept (R-R5) ------------------------------------------------


def test_r_r5_a_6000_character_message_is_refused_beside_the_box_and_kept(
    coordinator_client, sent_referral
):
    body = "Call the member's daughter " * 222 + "first."  # 6,000 characters
    assert len(body) == 6000

    response = coordinator_client.post(
        reverse("referrals:post_message", args=[sent_referral.pk]), {"body": body}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Up to 5,000 characters; this has 6000" in error_beside(html, "id_body")
    assert 'aria-describedby="id_body_helptext id_body_error"' in tag_of(html, "id_body")
    assert body.replace("'", "&#x27;") in html  # what was typed is still in the box
    assert not Message.objects.exists()


def test_r_r5_an_empty_message_is_refused_beside_the_box(coordinator_client, sent_referral):
    response = coordinator_client.post(
        reverse("referrals:post_message", args=[sent_referral.pk]), {"body": "   "}
    )

    assert response.status_code == 400
    assert error_beside(response.content.decode(), "id_body") == "Write a message."


def test_message_limit_is_shown_beside_the_box(coordinator_client, sent_referral):
    html = coordinator_client.get(detail_url(sent_referral)).content.decode()

    assert f'maxlength="{MESSAGE}"' in tag_of(html, "id_body")
    assert 'id="id_body_helptext">Up to 5,000 characters.' in html


@pytest.mark.parametrize("action", ["decline", "close"])
def test_a_missing_reason_is_refused_beside_the_reason_field(mercy_client, sent_referral, action):
    response = mercy_client.post(
        reverse("referrals:move", args=[sent_referral.pk, action]), {"note": " "}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert error_beside(html, f"{action}-note") == "Give the reason."
    assert f"{action}-note_error" in tag_of(html, f"{action}-note")
    sent_referral.refresh_from_db()
    assert sent_referral.status == Status.SENT


@pytest.mark.parametrize("action", ["decline", "close"])
def test_a_reason_over_the_limit_is_refused_and_kept(mercy_client, sent_referral, action):
    reason = "x" * (TEXT + 1)

    response = mercy_client.post(
        reverse("referrals:move", args=[sent_referral.pk, action]), {"note": reason}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Up to 4,000 characters; this has 4001" in error_beside(html, f"{action}-note")
    assert reason in html
    sent_referral.refresh_from_db()
    assert (sent_referral.status, sent_referral.decline_reason) == (Status.SENT, "")


def test_reason_limits_are_shown_beside_the_reason_fields(mercy_client, sent_referral):
    html = mercy_client.get(detail_url(sent_referral)).content.decode()

    assert f'maxlength="{TEXT}"' in tag_of(html, "decline-note")
    assert 'id="decline-note_helptext">Up to 4,000 characters.' in html


def test_a_refused_upload_is_shown_beside_the_file_field(coordinator_client, sent_referral):
    response = coordinator_client.post(
        reverse("referrals:add_attachment", args=[sent_referral.pk]),
        {"file": SimpleUploadedFile("letter.pdf", EXE_BYTES)},
    )

    assert response.status_code == 400
    assert "must be a PDF, PNG or JPEG" in error_beside(response.content.decode(), "id_file")
    assert not Attachment.objects.exists()


def test_the_service_limit_holds_without_the_form(coordinator, sent_referral):
    """An API client or a script gets the same refusal, keyed by field."""
    with pytest.raises(services.ValidationError) as excinfo:
        services.post_message(user=coordinator, referral=sent_referral, body="y" * (MESSAGE + 1))
    assert "body" in excinfo.value.message_dict
    with pytest.raises(services.ValidationError) as excinfo:
        services.close(user=coordinator, referral_id=sent_referral.pk, reason="z" * (TEXT + 1))
    assert "closed_reason" in excinfo.value.message_dict


# --- Irreversible actions ask first ---------------------------------------------------------


def test_decline_and_close_ask_for_confirmation_before_acting(mercy_client, sent_referral):
    html = mercy_client.get(detail_url(sent_referral)).content.decode()

    decline = re.search(r'<form[^>]*id="action-decline".*?</form>', html, re.S).group(0)
    close = re.search(r'<form[^>]*id="action-close".*?</form>', html, re.S).group(0)
    accept = re.search(r'<form[^>]*id="action-accept".*?</form>', html, re.S).group(0)
    assert 'data-confirm="Decline this referral?' in decline
    assert 'data-confirm="Close this referral?' in close
    assert "data-confirm" not in accept  # moving forward is not asked twice
    assert 'id="confirm-dialog"' in html


# --- The member's language where staff contact the member --------------------------------------


def test_the_members_preferred_language_is_shown_with_an_interpreter_note(
    mercy_client, sent_referral
):
    sent_referral.member.preferred_language = Language.SPANISH
    sent_referral.member.save()

    html = mercy_client.get(detail_url(sent_referral)).content.decode()

    assert "<dt>Preferred language</dt><dd>Spanish" in html
    assert "Interpreter needed" in html


def test_an_english_speaking_member_needs_no_interpreter_note(mercy_client, sent_referral):
    html = mercy_client.get(detail_url(sent_referral)).content.decode()

    assert "<dt>Preferred language</dt><dd>English</dd>" in html
    assert "Interpreter needed" not in html


# --- Capacity follows accepted referrals (R-R3) ------------------------------------------------


def slots(org, service) -> int:
    return Offering.objects.get(organization=org, service=service).open_slots


def test_r_r3_accepting_takes_a_slot_and_closing_gives_it_back(
    mercy_client, sent_referral, mercy_house, meals
):
    Offering.objects.filter(organization=mercy_house, service=meals).update(open_slots=3)

    mercy_client.post(reverse("referrals:move", args=[sent_referral.pk, "accept"]))
    assert slots(mercy_house, meals) == 2

    mercy_client.post(
        reverse("referrals:move", args=[sent_referral.pk, "close"]), {"note": "Member moved."}
    )
    sent_referral.refresh_from_db()
    assert sent_referral.status == Status.CLOSED
    assert slots(mercy_house, meals) == 3


def test_r_r3_accepting_at_no_open_slots_is_refused_with_the_reason_beside_accept(
    mercy_client, sent_referral, mercy_house, meals
):
    """Decision: accepting when the published capacity shows 0 open slots is refused (the count
    never goes below 0, and the capacity referrers choose by stays true); publish the room first."""
    Offering.objects.filter(organization=mercy_house, service=meals).update(open_slots=0)

    response = mercy_client.post(
        reverse("referrals:move", args=[sent_referral.pk, "accept"]), {"note": "Room after all."}
    )

    assert response.status_code == 400
    form = re.search(
        r'<form[^>]*id="action-accept".*?</form>', response.content.decode(), re.S
    ).group(0)
    assert "Mercy House shows no open slots for medically tailored meals" in form
    assert "Room after all." in form
    sent_referral.refresh_from_db()
    assert sent_referral.status == Status.SENT and not sent_referral.authorizations.exists()
    assert slots(mercy_house, meals) == 0


def test_r_r3_closing_a_referral_that_was_never_accepted_gives_nothing_back(
    coordinator, sent_referral, mercy_house, meals
):
    before = slots(mercy_house, meals)

    services.close(user=coordinator, referral_id=sent_referral.pk, reason="Member declined.")

    assert slots(mercy_house, meals) == before


def test_r_r3_a_denied_authorization_gives_the_slot_back_once(
    mercy_staff, reviewer, coordinator, sent_referral, mercy_house, meals
):
    before = slots(mercy_house, meals)
    authorization_services.accept_referral(user=mercy_staff, referral_id=sent_referral.pk)
    assert slots(mercy_house, meals) == before - 1

    services.record_authorization(
        user=reviewer, referral_id=sent_referral.pk, authorized=False, note="Not eligible."
    )
    assert slots(mercy_house, meals) == before
    services.close(user=coordinator, referral_id=sent_referral.pk, reason="Denied.")
    assert slots(mercy_house, meals) == before


def test_r_r3_accepting_without_a_published_offering_changes_no_capacity(mercy_staff):
    """The receiver publishes no offering of the service: there is no count to take from."""
    referral = ReferralFactory(receiving_organization=mercy_staff.organization, status=Status.SENT)

    services.accept(user=mercy_staff, referral_id=referral.pk)

    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED


# --- Pinned query count ------------------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 100])
def test_detail_page_with_re_sent_links_keeps_its_query_count(
    coordinator_client, coordinator, mercy_house, meals, django_assert_max_num_queries, count
):
    common = {
        "service": meals,
        "referring_organization": coordinator.organization,
        "referring_user": coordinator,
        "receiving_organization": mercy_house,
    }
    earlier = ReferralFactory(status=Status.DECLINED, **common)
    referral = ReferralFactory(resent_from=earlier, status=Status.DECLINED, **common)
    for _ in range(count // 10):
        ReferralFactory(resent_from=referral, **common)
    for _ in range(count):
        StatusChangeFactory(referral=referral, actor=UserFactory(organization=mercy_house))
        MessageFactory(referral=referral)
    for _ in range(count // 10):
        AttachmentFactory(referral=referral)

    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = coordinator_client.get(detail_url(referral))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'Re-sent from <a href="{detail_url(earlier)}">{earlier.reference}</a>' in html
    assert html.count("Re-sent as <a") == count // 10
