"""R-N6: the explanation printed for the member is in the letter's language, or the reason's
standard text; adverse decisions explain themselves (R-N2)."""

import pytest

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
