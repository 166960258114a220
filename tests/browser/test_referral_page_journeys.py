"""The referral page in Chromium, by keyboard (issue 10, part B; R-R2, R-R3, R-R5): a provider
with no open slot is told so beside Accept and keeps its note; it declines, and the confirmation
dialog sends nothing on Cancel or Escape and declines on Yes; the referrer sends the declined
referral to another provider without retyping, and both referrals link to each other. At 1280 and
390 px, with axe-core on every page and state visited. All data here is synthetic."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from members.models import Language
from providers.models import Offering, Organization, Role, Service
from referrals import services
from referrals.models import Referral, Status
from tests.browser.axe import assert_accessible
from tests.browser.conftest import complete_two_step
from tests.members.factories import member_with_history
from tests.providers.factories import CsProviderFactory, EcmProviderFactory, UserFactory
from tests.referrals.factories import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PASSWORD = "test-pass-123"  # tests.providers.factories.UserFactory
SHOTS = Path("/tmp/shots/B")
REFERENCE = re.compile(r"R-\d{4}-\d{6}")
DECLINE_REASON = "No drivers cover that ZIP code this month."
pages_checked: list[str] = []


@pytest.fixture
def world(django_db_serialized_rollback):
    import datetime

    from common.dates import business_today

    meals = Service.objects.get(code="CS_MEDICALLY_TAILORED_MEALS")
    mercy = Organization.objects.get(name="Mercy House")
    Offering.objects.update_or_create(
        organization=mercy, service=meals, defaults={"accepting_referrals": True, "open_slots": 0}
    )
    kitchen = CsProviderFactory(name="Second Harvest Kitchen")
    Offering.objects.create(
        organization=kitchen, service=meals, accepting_referrals=True, open_slots=4
    )
    clinic = EcmProviderFactory(name="Harbor Community Clinic")
    coordinator = UserFactory(
        username="coord", organization=clinic, role=Role.CARE_COORDINATOR, first_name="Cora"
    )
    UserFactory(username="mercy", organization=mercy, role=Role.PROVIDER_STAFF, first_name="Mo")
    member = member_with_history(
        health_network=Organization.objects.get(name="AltaMed Health Services"),
        cin="91234567A",
        birth_date=datetime.date(1975, 4, 12),
    )
    member.preferred_language = Language.SPANISH
    member.save()
    from django.core.files.uploadedfile import SimpleUploadedFile

    referral, _ = services.create_referral(
        user=coordinator,
        member=member,
        service=meals,
        requested_start_date=business_today(),
        reason="Diabetes with a recent hospital stay; needs tailored meals.",
        notes="Prefers deliveries after 3 pm.",
        member_consent=True,
        receiving_organization=mercy,
        attachments=[SimpleUploadedFile("discharge.pdf", PDF_BYTES)],
    )
    return {"referral": referral, "kitchen": kitchen, "mercy": mercy, "meals": meals}


def checked(page, name: str) -> None:
    """axe-core on the page as it stands (0 violations), then a full-page screenshot."""
    assert_accessible(page)
    pages_checked.append(name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(page, username: str, suffix: str) -> None:
    """By keyboard: type into the fields, Enter submits. Both pages checked by axe."""
    page.goto("/accounts/login/")
    checked(page, f"b00-sign-in-{username}{suffix}")
    page.get_by_label("Username").press_sequentially(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    complete_two_step(page, username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    checked(page, f"b00-home-{username}{suffix}")


def sign_out(page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def tab_to(page, locator, limit: int = 150) -> None:
    """Press Tab until the locator has the focus, as a keyboard user moves through the page."""
    handle = locator.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("e => document.activeElement === e", handle):
            return
    raise AssertionError(f"Tab never reached {locator}")


@pytest.mark.parametrize("width", [1280, 390])
def test_decline_asks_first_and_the_referrer_resends_by_keyboard(page, world, width):
    page.set_viewport_size({"width": width, "height": 900})
    referral = world["referral"]
    suffix = f"-{width}"

    # --- The provider: no open slot, so Accept is refused beside it and the note kept (R-R3). ---
    sign_in(page, "mercy", suffix)
    page.goto(f"/referrals/{referral.pk}/")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Spanish")
    expect(facts.get_by_text("Interpreter needed")).to_be_visible()
    checked(page, f"b01-provider-referral-page{suffix}")

    accept_note = page.locator("#accept-note")
    tab_to(page, accept_note)
    page.keyboard.type("We can start Monday.")
    tab_to(page, page.locator("#action-accept button"))
    page.keyboard.press("Enter")
    accept_form = page.locator("#action-accept")
    expect(accept_form.get_by_role("alert")).to_contain_text(
        "Mercy House shows no open slots for medically tailored meals"
    )
    expect(page.locator("#accept-note")).to_have_value("We can start Monday.")
    checked(page, f"b02-accept-refused-no-open-slot{suffix}")
    referral.refresh_from_db()
    assert referral.status == Status.SENT

    # --- Decline: the reason, then the dialog. Cancel and Escape send nothing. ---
    reason = page.locator("#decline-note")
    tab_to(page, reason)
    page.keyboard.type(DECLINE_REASON)
    decline = page.locator("#action-decline").get_by_role("button", name="Decline")
    tab_to(page, decline)
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Decline this referral?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    expect(dialog.locator("#confirm-yes")).to_have_text("Decline")
    checked(page, f"b03-decline-confirm-dialog{suffix}")
    page.keyboard.press("Enter")  # Cancel
    expect(dialog).to_be_hidden()
    expect(decline).to_be_focused()
    referral.refresh_from_db()
    assert referral.status == Status.SENT and referral.history.count() == 2

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(decline).to_be_focused()
    referral.refresh_from_db()
    assert referral.status == Status.SENT

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Shift+Tab")  # from Cancel back to the Yes button, "Decline"
    expect(dialog.locator("#confirm-yes")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".heading-row .status")).to_have_text("Declined")
    expect(page.locator("p.notice.no")).to_have_text(f"Declined: {DECLINE_REASON}")
    checked(page, f"b04-provider-declined{suffix}")
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED
    # The provider that declined is not the referrer: it cannot send it on.
    expect(page.get_by_role("link", name="Send to another provider")).to_have_count(0)
    sign_out(page)

    # --- The referrer sends it to another provider, nothing retyped (R-R2). ---
    sign_in(page, "coord", suffix)
    page.goto(f"/referrals/{referral.pk}/")
    resend = page.get_by_role("link", name="Send to another provider")
    checked(page, f"b05-referrer-sees-declined{suffix}")
    tab_to(page, resend)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Send {referral.reference} to another provider"
    )
    expect(page.locator("main")).to_contain_text(DECLINE_REASON)
    expect(page.locator("main")).to_contain_text("discharge.pdf")
    provider = page.get_by_label("Provider")
    expect(provider.locator("option")).to_have_text(["Choose a provider", "Second Harvest Kitchen"])
    checked(page, f"b06-resend-form{suffix}")

    # Sent without a choice: the browser itself asks for the provider; nothing is sent.
    send = page.get_by_role("button", name="Send the new referral")
    tab_to(page, send)
    page.keyboard.press("Enter")
    assert page.get_by_label("Provider").evaluate("e => e.validity.valueMissing")
    assert Referral.objects.count() == 1

    tab_to(page, page.get_by_label("Provider"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Provider")).to_have_value(str(world["kitchen"].pk))
    tab_to(page, page.get_by_role("button", name="Send the new referral"))
    page.keyboard.press("Enter")
    expect(page.locator("ul.messages")).to_contain_text("sent to Second Harvest Kitchen")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(REFERENCE)
    new_reference = REFERENCE.search(heading.inner_text()).group()
    assert new_reference != referral.reference
    expect(page.locator(".resent")).to_contain_text(f"Re-sent from {referral.reference}")
    expect(page.locator("dl.facts")).to_contain_text("Second Harvest Kitchen")
    expect(page.locator("#attachments")).to_contain_text("discharge.pdf")
    checked(page, f"b07-new-referral-re-sent-from{suffix}")

    tab_to(page, page.locator(".resent").get_by_role("link", name=referral.reference))
    page.keyboard.press("Enter")
    expect(page.locator(".resent")).to_contain_text(f"Re-sent as {new_reference}")
    expect(page.get_by_role("link", name="Send to another provider")).to_have_count(0)
    checked(page, f"b08-old-referral-re-sent-as{suffix}")

    new = Referral.objects.get(reference=new_reference)
    assert new.resent_from_id == referral.pk and new.reason == referral.reason
    assert len(pages_checked) >= 12
