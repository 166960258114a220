"""The public self-referral pages in Spanish (R-R1, R-M7): Django i18n with a language switch;
staff pages stay English whatever the browser asks; the committed catalogue needs no gettext."""

import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from providers.models import Service
from referrals.models import SelfReferral
from tests.referrals.test_self_referral_form import typed_value
from tests.referrals.test_views import field_error, self_referral_post

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "es" / "LC_MESSAGES"
SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9"}


def spanish_client(client):
    client.cookies["django_language"] = "es"
    return client


def test_r_m7_a_spanish_browser_gets_the_form_in_spanish(client):
    response = client.get(reverse("self_referral"), **SPANISH)

    page = response.content.decode()
    assert '<html lang="es">' in page and response["Content-Language"] == "es"
    assert "Solicite Administración de Atención Mejorada o un Apoyo Comunitario" in page
    assert "Fecha de nacimiento" in page and "Enviar mi solicitud" in page
    assert "Administración de Atención Mejorada (ECM)" in page  # the service list too
    assert "Ask for Enhanced Care Management" not in page


def test_r_m7_the_language_switch_sets_spanish_and_returns_to_the_same_page(client):
    page = client.get(reverse("self_referral")).content.decode()
    assert '<html lang="en">' in page
    assert re.search(
        r'<button type="submit" name="language" value="es" lang="es"[^>]*>Español', page
    )

    response = client.post(
        reverse("set_language"), {"language": "es", "next": reverse("self_referral")}
    )

    assert response.status_code == 302 and response["Location"] == reverse("self_referral")
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="es">' in page and "Enviar mi solicitud" in page
    assert re.search(r'name="language" value="en" lang="en"[^>]*>English', page)


def test_r_m7_spanish_errors_beside_the_fields_with_what_was_typed_kept(client):
    client = spanish_client(client)

    response = client.post(
        reverse("self_referral"), self_referral_post(phone="abc", last_name="", consent="")
    )

    page = response.content.decode()
    assert field_error(page, "phone").startswith("Escriba un número de teléfono de EE. UU.")
    assert field_error(page, "last_name") == "Este campo es obligatorio."
    assert typed_value(page, "phone") == "abc" and typed_value(page, "first_name") == "Ana"
    assert typed_value(page, "birth_date") == "1975-04-12"  # ISO, or the date input shows nothing
    assert not SelfReferral.objects.exists()


def test_r_m7_djangos_own_messages_come_in_spanish_too(client):
    response = spanish_client(client).post(
        reverse("self_referral"), self_referral_post(first_name="x" * 81, birth_date="31/02/1975")
    )

    page = response.content.decode()
    assert "80 caracteres (tiene 81)" in field_error(page, "first_name")
    assert field_error(page, "birth_date") == "Introduzca una fecha válida."


def test_r_m7_the_consent_refusal_from_the_service_comes_in_spanish(client):
    response = spanish_client(client).post(reverse("self_referral"), self_referral_post(consent=""))

    assert field_error(response.content.decode(), "consent").startswith(
        "Necesitamos su consentimiento"
    )


def test_r_r1_the_thank_you_page_in_spanish_gives_the_number_and_the_timeframe(client):
    client = spanish_client(client)

    response = client.post(reverse("self_referral"), self_referral_post(), follow=True)

    page = response.content.decode()
    assert '<html lang="es">' in page and "Recibimos su solicitud" in page
    assert SelfReferral.objects.get().confirmation_number in page
    assert "dentro de 5 días hábiles" in page
    assert '<a href="tel:+18885878088">1-888-587-8088</a>' in page


def test_r_m7_the_member_can_say_their_language_in_its_own_words(client):
    page = spanish_client(client).get(reverse("self_referral")).content.decode()

    assert '<option value="es" selected lang="es">Español</option>' in page
    assert '<option value="vi" lang="vi">Tiếng Việt</option>' in page
    assert '<option value="ar" lang="ar" dir="rtl">العربية</option>' in page


@pytest.mark.parametrize("name", ["login", "password_reset"])
def test_staff_pages_stay_english_for_a_spanish_browser(client, name):
    client.cookies["django_language"] = "es"

    response = client.get(reverse(name), **SPANISH)

    page = response.content.decode()
    assert '<html lang="en">' in page and "Skip to content" in page
    assert 'name="language"' not in page  # no switch where nothing is translated


def test_staff_form_errors_stay_english_after_a_spanish_page(client, caloptima_staff):
    spanish_client(client).get(reverse("self_referral"))
    client.force_login(caloptima_staff)

    response = client.post(reverse("members:search"), {"cin": "1"}, follow=True, **SPANISH)

    assert "Este campo" not in response.content.decode()
    assert translation.get_language() == "en"  # nothing after the page speaks Spanish


# --- The catalogue: committed, complete, usable without gettext -----------------------------------


def po_entries(path: Path) -> dict[str, str]:
    """msgid -> first msgstr, read from the .po (no gettext tools needed)."""
    entries, current, key = {}, {}, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if match := re.match(r'^(msgid|msgid_plural|msgstr(?:\[0\])?|msgstr\[\d\]) "(.*)"$', line):
            key = match.group(1)
            current[key] = current.get(key, "") + match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
        elif not line.strip() and current:
            entries[current["msgid"]] = current.get("msgstr", current.get("msgstr[0]", ""))
            current, key = {}, None
    unescape = lambda s: s.encode().decode("unicode_escape").encode("latin-1").decode()  # noqa: E731
    return {unescape(k): unescape(v) for k, v in entries.items() if k}


def test_r_m7_every_message_is_translated_and_the_committed_mo_matches_the_po():
    entries = po_entries(LOCALE / "django.po")
    with (LOCALE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    assert len(entries) > 50
    assert not [msgid for msgid, msgstr in entries.items() if not msgstr]
    stale = [m for m, s in entries.items() if compiled.gettext(m) != s and "%(days)s" not in m]
    assert not stale, f"run msgfmt -o django.mo django.po in {LOCALE}"


def test_r_m7_every_service_in_the_catalogue_has_a_spanish_name():
    from referrals.forms import SERVICE_NAMES

    assert set(Service.objects.values_list("name", flat=True)) <= set(SERVICE_NAMES)
    with translation.override("es"):
        assert all(translation.gettext(name) != name for name in SERVICE_NAMES)


def test_r_m7_switching_language_on_the_thank_you_page_keeps_the_confirmation_number(client):
    client.post(reverse("self_referral"), self_referral_post())
    number = SelfReferral.objects.get().confirmation_number

    response = client.post(
        reverse("set_language"),
        {"language": "es", "next": reverse("self_referral_thanks")},
        follow=True,
    )

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("self_referral_thanks")
    assert "Recibimos su solicitud" in page and number in page
