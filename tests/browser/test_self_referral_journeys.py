"""An anonymous member asks for a service in Spanish, by keyboard only (R-R1, R-M7): switches the
language, types, is told beside the field that "abc" is not a phone number with everything typed
kept, sends, and reads in Spanish when CalOptima Health will call and the number to call. At desktop
and phone width, axe-core on every page, and the page's language is "es"."""

from pathlib import Path

import pytest
from django.test import RequestFactory
from django_ratelimit.core import get_usage

from referrals.models import SelfReferral

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

SHOTS = Path("/tmp/shots/G")
WIDTHS = [1280, 390]


def tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has focus, as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def check_page(page, name: str, width: int, lang: str) -> None:
    from tests.browser.axe import assert_accessible

    assert page.evaluate("() => document.documentElement.lang") == lang
    assert_accessible(page)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, f"{name} scrolls sideways by {overflow}px"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


def value(page, field: str) -> str:
    return page.locator(f"#id_{field}").input_value()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_member_asks_in_spanish_by_keyboard_and_learns_when_they_will_be_called(page, width):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/refer/")
    check_page(page, "form-en", width, "en")

    tab_to(page, "button[name=language][value=es]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Solicite Administración de Atención Mejorada o un Apoyo Comunitario"
    )
    assert page.url.endswith("/refer/")  # the same page, now in Spanish
    check_page(page, "form-es", width, "es")

    tab_to(page, "#id_first_name")
    page.keyboard.type("Ana")
    page.keyboard.press("Tab")
    page.keyboard.type("Reyes")
    tab_to(page, "#id_birth_date")
    page.keyboard.type("04121975")  # the date input's month, day and year
    tab_to(page, "#id_phone")
    page.keyboard.type("abc")
    tab_to(page, "#id_service")
    page.keyboard.type("Servicios de orient")  # the select finds the option by its first letters
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]:not([name])")
    page.keyboard.press("Enter")

    error = page.locator("#id_phone_error")
    expect(error).to_have_text(
        "Escriba un número de teléfono de EE. UU. de 10 dígitos, por ejemplo (714) 555-0100."
    )
    phone = page.locator("#id_phone")
    assert phone.get_attribute("aria-invalid") == "true"
    field_box, error_box = phone.bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 80  # beside the field
    assert (value(page, "first_name"), value(page, "last_name")) == ("Ana", "Reyes")
    assert (value(page, "birth_date"), value(page, "phone")) == ("1975-04-12", "abc")
    assert value(page, "service") == "CS_HOUSING_NAVIGATION" and value(page, "language") == "es"
    assert page.locator("#id_consent").is_checked()
    assert not SelfReferral.objects.exists()
    check_page(page, "form-es-error", width, "es")

    tab_to(page, "#id_phone")
    page.keyboard.press("Control+A")
    page.keyboard.type("714 555 0100")
    page.keyboard.press("Enter")  # Enter in a field sends the form

    expect(page.get_by_role("heading", level=1)).to_have_text("Recibimos su solicitud")
    sent = SelfReferral.objects.get()
    assert (sent.phone, sent.language, sent.first_name) == ("(714) 555-0100", "es", "Ana")
    expect(page.locator(".confirmation")).to_have_text(sent.confirmation_number)
    main = page.get_by_role("main")
    expect(main).to_contain_text("dentro de 5 días hábiles")
    expect(main.get_by_role("link", name="1-888-587-8088").first).to_have_attribute(
        "href", "tel:+18885878088"
    )
    check_page(page, "thanks-es", width, "es")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_rate_limited_member_is_told_in_spanish_to_call_and_given_the_number(page, width):
    from playwright.sync_api import expect

    request = RequestFactory().post("/refer/", REMOTE_ADDR="127.0.0.1")
    for _ in range(5):  # five requests already sent from this connection this hour
        get_usage(
            request,
            group="referrals.views.self_referral",
            key="ip",
            rate="5/h",
            method="POST",
            increment=True,
        )
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/refer/")
    tab_to(page, "button[name=language][value=es]")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "es")

    tab_to(page, "#id_first_name")
    page.keyboard.type("Ana")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Llámenos, por favor, para completar su solicitud"
    )
    expect(page.get_by_role("main").get_by_role("link", name="1-888-587-8088")).to_have_attribute(
        "href", "tel:+18885878088"
    )
    check_page(page, "limited-es", width, "es")


@pytest.mark.parametrize("width", WIDTHS)
def test_intake_staff_see_the_self_referrers_language_and_that_an_interpreter_is_needed(
    browser, live_server, django_db_serialized_rollback, reviewer, width
):
    from django.test import Client
    from playwright.sync_api import expect

    from referrals import services
    from tests.referrals.test_services import self_referral_data

    services.submit_self_referral(**self_referral_data(language="es"))
    client = Client()
    client.force_login(reviewer)
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": width, "height": 900}
    )
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    try:
        page.goto("/referrals/intake/")
        row = page.get_by_role("row").filter(has_text="Ana Reyes")
        expect(row).to_contain_text("Speaks Spanish · interpreter needed")
        check_page(page, "intake", width, "en")
    finally:
        context.close()
