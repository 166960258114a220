"""The public self-referral form (R-R1): phone numbers checked and stored in one form, names
bounded with the limit shown, a thank-you page that says what happens next and gives CalOptima
Health's number, a rate limit that answers 429 with the number, and intake showing the
self-referrer's language (R-M7)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals import services
from referrals.models import SelfReferral
from tests.referrals.test_services import self_referral_data
from tests.referrals.test_views import field_error, self_referral_post

pytestmark = pytest.mark.django_db

REFER = "/refer/"


def typed_value(html: str, field: str) -> str:
    found = re.search(rf'<input[^>]*name="{field}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else ""


# --- The phone number ---------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["abc", "555-0100", "123-456-7890", "714 555 01000"])
def test_r_r1_a_phone_that_is_not_a_phone_number_is_refused_beside_the_field(client, phone):
    response = client.post(reverse("self_referral"), self_referral_post(phone=phone))

    page = response.content.decode()
    assert response.status_code == 200
    assert field_error(page, "phone").startswith("Enter a 10-digit US phone number")
    assert typed_value(page, "phone") == phone
    assert typed_value(page, "first_name") == "Ana" and typed_value(page, "cin") == "91234567A"
    assert not SelfReferral.objects.exists()


@pytest.mark.parametrize(
    "phone", ["714-555-0100", "7145550100", "+1 714 555 0100", "(714)555-0100"]
)
def test_r_r1_the_phone_number_is_stored_in_one_form(client, phone):
    client.post(reverse("self_referral"), self_referral_post(phone=phone))

    assert SelfReferral.objects.get().phone == "(714) 555-0100"


def test_r_r1_the_service_refuses_a_bad_phone_and_an_over_long_name_itself():
    with pytest.raises(ValidationError) as exc:
        services.submit_self_referral(**self_referral_data(phone="abc", first_name="A" * 81))

    assert set(exc.value.message_dict) == {"phone", "first_name"}
    assert not SelfReferral.objects.exists()


# --- Free text bounded, the limit shown -----------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "limit"), [("first_name", 80), ("last_name", 80), ("submitted_by", 120)]
)
def test_r_r1_each_free_text_field_shows_its_limit_and_refuses_more(client, field, limit):
    page = client.get(reverse("self_referral")).content.decode()
    assert re.search(rf'<input[^>]*name="{field}"[^>]*maxlength="{limit}"', page)
    assert f"Up to {limit} characters." in page

    response = client.post(
        reverse("self_referral"), self_referral_post(**{field: "x" * (limit + 1)})
    )

    page = response.content.decode()
    assert f"at most {limit} characters" in field_error(page, field)
    assert typed_value(page, field) == "x" * (limit + 1)
    assert not SelfReferral.objects.exists()


# --- What happens next ----------------------------------------------------------------------------


def test_r_r1_the_thank_you_page_says_who_calls_within_how_many_days_and_gives_the_number(client):
    response = client.post(reverse("self_referral"), self_referral_post(), follow=True)

    page = response.content.decode()
    number = SelfReferral.objects.get().confirmation_number
    assert f'<p class="confirmation">{number}</p>' in page
    assert "A CalOptima Health staff member will call you" in page
    assert "within 5 business days" in page
    assert '<a href="tel:+18885878088">1-888-587-8088</a>' in page
    assert '<a href="tel:711">711</a>' in page


def test_the_caloptima_number_and_the_callback_days_come_from_settings(client, settings):
    settings.CALOPTIMA_PHONE = "1-714-246-8500"
    settings.SELF_REFERRAL_CALLBACK_BUSINESS_DAYS = 2

    page = client.post(reverse("self_referral"), self_referral_post(), follow=True).content.decode()

    assert '<a href="tel:+17142468500">1-714-246-8500</a>' in page
    assert "within 2 business days" in page and "1-888-587-8088" not in page


def test_r_r1_the_form_gives_the_number_for_those_who_would_rather_call(client):
    page = client.get(reverse("self_referral")).content.decode()

    assert '<a href="tel:+18885878088">1-888-587-8088</a>' in page


# --- The rate limit -------------------------------------------------------------------------------


def test_r_r1_the_rate_limit_answers_429_with_the_number_to_call(client):
    for _ in range(5):
        assert client.post(REFER, self_referral_post()).status_code == 302

    response = client.post(REFER, self_referral_post())

    page = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert "Too many requests from this connection" in page
    assert '<a href="tel:+18885878088">1-888-587-8088</a>' in page
    assert "Ana" not in page and "91234567A" not in page  # nothing typed is echoed
    assert SelfReferral.objects.count() == 5


def test_r_r1_the_rate_limit_page_speaks_spanish_to_a_spanish_visitor(client):
    client.cookies["django_language"] = "es"
    for _ in range(5):
        client.post(REFER, self_referral_post())

    response = client.post(REFER, self_referral_post())

    page = response.content.decode()
    assert response.status_code == 429 and '<html lang="es">' in page
    assert "Hay demasiadas solicitudes desde esta conexión" in page
    assert "Llame a Servicios al Cliente de CalOptima Health" in page
    assert '<a href="tel:+18885878088">1-888-587-8088</a>' in page


# --- Intake shows the self-referrer's language (R-M7) ---------------------------------------------


def intake_page(client, user):
    client.force_login(user)
    return client.get(reverse("referrals:intake")).content.decode()


def test_r_m7_intake_shows_the_preferred_language_by_name_and_that_an_interpreter_is_needed(
    client, caloptima_staff
):
    services.submit_self_referral(**self_referral_data(language="vi", cin="91234567A"))

    page = intake_page(client, caloptima_staff)

    assert "Speaks Vietnamese" in page and "interpreter needed" in page


def test_r_m7_intake_asks_no_interpreter_for_an_english_speaker(client, caloptima_staff):
    services.submit_self_referral(**self_referral_data(language="en"))

    page = intake_page(client, caloptima_staff)

    assert "Speaks English" in page and "interpreter needed" not in page


def test_intake_query_count_does_not_grow_with_the_rows(client, caloptima_staff):
    services.submit_self_referral(**self_referral_data())
    client.force_login(caloptima_staff)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("referrals:intake"))
    for _ in range(9):
        services.submit_self_referral(**self_referral_data(language="ko"))

    with CaptureQueriesContext(connection) as ten:
        page = client.get(reverse("referrals:intake")).content.decode()

    assert page.count("Speaks Korean") == 9
    assert len(ten.captured_queries) == len(one.captured_queries)


def test_r_r1_a_field_in_error_names_its_message_for_screen_readers(client):
    response = client.post(reverse("self_referral"), self_referral_post(phone="abc"))

    page = response.content.decode()
    phone = re.search(r'<input[^>]*name="phone"[^>]*>', page).group(0)
    assert 'aria-describedby="id_phone_error id_phone_helptext"' in phone
    assert 'aria-invalid="true"' in phone


def test_the_public_form_costs_the_same_queries_whatever_the_catalogue(
    client, django_assert_num_queries
):
    with django_assert_num_queries(1):  # the service list
        client.get(reverse("self_referral"))
