"""Telephone numbers typed by people, checked with Google's libphonenumber (the `phonenumbers`
package) rather than by hand: US numbers by default, stored and shown as (714) 555-0100."""

import phonenumbers
from django.core.exceptions import ValidationError

PHONE_ERROR = "Enter a 10-digit US phone number, for example (714) 555-0100."


def normalize_phone(value: str) -> str:
    """The number in US national format, or a ValidationError saying what a good one looks like."""
    text = (value or "").strip()
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        raise ValidationError(PHONE_ERROR, code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(PHONE_ERROR, code="invalid_phone")
    if number.country_code == 1:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_phone(value: str) -> None:
    """A form or model field validator."""
    normalize_phone(value)
