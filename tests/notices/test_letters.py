"""Notice of Action and approval letters (R-N1..R-N4): one letter per decision, queued after
commit and rendered by WeasyPrint as tagged PDF; read back with pypdf (text, structure) and
pypdfium2 (page image), so the tests need no poppler."""

import datetime
import hashlib
from pathlib import Path

import pytest
from django.conf import settings

from authorizations import services as authorization_services
from authorizations.models import Event, ReasonCode
from common.outbox.models import Message
from notices import rules, services, tasks
from notices.models import Notice
from tests.members.factories import member_with_history
from tests.notices.pdf import page_count, pdf_text, reader, save_page_png, text_positions

pytestmark = pytest.mark.django_db

D = datetime.date
# R-N6: an adverse decision in an English letter explains itself to the member.
EXPLANATION = "Your provider's notes do not show a need for this service now."
EXPLAINED = {"member_explanation": EXPLANATION}
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "letters"
SHOTS = Path("/tmp/shots/letters")


def en_date(day: datetime.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


@pytest.fixture
def queued():
    """The decisions whose letter task went through the outbox, in order."""
    return lambda: [m.args[0] for m in Message.objects.filter(task="notices.render_notice")]


@pytest.fixture
def decide(django_capture_on_commit_callbacks, queued):
    """Decide through the notices app, running the after-commit relay (eager Celery).
    Returns the decision and the decisions whose letter was queued."""

    def _decide(**kwargs):
        before = len(queued())
        with django_capture_on_commit_callbacks(execute=True):
            event = services.decide(**kwargs)
            # R-N4: the letter's row is written in the decision's transaction and handed to
            # Celery only after the commit.
            letters = Message.objects.filter(task="notices.render_notice")
            assert letters.filter(status="pending").count() == len(queued()) - before
            assert not Notice.objects.filter(event=event).exists()
        assert not letters.exclude(status="done").exists()
        return event, queued()[before:]

    return _decide


@pytest.fixture
def end(django_capture_on_commit_callbacks):
    """Ask to end an authorization in force and approve it as `decider`. A date less than 10
    days away needs an exception (R-N5)."""

    def _end(
        authorization,
        *,
        asker,
        decider,
        end_date,
        reason="Member moved out of county.",
        exception="",
        explanation=EXPLANATION,
    ):
        closure = authorization_services.request_closure(
            user=asker,
            authorization_id=authorization.pk,
            kind="end",
            reason=reason,
            end_date=end_date,
            notice_exception=exception,
        )
        with django_capture_on_commit_callbacks(execute=True):
            return services.decide_closure(
                user=decider, closure_id=closure.pk, approve=True, member_explanation=explanation
            )

    return _end


@pytest.fixture
def approved(open_request, reviewer, decide):
    authorization = open_request()
    decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
    authorization.refresh_from_db()
    return authorization


# --- One letter per decision ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "decision, extra, kind",
    [
        ("deny", {"reason_code": "not_medically_appropriate", **EXPLAINED}, "denial"),
        ("modify", {"reason_code": "dates_or_units", "units": 40, **EXPLAINED}, "modification"),
        ("approve", {}, "approval"),  # ECM approvals get an approval notice (R-N2)
    ],
)
def test_r_n2_each_ecm_decision_queues_and_renders_one_letter(
    open_request, reviewer, decide, decision, extra, kind
):
    authorization = open_request()
    event, letters = decide(
        user=reviewer, authorization_id=authorization.pk, decision=decision, **extra
    )
    assert letters == [event.pk]
    notice = Notice.objects.get()
    assert (notice.event, notice.authorization, notice.kind) == (event, authorization, kind)
    assert notice.sender.name == "CalOptima Health"
    assert notice.pdf.name.endswith(f"{event.pk}-{kind}.pdf")
    assert "Delgado" not in notice.pdf.name  # no personal data in stored paths


def test_r_n2_a_closure_termination_gets_a_notice_of_action(
    approved, provider_staff, reviewer, end
):
    event = end(
        approved,
        asker=provider_staff,
        decider=reviewer,
        end_date=D(2024, 9, 30),
        exception="member_request",
    )
    notice = Notice.objects.get(event=event)
    assert notice.kind == "termination"
    assert Notice.objects.count() == 2  # the approval notice, then this one
    text = pdf_text(notice)
    assert "Notice of Action: your service will end" in text
    assert "Your last day of service is September 30, 2024." in text
    assert ReasonCode.SERVICE_ENDED.label in text


def test_rendering_twice_for_one_decision_keeps_one_letter(open_request, reviewer, decide):
    authorization = open_request()
    event, _ = decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        member_explanation=EXPLANATION,
        reason_code="not_eligible",
    )
    first = Notice.objects.get()
    again = services.render_notice(event_id=event.pk)
    assert tasks.render_notice.delay(event.pk).get() == first.pk
    assert again == first
    assert Notice.objects.count() == 1
    stored = list((Path(settings.MEDIA_ROOT) / "notices" / str(authorization.pk)).iterdir())
    assert [p.name for p in stored] == [Path(first.pdf.name).name]


@pytest.mark.parametrize("code", ["CS_MEDICALLY_TAILORED_MEALS", "CS_HOUSING_NAVIGATION"])
def test_r_n2_community_supports_approvals_get_no_letter(open_request, reviewer, decide, code):
    authorization = open_request(service_code=code)
    event, letters = decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
    assert letters == []
    assert services.render_notice(event_id=event.pk) is None  # a stray task renders nothing
    assert tasks.render_notice.delay(event.pk).get() is None
    assert not Notice.objects.exists()
    with pytest.raises(ValueError, match="gets no letter"):
        services.letter_context(event)


def test_r_n2_a_community_supports_denial_gets_a_notice_of_action(open_request, reviewer, decide):
    authorization = open_request(service_code="CS_MEDICALLY_TAILORED_MEALS")
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        member_explanation=EXPLANATION,
        reason_code="not_cost_effective",
    )
    text = pdf_text(Notice.objects.get())
    assert "Medically tailored meals" in text
    assert "DHCS Community Supports Policy Guide" in text
    assert ReasonCode.NOT_COST_EFFECTIVE.label in text


@pytest.mark.parametrize(
    "kind, rule_kind", [("assigned", None), ("requested", None), ("closure_rejected", None)]
)
def test_r_n2_events_that_are_not_decisions_get_no_letter(kind, rule_kind):
    assert rules.letter_kind(kind, "ecm") is rule_kind


# --- What the letter says (R-N1, R-N2, R-N4) ------------------------------------------------------


def test_r_n4_a_denial_says_what_why_and_how_to_appeal(open_request, reviewer, decide, member):
    authorization = open_request()
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        reason_code="not_medically_appropriate",
        member_explanation="The records sent show no hospital or emergency visits in the last "
        "year.",
    )
    notice = Notice.objects.get()
    text = pdf_text(notice)

    assert "Rosa Delgado" in text
    assert "Notice of Action: your request was denied" in text
    assert "CalOptima Health denied the request for Enhanced Care Management" in text
    assert (
        "The information we have does not show that this service is medically appropriate for you."
        in text
    )
    assert "no hospital or emergency visits in the last year" in text
    assert "Enhanced Care Management Policy Guide" in text  # the criteria used
    assert notice.appeal_by == notice.notice_date + datetime.timedelta(days=60)
    assert f"You must ask by {en_date(notice.appeal_by)} (60 days" in text
    assert "within 30 days" in text and "72 hours" in text
    assert "State Hearing within 120 days" in text
    assert "Your Rights" in text
    assert "Nondiscrimination notice" in text and "civil rights laws" in text
    assert "Language assistance" in text
    for tagline in ("ATTENTION:", "ATENCIÓN:", "CHÚ Ý:", "PAUNAWA:", "ВНИМАНИЕ!"):
        assert tagline in text
    assert text.count("CalOptima Health") >= 3  # letterhead, decision, signature
    assert f"Date of this letter: {en_date(notice.notice_date)}" in text
    assert member.member_id in text

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with notice.pdf.open("rb") as handle:
        (ARTIFACTS / "denial-en.pdf").write_bytes(handle.read())


def test_r_n2_an_ecm_approval_notice_has_the_dates_and_no_appeal_section(
    open_request, reviewer, decide
):
    authorization = open_request()
    decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
    text = pdf_text(Notice.objects.get())
    assert "Approval notice" in text
    assert (
        "CalOptima Health approved Enhanced Care Management for you from June 3, 2024 to "
        "December 2, 2024." in text
    )
    assert "Your provider will contact you" in text
    assert "What you can do if you disagree" not in text


def test_r_n2_a_modification_names_the_changes(open_request, reviewer, decide):
    authorization = open_request()
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="modify",
        member_explanation=EXPLANATION,
        reason_code="dates_or_units",
        end_date=D(2024, 9, 30),
    )
    text = pdf_text(Notice.objects.get())
    assert "Notice of Action: your request was changed" in text
    assert "end date December 2, 2024 → September 30, 2024" in text  # dates as members read them
    assert ReasonCode.DATES_OR_UNITS.label in text
    assert "keep getting it while your appeal is decided" in text


def test_r_n1_the_health_network_sends_letters_for_its_legacy_authorizations(
    legacy, provider_staff, hn_staff, end, network
):
    event = end(
        legacy,
        asker=provider_staff,
        decider=hn_staff,
        end_date=D(2023, 3, 31),
        exception="loss_of_eligibility",
    )
    notice = Notice.objects.get(event=event)
    assert notice.sender == network
    text = pdf_text(notice)
    assert text.startswith("Prospect Medical Group")  # the letterhead
    assert "Prospect Medical Group is ending Enhanced Care Management for you" in text
    assert "Sincerely, Prospect Medical Group" in text
    assert "Your last day of service is March 31, 2023." in text


# --- Language and format (R-N3) -------------------------------------------------------------------


def test_r_n3_a_spanish_speaking_member_gets_spanish(open_request, reviewer, decide, network):
    member = member_with_history(
        health_network=network, first_name="Lucía", last_name="Ramírez", preferred_language="es"
    )
    authorization = open_request(member=member)
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        reason_code="not_eligible",
    )
    notice = Notice.objects.get()
    assert notice.language == "es"
    text = pdf_text(notice)
    assert "Lucía Ramírez" in text
    assert "Aviso de acción: su solicitud fue negada" in text
    assert "Usted no es elegible para este servicio en la fecha solicitada." in text
    assert "Sus derechos" in text and "Aviso de no discriminación" in text
    assert "Audiencia Estatal dentro de 120 días" in text
    assert "Your Rights" not in text

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with notice.pdf.open("rb") as handle:
        (ARTIFACTS / "denial-es.pdf").write_bytes(handle.read())


@pytest.mark.parametrize("language", ["vi", "ko", "zh", "fa", "ar"])
def test_r_n3_other_languages_get_english_with_the_taglines(
    open_request, reviewer, decide, network, language
):
    member = member_with_history(health_network=network, preferred_language=language)
    authorization = open_request(member=member)
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        member_explanation=EXPLANATION,
        reason_code="duplicative",
    )
    notice = Notice.objects.get()
    assert notice.language == "en"
    text = pdf_text(notice)
    assert "Notice of Action: your request was denied" in text
    assert "Language assistance" in text
    assert "Tiếng Việt" in text and "CHÚ Ý" in text
    assert "1-888-587-8088" in text


def test_r_n3_large_print_raises_the_font_size(open_request, reviewer, decide, network):
    regular = open_request()
    member = member_with_history(health_network=network, alternative_format="large_print")
    large = open_request(member=member)
    for authorization in (regular, large):
        decide(
            user=reviewer,
            authorization_id=authorization.pk,
            decision="deny",
            member_explanation=EXPLANATION,
            reason_code="insufficient_information",
        )
    small_notice = Notice.objects.get(authorization=regular)
    large_notice = Notice.objects.get(authorization=large)
    assert (small_notice.large_print, large_notice.large_print) == (False, True)
    assert services.letter_context(large_notice.event)["large_print"] is True
    assert page_count(large_notice) > page_count(small_notice)


# --- Stored file and dates (R-N4) -----------------------------------------------------------------


def test_the_checksum_is_the_sha256_of_the_stored_file(open_request, reviewer, decide):
    authorization = open_request()
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        member_explanation=EXPLANATION,
        reason_code="not_eligible",
    )
    notice = Notice.objects.get()
    with notice.pdf.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF-")
    assert notice.checksum == hashlib.sha256(data).hexdigest()
    assert notice.size == len(data)


@pytest.mark.parametrize(
    "decided_at, notice_date, send_by",
    [
        ("2026-03-06T10:00:00-08:00", D(2026, 3, 6), D(2026, 3, 10)),  # Friday -> Tuesday
        ("2026-11-25T09:00:00-08:00", D(2026, 11, 25), D(2026, 12, 1)),  # Thanksgiving, day after
        ("2026-03-30T09:00:00-07:00", D(2026, 3, 30), D(2026, 4, 2)),  # Cesar Chavez Day 31 Mar
        ("2025-12-31T09:00:00-08:00", D(2025, 12, 31), D(2026, 1, 5)),  # New Year's Day
        # Late evening in California, already the next day in UTC: the California date counts.
        ("2026-03-07T06:30:00+00:00", D(2026, 3, 6), D(2026, 3, 10)),
    ],
)
def test_r_n4_send_by_is_two_business_days_after_the_decision(
    open_request, reviewer, decided_at, notice_date, send_by
):
    authorization = open_request()
    event = authorization_services.decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        member_explanation=EXPLANATION,
        reason_code="not_eligible",
    )
    Event.objects.filter(pk=event.pk).update(at=datetime.datetime.fromisoformat(decided_at))

    notice = services.render_notice(event_id=event.pk)

    assert (notice.notice_date, notice.send_by) == (notice_date, send_by)
    assert notice.appeal_by == notice_date + datetime.timedelta(days=60)
    assert f"You must ask by {en_date(notice.appeal_by)}" in pdf_text(notice)


def test_letter_page_one_as_an_image(open_request, reviewer, decide, tmp_path):
    """Page 1 rendered to PNG with pypdfium2, no poppler (kept under artifacts/letters/ to be
    looked at)."""
    authorization = open_request(service_code="CS_HOUSING_NAVIGATION")
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        reason_code="insufficient_information",
        member_explanation="We asked your provider twice for a housing assessment and did not "
        "receive it.",
    )
    notice = Notice.objects.get()
    png = save_page_png(notice.pdf, ARTIFACTS / "denial-housing-navigation-page1.png", dpi=80)
    assert png.read_bytes().startswith(b"\x89PNG")


# --- Issue 10: letters members can trust (R-N3, R-N5, R-N6) ---------------------------------------

INTERNAL_NOTE = "Internal: the provider's intake nurse was short with us on the phone."


def spanish_member(network):
    return member_with_history(
        health_network=network, first_name="Lucía", last_name="Ramírez", preferred_language="es"
    )


def test_r_n6_a_spanish_denial_speaks_spanish_only_and_never_prints_the_note(
    open_request, reviewer, decide, network
):
    authorization = open_request(member=spanish_member(network))
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        reason_code="not_medically_appropriate",
        note=INTERNAL_NOTE,
    )
    notice = Notice.objects.get()
    text = pdf_text(notice)
    assert notice.language == "es"
    # The reason's standard Spanish text stands in for an explanation left empty.
    assert "La información que tenemos no muestra que este servicio sea" in text
    assert ReasonCode.NOT_MEDICALLY_APPROPRIATE.label not in text  # no English reason
    assert "Más sobre esta decisión" not in text  # no empty explanation heading
    assert "nurse" not in text and "Internal" not in text  # the note for the file stays there
    assert "Administración de Atención Mejorada (ECM)" in text  # the service named in Spanish
    assert "Enhanced Care Management" not in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with notice.pdf.open("rb") as handle:
        (ARTIFACTS / "denial-es-standard-text.pdf").write_bytes(handle.read())


def test_r_n6_an_english_explanation_is_refused_for_a_spanish_letter_and_nothing_is_decided(
    open_request, reviewer, decide, network
):
    from django.core.exceptions import ValidationError

    authorization = open_request(member=spanish_member(network))
    with pytest.raises(ValidationError) as exc:
        services.decide(
            user=reviewer,
            authorization_id=authorization.pk,
            decision="deny",
            reason_code="not_eligible",
            member_explanation="Your records do not show the need.",
            explanation_language="en",
        )
    assert "in Spanish" in exc.value.message_dict["explanation_language"][0]
    authorization.refresh_from_db()
    assert authorization.status == "pending" and not Notice.objects.exists()


def test_r_n6_a_spanish_explanation_is_printed_in_the_spanish_letter(
    open_request, reviewer, decide, network
):
    authorization = open_request(member=spanish_member(network))
    explanation = "Sus expedientes no muestran visitas a la sala de emergencias este año."
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        reason_code="not_medically_appropriate",
        member_explanation=explanation,
        explanation_language="es",
        note=INTERNAL_NOTE,
    )
    text = pdf_text(Notice.objects.get())
    assert f"Más sobre esta decisión {explanation}" in text
    assert "nurse" not in text


def test_r_n6_the_note_for_the_file_never_reaches_an_english_letter(open_request, reviewer, decide):
    authorization = open_request()
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        reason_code="not_medically_appropriate",
        member_explanation=EXPLANATION,
        note=INTERNAL_NOTE,
    )
    text = pdf_text(Notice.objects.get())
    assert f"More about this decision {EXPLANATION}" in text
    assert "nurse" not in text and "Internal" not in text


def _ask_change(authorization, asker, **fields):
    return authorization_services.request_closure(
        user=asker,
        authorization_id=authorization.pk,
        kind="modify",
        reason="The member is doing well and needs more time.",
        **fields,
    )


def test_r_n5_an_extension_given_as_asked_gets_an_approval_notice_without_appeal(
    legacy, provider_staff, hn_staff, network, django_capture_on_commit_callbacks
):
    """The HN approves the provider's own requested extension: the member is told the new
    dates, with no Notice of Action and nothing to appeal."""
    legacy.end_date = D(2026, 12, 31)
    legacy.save()
    closure = _ask_change(legacy, provider_staff, end_date=D(2027, 6, 30))
    with django_capture_on_commit_callbacks(execute=True):
        event = services.decide_closure(user=hn_staff, closure_id=closure.pk, approve=True)

    notice = Notice.objects.get(event=event)
    assert (notice.kind, notice.sender, notice.appeal_by) == ("change_approval", network, None)
    text = pdf_text(notice)
    assert "Approval notice: your service was changed as asked" in text
    assert "end date December 31, 2026 → June 30, 2027" in text
    assert "from July 1, 2022 to June 30, 2027" in text
    for adverse_words in ("Notice of Action", "appeal", "State Hearing", "Your Rights"):
        assert adverse_words not in text
    assert "Nondiscrimination notice" in text and "Language assistance" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with notice.pdf.open("rb") as handle:
        (ARTIFACTS / "change-approval-en.pdf").write_bytes(handle.read())


def test_r_n5_more_units_for_a_community_support_as_asked_is_no_notice_of_action(
    open_request, reviewer, decide, provider_staff, django_capture_on_commit_callbacks
):
    authorization = open_request(service_code="CS_HOUSING_NAVIGATION")
    decide(user=reviewer, authorization_id=authorization.pk, decision="approve", units=10)
    closure = _ask_change(authorization, provider_staff, new_units=20)
    with django_capture_on_commit_callbacks(execute=True):
        event = services.decide_closure(user=reviewer, closure_id=closure.pk, approve=True)
    # R-N2: Community Supports approvals get no letter yet (a later issue); never an NOA.
    assert not Notice.objects.filter(event=event).exists()
    message = services.what_happens_next(event)
    assert message.endswith("No letter goes to the member for this decision.")


def test_r_n5_a_termination_prints_its_date_of_action(
    legacy, provider_staff, hn_staff, end, django_capture_on_commit_callbacks
):
    from common.dates import business_today

    last_day = business_today() + datetime.timedelta(days=10)  # the 10 days' notice, no less
    legacy.end_date = D(2030, 6, 30)
    legacy.save()
    event = end(legacy, asker=provider_staff, decider=hn_staff, end_date=last_day)
    notice = Notice.objects.get(event=event)
    assert (notice.kind, notice.effective_date, event.effective_date) == (
        "termination",
        last_day,
        last_day,
    )
    text = pdf_text(notice)
    assert f"Date of action: {en_date(last_day)}." in text
    assert f"Your last day of service is {en_date(last_day)}." in text
    assert f"You must ask by {en_date(notice.appeal_by)}" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with notice.pdf.open("rb") as handle:
        (ARTIFACTS / "termination-en.pdf").write_bytes(handle.read())


@pytest.mark.parametrize("alternative_format", ["none", "large_print"])
def test_the_letter_shows_the_full_mailing_address_in_the_envelope_window(
    open_request, reviewer, decide, network, alternative_format
):
    """A #10 window envelope shows 4.5in x 1.125in, 0.875in from the left and 2in from the
    top of the folded letter: the whole address is inside it, and nothing else is."""
    member = member_with_history(
        health_network=network,
        address_line1="1234 West Chapman Avenue",
        address_line2="Apt 5B",
        city="Orange",
        state="CA",
        zip_code="92868",
        alternative_format=alternative_format,
    )
    authorization = open_request(member=member)
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        reason_code="not_eligible",
        member_explanation=EXPLANATION,
    )
    notice = Notice.objects.get()
    address = [member.full_name, "1234 West Chapman Avenue", "Apt 5B", "Orange, CA 92868"]
    runs = text_positions(notice)
    in_window = [
        text for text, left, top in runs if 0.875 <= left <= 0.875 + 4.5 and 2.0 < top < 3.125
    ]
    assert in_window == address
    assert " ".join(address) in pdf_text(notice)
    save_page_png(notice, SHOTS / f"denial-with-address-{alternative_format}-page1.png")


@pytest.mark.parametrize("preferred, lang", [("es", "es"), ("en", "en"), ("vi", "en")])
def test_letters_are_tagged_pdf_in_the_letters_language(
    open_request, reviewer, decide, network, preferred, lang
):
    member = member_with_history(health_network=network, preferred_language=preferred)
    authorization = open_request(member=member)
    decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        reason_code="duplicative",
        **({} if preferred == "es" else EXPLAINED),
    )
    catalog = reader(Notice.objects.get()).trailer["/Root"]
    assert "/StructTreeRoot" in catalog  # a structure tree screen readers follow
    assert bool(catalog["/MarkInfo"]["/Marked"])  # /Marked true: a tagged PDF
    assert catalog["/Lang"] == lang
    kids = catalog["/StructTreeRoot"].get_object()["/K"]
    assert kids  # the tree is not empty
