"""R-N6: the explanation printed for the member is in the letter's language, or the reason's
standard text; adverse decisions explain themselves (R-N2)."""

import html as html_lib
import re

import pytest

from authorizations.models import Event, Status
from authorizations.rules import letter_language, member_explanation_errors


@pytest.mark.parametrize(
    "adverse, letter, explanation, written_in, fields",
    [
        # English letter: an adverse decision needs an explanation.
        (True, "en", "", "", {"member_explanation"}),
        (True, "en", "   ", "en", {"member_explanation"}),
        (True, "en", "Your doctor's notes do not show the need.", "", set()),
        (True, "en", "Your doctor's notes do not show the need.", "en", set()),
        # Spanish letter: the explanation in Spanish, or none (the reason's Spanish text).
        (True, "es", "", "", set()),
        (True, "es", "Sus notas médicas no muestran la necesidad.", "es", set()),
        (True, "es", "Your doctor's notes do not show the need.", "en", {"explanation_language"}),
        (True, "es", "Your doctor's notes do not show the need.", "", {"explanation_language"}),
        # Not adverse: optional, but never in another language than the letter's.
        (False, "en", "", "", set()),
        (False, "es", "", "", set()),
        (False, "es", "Approved as asked.", "en", {"explanation_language"}),
        (False, "es", "Aprobado como se pidió.", "es", set()),
        # A Spanish explanation in an English letter is mixed too.
        (True, "en", "Sus notas médicas no muestran la necesidad.", "es", {"explanation_language"}),
    ],
)
def test_r_n6_member_explanation_is_in_the_letters_language(
    adverse, letter, explanation, written_in, fields
):
    errors = member_explanation_errors(
        adverse=adverse,
        letter_language=letter,
        explanation=explanation,
        explanation_language=written_in,
    )
    assert set(errors) == fields
    assert all(message.strip() for message in errors.values())


@pytest.mark.parametrize(
    "preferred, letter", [("en", "en"), ("es", "es"), ("vi", "en"), ("ar", "en"), ("zh", "en")]
)
def test_r_n3_letter_language_is_english_or_spanish(preferred, letter):
    assert letter_language(preferred) == letter


# --- The reviewer's decision form and the decision API (R-N6) -----------------------------------

SPANISH = "Sus expedientes no muestran visitas a la sala de emergencias este año."
ENGLISH = "Your records show no emergency visits this year."


@pytest.fixture
def spanish_request(open_request, network):
    from tests.members.factories import member_with_history

    member = member_with_history(
        health_network=network, first_name="Lucía", last_name="Ramírez", preferred_language="es"
    )
    return open_request(member=member)


def page(client, reviewer, authorization, data=None):
    client.force_login(reviewer)
    url = f"/authorizations/{authorization.pk}/"
    return client.post(url, data) if data is not None else client.get(url)


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="id_{field}_error">([^<]*)</p>', html)
    return html_lib.unescape(found.group(1)) if found else ""


@pytest.mark.django_db
def test_r_n6_a_spanish_letter_asks_which_language_the_explanation_is_written_in(
    client, reviewer, spanish_request, open_request
):
    html = page(client, reviewer, spanish_request).content.decode()
    assert "Explanation written in" in html
    assert 'name="explanation_language" value="es"' in html
    assert "The member&#x27;s letter is in Spanish: write it in Spanish" in html
    assert 'maxlength="4000"' in html and "Up to 4,000 characters." in html
    assert "Note for the file" in html and "Never printed" in html

    english = page(client, reviewer, open_request()).content.decode()
    assert "Explanation written in" not in english  # an English letter: nothing to choose
    assert 'type="hidden" name="explanation_language" value="en"' in english


@pytest.mark.django_db
def test_r_n6_an_english_explanation_for_a_spanish_letter_is_refused_beside_the_field(
    client, reviewer, spanish_request
):
    response = page(
        client,
        reviewer,
        spanish_request,
        {
            "decision": "deny",
            "reason_code": "not_medically_appropriate",
            "member_explanation": ENGLISH,
            "explanation_language": "en",
            "note": "Called the clinic twice.",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The member's letter is in Spanish" in field_error(html, "explanation_language")
    assert ENGLISH in html and "Called the clinic twice." in html  # what was typed is kept
    assert 'data-confirm="Deny this request? The member will be sent a letter."' in html
    spanish_request.refresh_from_db()
    assert spanish_request.status == Status.PENDING


@pytest.mark.django_db
def test_r_n6_a_denial_in_an_english_letter_needs_an_explanation_beside_the_field(
    client, reviewer, open_request
):
    authorization = open_request()
    html = page(
        client,
        reviewer,
        authorization,
        {"decision": "deny", "reason_code": "not_eligible", "note": "Checked MMIS."},
    ).content.decode()
    assert "Explain this decision to the member" in field_error(html, "member_explanation")
    authorization.refresh_from_db()
    assert authorization.status == Status.PENDING


@pytest.mark.django_db
def test_r_n6_a_spanish_explanation_is_kept_apart_from_the_note(client, reviewer, spanish_request):
    response = page(
        client,
        reviewer,
        spanish_request,
        {
            "decision": "deny",
            "reason_code": "not_medically_appropriate",
            "member_explanation": SPANISH,
            "explanation_language": "es",
            "note": "Called the clinic twice.",
        },
    )
    assert response.status_code == 302
    event = spanish_request.events.get(kind=Event.Kind.DENIED)
    assert (event.member_explanation, event.explanation_language, event.note) == (
        SPANISH,
        "es",
        "Called the clinic twice.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "service_code, decision, expected",
    [
        ("CS_HOUSING_NAVIGATION", {"decision": "approve"}, "No letter goes to the member"),
        (
            "ECM",
            {"decision": "deny", "reason_code": "not_eligible", "member_explanation": ENGLISH},
            "The member's letter (Notice of Action: denial) will be listed under Letters",
        ),
        ("ECM", {"decision": "approve"}, "The member's letter (Approval notice) will be listed"),
    ],
)
def test_after_a_decision_the_page_says_only_what_will_happen(
    client, reviewer, open_request, service_code, decision, expected
):
    authorization = open_request(service_code=service_code)
    response = page(client, reviewer, authorization, decision)
    html = client.get(response["Location"]).content.decode()
    assert html_lib.escape(expected) in html
    assert "being prepared" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body, field",
    [
        ({"member_explanation": ENGLISH, "explanation_language": "en"}, "explanation_language"),
        ({"member_explanation": ENGLISH}, "explanation_language"),
        ({"member_explanation": "x" * 4001, "explanation_language": "es"}, "member_explanation"),
    ],
)
def test_r_n6_the_decision_api_refuses_a_mixed_letter_by_field(
    reviewer, spanish_request, body, field
):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(reviewer)
    response = client.post(
        f"/api/v1/authorizations/{spanish_request.pk}/decide/",
        {"decision": "deny", "reason_code": "not_eligible", **body},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert field in response.json()
    spanish_request.refresh_from_db()
    assert spanish_request.status == Status.PENDING


@pytest.mark.django_db
def test_r_n6_the_decision_api_records_the_explanation_and_the_note_apart(
    reviewer, spanish_request
):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(reviewer)
    response = client.post(
        f"/api/v1/authorizations/{spanish_request.pk}/decide/",
        {
            "decision": "deny",
            "reason_code": "not_eligible",
            "member_explanation": SPANISH,
            "explanation_language": "es",
            "note": "Checked MMIS.",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    denied = response.json()["events"][-1]
    assert (denied["member_explanation"], denied["explanation_language"]) == (SPANISH, "es")
