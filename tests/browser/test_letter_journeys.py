"""A reviewer's decision by keyboard alone, at desktop and phone width (issue 10, part C): the
explanation for the member is kept apart from the note for the file, a Spanish letter asks which
language the explanation is written in, a denial asks for confirmation in a <dialog> first, and
the letter that follows says only what the member should read (R-N3, R-N6). axe-core runs on
every page and dialog state visited. All data is synthetic (seed_demo)."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from authorizations.models import Event, Status
from authorizations.selectors import review_queue
from notices.models import Notice
from notices.rules import letter_language
from providers.models import User
from tests.browser.axe import assert_accessible
from tests.browser.conftest import totp_code
from tests.browser.test_referral_journeys import DEMO_PASSWORD, status_badge
from tests.notices.pdf import pdf_text, save_page_png

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

SHOTS = Path("/tmp/shots/letters")
CONFIRM = "Deny this request? The member will be sent a letter."
NOTE = "Internal: spoke with the clinic's intake nurse twice; she was short with us."
EXPLANATION_EN = "The records your provider sent show no hospital or emergency visits this year."
EXPLANATION_ES = "Los expedientes que envió su proveedor no muestran visitas al hospital este año."
PAGES_CHECKED = []


@pytest.fixture
def demo(django_db_serialized_rollback):
    call_command("seed_demo", members=40, allow_demo_data=True, stdout=io.StringIO())


def checked(page, name):
    """axe-core on the page as it stands (WCAG 2.1 A/AA and best practice: no violations)."""
    assert_accessible(page)
    PAGES_CHECKED.append(name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def focused(page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? (e.id || e.getAttribute('name') || e.textContent.trim()) : ''; }"
    )


def tab_to(page, target: str, *, limit: int = 80) -> None:
    """Press Tab until the element with this id (or name, or text) has the focus."""
    for _ in range(limit):
        if focused(page) == target:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target!r} (last: {focused(page)!r})")


def sign_in_by_keyboard(page, username):
    page.goto("/accounts/login/")
    tab_to(page, "id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    # CalOptima Health staff sign in in two steps; the code field has the focus on arrival.
    page.wait_for_url("**/accounts/login/verify/")
    expect(page.get_by_label("Code")).to_be_focused()
    page.keyboard.type(totp_code(username))
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def choose_option(page, select_id: str, value: str) -> None:
    """A closed <select> with the focus: arrow keys move through its options."""
    tab_to(page, select_id)
    for _ in range(20):
        if page.locator(f"#{select_id}").input_value() == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value!r} not reached in #{select_id}")


def deny_by_keyboard(page, *, explanation: str, written_in: str | None, name: str) -> None:
    decision = page.locator("section[aria-labelledby=dec-h]")
    # The decision radios: Tab into the group, arrows to Deny (approve, modify, deny).
    tab_to(page, "id_decision_0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(decision.get_by_label("Deny", exact=True)).to_be_checked()
    expect(decision.locator("button.decision-submit")).to_have_text("Deny")
    choose_option(page, "id_reason_code", "not_medically_appropriate")
    tab_to(page, "id_member_explanation")
    page.keyboard.type(explanation)
    if written_in is not None:
        tab_to(page, "id_explanation_language_0")  # Spanish first, then English; none chosen
        page.keyboard.press("ArrowDown" if written_in == "en" else "Space")
        expect(
            page.locator(f"input[name=explanation_language][value={written_in}]")
        ).to_be_checked()
    tab_to(page, "id_note")
    page.keyboard.type(NOTE)
    tab_to(page, "Deny")
    page.keyboard.press("Enter")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#confirm-text")).to_have_text(CONFIRM)
    expect(page.locator("#confirm-no")).to_be_focused()
    checked(page, f"{name}-confirm-dialog")
    # Escape returns to the page with nothing sent and the focus back on the button.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert focused(page) == "Deny"
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Shift+Tab")  # Cancel has the focus; Yes is before it
    expect(page.locator("#confirm-yes")).to_be_focused()
    expect(page.locator("#confirm-yes")).to_have_text("Deny")
    page.keyboard.press("Enter")
    page.wait_for_load_state()


@pytest.mark.parametrize("width", [1280, 390])
def test_keyboard_only_reviewer_denies_with_an_explanation_the_member_can_read(page, demo, width):
    reviewer = User.objects.get(username="reviewer")
    queue = list(review_queue(reviewer))
    english = next(a for a in queue if letter_language(a.member.preferred_language) == "en")
    spanish = next((a for a in queue if letter_language(a.member.preferred_language) == "es"), None)
    if spanish is None:  # the demo has Spanish speakers; make sure one is in the queue
        spanish = next(a for a in queue if a.pk != english.pk)
        spanish.member.preferred_language = "es"
        spanish.member.save(update_fields=["preferred_language"])
    PAGES_CHECKED.clear()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in_by_keyboard(page, "reviewer")

    # --- An English letter: the explanation is required, the note stays in the file. ---
    page.goto(f"/authorizations/{english.pk}/")
    expect(page.locator("#id_explanation_language")).to_be_hidden()  # nothing to choose
    checked(page, f"w{width}-01-decision-page-en")
    deny_by_keyboard(page, explanation=EXPLANATION_EN, written_in=None, name=f"w{width}-02")
    expect(page.locator("ul.messages")).to_contain_text(
        "Decision recorded. The member's letter (Notice of Action: denial) will be listed under "
        "Letters on this page",
        timeout=30_000,  # the letter is rendered in the request's thread in tests (eager Celery)
    )
    expect(page.locator("ul.messages")).not_to_contain_text("being prepared")
    expect(status_badge(page)).to_have_text("Denied")
    letters = page.locator("section[aria-labelledby=let-h]")
    expect(letters.get_by_role("link", name="Notice of Action: denial")).to_be_visible()
    checked(page, f"w{width}-03-denied-en")
    event = english.events.get(kind=Event.Kind.DENIED)
    assert (event.member_explanation, event.note) == (EXPLANATION_EN, NOTE)
    text = pdf_text(Notice.objects.get(event=event))
    assert EXPLANATION_EN in text and "nurse" not in text

    # --- A Spanish letter: an English explanation is refused beside the field, kept as typed. ---
    page.goto(f"/authorizations/{spanish.pk}/")
    expect(page.get_by_role("group", name="Explanation written in")).to_be_visible()
    checked(page, f"w{width}-04-decision-page-es")
    deny_by_keyboard(page, explanation=EXPLANATION_EN, written_in="en", name=f"w{width}-05")
    language = page.locator("fieldset").filter(has=page.locator("input[name=explanation_language]"))
    expect(language.locator("p.error")).to_contain_text(
        "The member's letter is in Spanish", timeout=30_000
    )
    expect(page.locator("#id_member_explanation")).to_have_value(EXPLANATION_EN)
    expect(page.locator("#id_note")).to_have_value(NOTE)
    expect(status_badge(page)).to_have_text("Pending")
    checked(page, f"w{width}-06-refused-es")

    # Written again in Spanish, and said so: the letter prints it, in Spanish only.
    page.locator("#id_member_explanation").focus()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(EXPLANATION_ES)
    page.keyboard.press("Tab")  # to the language radios: English is checked, Spanish is before
    page.keyboard.press("ArrowUp")
    expect(page.locator("input[name=explanation_language][value=es]")).to_be_checked()
    tab_to(page, "Deny")
    page.keyboard.press("Enter")
    expect(page.locator("#confirm-no")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(status_badge(page)).to_have_text("Denied", timeout=30_000)
    checked(page, f"w{width}-07-denied-es")
    spanish.refresh_from_db()
    assert spanish.status == Status.DENIED
    notice = Notice.objects.get(authorization=spanish)
    text = pdf_text(notice)
    assert notice.language == "es" and EXPLANATION_ES in text
    assert EXPLANATION_EN not in text and "nurse" not in text
    assert "Aviso de acción: su solicitud fue negada" in text
    save_page_png(notice, SHOTS / f"w{width}-08-letter-es-page1.png")
    print(f"axe-checked pages and dialogs at {width}px: {len(PAGES_CHECKED)}, violations: 0")
