"""Referral services: routing (R-R3, R-R4, R-P2), checks on submit (R-M3..R-M5, R-C1, R-C3),
duplicates and idempotency, the status history (R-R2), messages (R-R5), public self-referral
(R-R1) and notification emails."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.dates import business_today
from members.models import PopulationOfFocus
from providers.models import EcmPanelEntry, Organization
from referrals import selectors, services
from referrals.models import (
    Attachment,
    Message,
    Referral,
    SelfReferral,
    Source,
    Status,
    StatusChange,
    Urgency,
)
from tests.members.factories import (
    EligibilitySpanFactory,
    MemberFactory,
    MemberPopulationFactory,
    member_with_history,
)
from tests.providers.factories import (
    CsProviderFactory,
    EcmProviderFactory,
    OfferingFactory,
    PanelEntryFactory,
    UserFactory,
)
from tests.referrals.factories import PDF_BYTES, PNG_BYTES, TEXT_BYTES, service

pytestmark = pytest.mark.django_db

D = datetime.date
COUNTY = "Orange County Health Care Agency, Behavioral Health Services"


def pofs(*codes):
    return list(PopulationOfFocus.objects.filter(code__in=codes))


def counts():
    return (
        Referral.objects.count(),
        StatusChange.objects.count(),
        Attachment.objects.count(),
        Message.objects.count(),
    )


def refused(exc_info) -> dict[str, str]:
    return {field: " ".join(msgs) for field, msgs in exc_info.value.message_dict.items()}


def ecm_provider(org, *pof_codes, accepting=True):
    """Give an organization an ECM offering and these POFs on its panel (R-P2)."""
    OfferingFactory(organization=org, service=service("ECM"), accepting_referrals=accepting)
    for code in pof_codes:
        EcmPanelEntry.objects.get_or_create(
            organization=org, population=PopulationOfFocus.objects.get(code=code)
        )
    return org


# --- Routing: R-R3 -----------------------------------------------------------------------------


def test_r_r3_housing_navigation_goes_to_caloptima_in_review(submit, housing_navigation, caloptima):
    referral, created = submit(service=housing_navigation, receiving_organization=None)

    assert created
    assert referral.receiving_organization == caloptima
    assert referral.status == Status.IN_REVIEW
    assert referral.reference.startswith("R-") and referral.reference.endswith(f"{referral.pk:06d}")
    assert referral.source == Source.HEALTH_CARE_PROVIDER


def test_r_r3_housing_navigation_ignores_a_chosen_provider(submit, housing_navigation, caloptima):
    referral, _ = submit(service=housing_navigation)  # Mercy House chosen by default

    assert referral.receiving_organization == caloptima
    assert referral.status == Status.IN_REVIEW


def test_r_r3_cs_provider_self_referral_goes_back_to_that_provider(
    submit, mercy_staff, mercy_house, housing_navigation
):
    referral, _ = submit(
        user=mercy_staff,
        service=housing_navigation,
        receiving_organization=None,
        self_referral=True,
    )

    assert referral.receiving_organization == mercy_house
    assert referral.referring_organization == mercy_house
    assert referral.status == Status.SENT
    assert referral.self_referral is True
    assert referral.source == Source.CS_PROVIDER


def test_r_r3_cs_provider_without_self_referral_goes_to_caloptima(
    submit, mercy_staff, housing_navigation, caloptima
):
    referral, _ = submit(user=mercy_staff, service=housing_navigation, receiving_organization=None)

    assert (referral.receiving_organization, referral.status) == (caloptima, Status.IN_REVIEW)
    assert referral.self_referral is False


@pytest.mark.parametrize(
    ("who", "code"),
    [
        pytest.param("coordinator", "CS_HOUSING_NAVIGATION", id="not-a-cs-provider"),
        pytest.param("mercy_staff", "CS_MEDICALLY_TAILORED_MEALS", id="not-housing-navigation"),
        pytest.param("other_cs_staff", "CS_HOUSING_NAVIGATION", id="cs-provider-not-offering-it"),
    ],
)
def test_r_r3_self_referral_refused_unless_cs_provider_of_housing_navigation(
    request, submit, who, code
):
    if who == "other_cs_staff":
        user = UserFactory(organization=CsProviderFactory())
    else:
        user = request.getfixturevalue(who)
    before = counts()

    with pytest.raises(ValidationError) as exc:
        submit(user=user, service=service(code), self_referral=True)

    assert "self_referral" in refused(exc)
    assert counts() == before


def test_r_r3_other_cs_goes_to_the_chosen_provider_as_sent(submit, mercy_house, meals):
    referral, _ = submit(service=meals, receiving_organization=mercy_house)

    assert referral.receiving_organization == mercy_house
    assert referral.status == Status.SENT


@pytest.mark.parametrize(
    ("offering", "says"),
    [
        pytest.param("none", "does not offer", id="does-not-offer-it"),
        pytest.param("not_accepting", "not accepting", id="not-accepting"),
        pytest.param("no_provider", "Choose a provider", id="no-provider-chosen"),
    ],
)
def test_r_r3_other_cs_provider_must_offer_the_service_and_accept(submit, meals, offering, says):
    provider = CsProviderFactory()
    if offering == "not_accepting":
        OfferingFactory(organization=provider, service=meals, accepting_referrals=False)
    before = counts()

    with pytest.raises(ValidationError) as exc:
        submit(
            service=meals, receiving_organization=None if offering == "no_provider" else provider
        )

    assert says in refused(exc)["receiving_organization"]
    assert counts() == before


# --- Routing: R-R4 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "provider"),
    [
        pytest.param("CS_MEDICALLY_TAILORED_MEALS", "mercy", id="cs-with-provider"),
        pytest.param("CS_HOUSING_DEPOSITS", "mercy", id="housing-deposits"),
        pytest.param("CS_HOUSING_NAVIGATION", None, id="housing-navigation"),
        pytest.param("ECM", "county", id="ecm-with-provider"),
        pytest.param("ECM", None, id="ecm-no-provider"),
    ],
)
def test_r_r4_health_network_referral_goes_to_caloptima_for_review(
    submit, hn_staff, health_network, caloptima, mercy_house, code, provider
):
    chosen = {"mercy": mercy_house, "county": None, None: None}[provider]
    if provider == "county":
        chosen = ecm_provider(Organization.objects.get(name=COUNTY))
    referral, _ = submit(
        user=hn_staff,
        service=service(code),
        receiving_organization=chosen,
        populations=pofs("3") if code == "ECM" else [],
    )

    assert referral.receiving_organization == caloptima
    assert referral.status == Status.IN_REVIEW
    assert referral.source == Source.HEALTH_NETWORK
    assert referral.referring_organization == health_network
    assert "R-R4" in referral.history.get(to_status=Status.IN_REVIEW).note


def test_r_r4_caloptima_assigns_a_provider_after_review(
    submit, hn_staff, caloptima_staff, mercy_house, meals
):
    referral, _ = submit(user=hn_staff, service=meals, receiving_organization=mercy_house)

    services.assign_provider(user=caloptima_staff, referral_id=referral.pk, provider=mercy_house)

    referral.refresh_from_db()
    assert (referral.status, referral.receiving_organization) == (Status.SENT, mercy_house)
    last = referral.history.last()
    assert (last.from_status, last.to_status, last.actor) == (
        Status.IN_REVIEW,
        Status.SENT,
        caloptima_staff,
    )


def test_r_r4_assignment_refused_to_a_provider_without_the_service_and_to_non_caloptima(
    submit, hn_staff, caloptima_staff, mercy_staff, mercy_house, meals
):
    referral, _ = submit(user=hn_staff, service=meals, receiving_organization=mercy_house)
    history = referral.history.count()

    with pytest.raises(ValidationError) as exc:
        services.assign_provider(
            user=caloptima_staff, referral_id=referral.pk, provider=CsProviderFactory()
        )
    assert "receiving_organization" in refused(exc)
    with pytest.raises(ValidationError) as exc:
        services.assign_provider(user=mercy_staff, referral_id=referral.pk, provider=mercy_house)
    assert "You cannot move" in refused(exc)["status"]

    referral.refresh_from_db()
    assert referral.status == Status.IN_REVIEW and referral.history.count() == history


# --- Routing: R-P2 (ECM) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider_name", "panel", "claimed"),
    [
        pytest.param(COUNTY, (), ("3",), id="pof3-county"),
        pytest.param("Libertana", (), ("6",), id="pof6-libertana"),
        pytest.param("AltaMed Health Services", (), ("5",), id="pof5-health-network"),
        pytest.param("CalOptima Health", (), ("5",), id="pof5-caloptima"),
        pytest.param("Harbor ECM", ("2",), ("2",), id="pof2-panel-provider"),
        pytest.param("Harbor ECM", ("1a", "2"), ("1a", "3"), id="one-claimed-pof-on-panel"),
    ],
)
def test_r_p2_ecm_goes_to_a_provider_whose_panel_has_a_claimed_pof(
    submit, ecm, provider_name, panel, claimed
):
    org = Organization.objects.filter(name=provider_name).first() or EcmProviderFactory(
        name=provider_name
    )
    ecm_provider(org, *panel)

    referral, _ = submit(service=ecm, receiving_organization=org, populations=pofs(*claimed))

    assert referral.receiving_organization == org
    assert referral.status == Status.SENT
    assert set(referral.populations.values_list("code", flat=True)) == set(claimed)


@pytest.mark.parametrize(
    ("provider_name", "claimed"),
    [
        pytest.param("AltaMed Health Services", ("3",), id="pof3-not-the-county"),
        pytest.param("AltaMed Health Services", ("6",), id="pof6-not-libertana"),
        pytest.param(COUNTY, ("2",), id="county-without-pof2"),
        pytest.param("Libertana", ("3",), id="libertana-without-pof3"),
        pytest.param(COUNTY, ("5",), id="county-without-pof5"),
    ],
)
def test_r_p2_ecm_provider_without_the_pof_refused(submit, ecm, provider_name, claimed):
    org = ecm_provider(Organization.objects.get(name=provider_name))
    before = counts()

    with pytest.raises(ValidationError) as exc:
        submit(service=ecm, receiving_organization=org, populations=pofs(*claimed))

    message = refused(exc)["receiving_organization"]
    assert "R-P2" in message and f"POF {', '.join(claimed)}" in message
    assert counts() == before


@pytest.mark.parametrize(
    ("setup", "field", "says"),
    [
        pytest.param("no_ecm_offering", "receiving_organization", "not an ECM provider"),
        pytest.param("not_accepting", "receiving_organization", "not accepting"),
        pytest.param("no_pof_claimed", "populations", "Claim the Population of Focus"),
    ],
)
def test_r_p2_ecm_provider_must_offer_ecm_accept_and_be_given_a_pof(
    submit, ecm, setup, field, says
):
    org = EcmProviderFactory()
    PanelEntryFactory(organization=org, population=pofs("2")[0])
    if setup != "no_ecm_offering":
        OfferingFactory(organization=org, service=ecm, accepting_referrals=setup != "not_accepting")

    with pytest.raises(ValidationError) as exc:
        submit(
            service=ecm,
            receiving_organization=org,
            populations=[] if setup == "no_pof_claimed" else pofs("2"),
        )

    assert says in refused(exc)[field]


def test_r_p2_ecm_without_a_provider_goes_to_caloptima_for_assignment(submit, ecm, caloptima):
    referral, _ = submit(service=ecm, receiving_organization=None, populations=pofs("2"))

    assert referral.receiving_organization == caloptima
    assert referral.status == Status.IN_REVIEW
    assert referral.needs_review is False


# --- Checks on submit: eligibility (R-M3..R-M5) and the catalogue (R-C1) --------------------------


def test_r_m4_pace_member_asking_ecm_refused_with_the_reason(submit, ecm, caloptima_staff):
    pace = member_with_history(program="pace")
    before = counts()

    with pytest.raises(ValidationError) as exc:
        submit(
            user=caloptima_staff,
            member=pace,
            service=ecm,
            receiving_organization=None,
            populations=pofs("2"),
        )

    assert "PACE members do not receive ECM" in refused(exc)["member"]
    assert "R-M4" in refused(exc)["member"]
    assert counts() == before


def test_r_x2_refusal_for_a_member_out_of_scope_names_no_program(submit, ecm):
    """The coordinator's organization has no part in the member: the refusal says why in words
    that name no program, not even by its rule id (R-M4 is PACE)."""
    pace = member_with_history(program="pace")

    with pytest.raises(ValidationError) as exc:
        submit(member=pace, service=ecm, receiving_organization=None, populations=pofs("2"))

    said = refused(exc)["member"]
    assert (
        "Not eligible for ECM on 3 June 2024: the member's coverage does not include ECM." in said
    )
    assert "PACE" not in said and "R-M4" not in said


@pytest.mark.parametrize(
    ("on", "ok"),
    [
        (D(2023, 6, 1), True),
        (D(2023, 12, 31), True),
        (D(2024, 1, 1), False),
        (D(2025, 3, 1), False),
    ],
)
def test_r_m5_onecare_member_asking_ecm_refused_from_2024(submit, ecm, on, ok, caloptima_staff):
    """Asked by CalOptima Health staff, who see the member: the refusal names the rule (R-X2)."""
    onecare = member_with_history(program="onecare")

    if ok:
        referral, created = submit(
            member=onecare,
            service=ecm,
            requested_start_date=on,
            receiving_organization=None,
            populations=pofs("2"),
        )
        assert created and referral.status == Status.IN_REVIEW
    else:
        with pytest.raises(ValidationError) as exc:
            submit(
                user=caloptima_staff,
                member=onecare,
                service=ecm,
                requested_start_date=on,
                receiving_organization=None,
                populations=pofs("2"),
            )
        assert "R-M5" in refused(exc)["member"]
        assert not Referral.objects.exists()


@pytest.mark.parametrize("code", ["ECM", "CS_MEDICALLY_TAILORED_MEALS"])
def test_r_m3_no_active_enrolment_on_the_date_refused(submit, mercy_house, code, caloptima_staff):
    lapsed = MemberFactory()
    EligibilitySpanFactory(member=lapsed, start_date=D(2022, 1, 1), end_date=D(2023, 12, 31))
    MemberPopulationFactory(member=lapsed, population=pofs("2")[0])

    with pytest.raises(ValidationError) as exc:
        submit(
            user=caloptima_staff,
            member=lapsed,
            service=service(code),
            requested_start_date=D(2024, 2, 1),
            receiving_organization=None if code == "ECM" else mercy_house,
        )

    assert "R-M3" in refused(exc)["member"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("code", "on", "named_date"),
    [
        ("CS_RESPITE", D(2022, 12, 31), "1 January 2023"),
        ("CS_ASTHMA_REMEDIATION", D(2022, 6, 1), "1 January 2023"),
        ("CS_SOBERING_CENTERS", D(2022, 6, 30), "1 July 2022"),
        ("CS_TRANSITIONAL_RENT", D(2025, 6, 30), "1 July 2025"),
    ],
)
def test_r_c1_service_before_its_date_refused_naming_the_date(
    submit, mercy_house, code, on, named_date
):
    OfferingFactory(organization=mercy_house, service=service(code))

    with pytest.raises(ValidationError) as exc:
        submit(service=service(code), requested_start_date=on)

    assert named_date in refused(exc)["service"] and "R-C1" in refused(exc)["service"]
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("code", "on"),
    [
        ("CS_RESPITE", D(2023, 1, 1)),
        ("CS_SOBERING_CENTERS", D(2022, 7, 1)),
        ("CS_TRANSITIONAL_RENT", D(2025, 7, 1)),
    ],
)
def test_r_c1_service_from_its_date_accepted(submit, mercy_house, code, on):
    OfferingFactory(organization=mercy_house, service=service(code))

    referral, created = submit(service=service(code), requested_start_date=on)

    assert created and referral.status == Status.SENT


@pytest.mark.parametrize("program", ["pace", "onecare"])
def test_r_m4_r_m5_community_supports_accepted_for_pace_and_onecare(
    submit, meals, mercy_house, program
):
    member = member_with_history(program=program)

    referral, created = submit(member=member, service=meals, requested_start_date=D(2025, 2, 3))

    assert created
    assert (referral.status, referral.receiving_organization) == (Status.SENT, mercy_house)
    assert referral.needs_review is False


def test_r_m3_missing_pof_evidence_is_created_flagged_for_review(submit, ecm, member):
    network = ecm_provider(Organization.objects.get(name="AltaMed Health Services"))

    referral, created = submit(service=ecm, receiving_organization=network, populations=pofs("5"))

    assert created and referral.status == Status.SENT
    assert referral.needs_review is True
    assert "POF 5 claimed without evidence" in referral.review_notes


def test_r_m3_member_without_any_pof_asking_ecm_is_created_flagged_for_review(submit, ecm):
    no_pof = member_with_history(pof_codes=())

    referral, created = submit(member=no_pof, service=ecm, receiving_organization=None)

    assert created and referral.needs_review is True
    assert "No Population of Focus on record" in referral.review_notes


# --- R-C3: housing navigation and housing deposits are separate ----------------------------------


def test_r_c3_housing_deposits_and_navigation_are_separate_referrals(
    submit, housing_navigation, housing_deposits, mercy_house, mercy_staff, caloptima
):
    navigation, _ = submit(service=housing_navigation, receiving_organization=None)

    deposits, created = submit(service=housing_deposits, receiving_organization=mercy_house)

    assert created and deposits.pk != navigation.pk
    assert (navigation.receiving_organization, navigation.status) == (caloptima, Status.IN_REVIEW)
    assert (deposits.receiving_organization, deposits.status) == (mercy_house, Status.SENT)

    services.accept(user=mercy_staff, referral_id=deposits.pk)
    services.request_authorization(user=mercy_staff, referral_id=deposits.pk)

    navigation.refresh_from_db()
    deposits.refresh_from_db()
    assert deposits.status == Status.AUTHORIZATION_REQUESTED
    assert navigation.status == Status.IN_REVIEW
    assert not navigation.history.filter(actor=mercy_staff).exists()


def test_r_c3_an_open_deposits_referral_is_no_duplicate_of_navigation(
    submit, housing_navigation, housing_deposits, mercy_house
):
    submit(service=housing_deposits, receiving_organization=mercy_house)

    navigation, created = submit(service=housing_navigation, receiving_organization=None)

    assert created and navigation.service == housing_navigation


# --- Duplicates and idempotency ------------------------------------------------------------------


def test_duplicate_open_referral_for_same_member_and_service_is_refused(submit):
    first, _ = submit()
    before = counts()

    with pytest.raises(services.DuplicateReferral) as exc:
        submit()

    assert exc.value.existing == first
    assert first.reference in refused(exc)["confirm_duplicate"]
    assert counts() == before


def test_duplicate_confirmed_makes_a_second_referral(submit):
    first, _ = submit()

    second, created = submit(confirm_duplicate=True)

    assert created and second.pk != first.pk
    assert Referral.objects.count() == 2


@pytest.mark.parametrize("ended", [Status.CLOSED, Status.DECLINED])
def test_duplicate_check_counts_open_referrals_only(submit, mercy_staff, ended):
    first, _ = submit()
    if ended == Status.DECLINED:
        services.decline(user=mercy_staff, referral_id=first.pk, reason="No capacity this month.")
    else:
        services.close(user=mercy_staff, referral_id=first.pk, reason="Member moved away.")

    second, created = submit()

    assert created and second.pk != first.pk


def test_same_idempotency_key_returns_the_first_referral_and_creates_nothing(submit):
    first, created = submit(idempotency_key="tok-123")
    before = counts()

    again, created_again = submit(idempotency_key="tok-123", reason="A different reason.")

    assert created and not created_again
    assert again.pk == first.pk
    assert counts() == before


def test_idempotency_key_longer_than_stored_is_refused(submit):
    with pytest.raises(ValidationError) as exc:
        submit(idempotency_key="k" * (services.IDEMPOTENCY_KEY_MAX_LENGTH + 1))

    assert "idempotency_key" in refused(exc)
    assert not Referral.objects.exists()


def test_idempotency_keys_belong_to_their_user(submit, clinic):
    colleague = UserFactory(organization=clinic)
    first, _ = submit(idempotency_key="tok-123")

    second, created = submit(user=colleague, idempotency_key="tok-123", confirm_duplicate=True)

    assert created and second.pk != first.pk


# --- Bad input: the field is named and nothing is saved -----------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"urgency": Urgency.EXPEDITED}, "expedited_justification", id="expedited"),
        pytest.param(
            {"urgency": Urgency.EXPEDITED, "expedited_justification": "   "},
            "expedited_justification",
            id="expedited-blank-justification",
        ),
        pytest.param({"reason": ""}, "reason", id="no-reason"),
        pytest.param({"reason": "  \n "}, "reason", id="blank-reason"),
        pytest.param({"member_consent": False}, "member_consent", id="no-consent"),
        pytest.param({"requested_start_date": None}, "requested_start_date", id="no-date"),
        pytest.param({"urgency": "urgent"}, "urgency", id="unknown-urgency"),
        pytest.param({"populations": "pof"}, "populations", id="pof-on-a-cs-referral"),
        pytest.param({"attachments": "text"}, "attachments", id="text-named-pdf"),
        pytest.param({"attachments": "empty"}, "attachments", id="empty-file"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(settings, submit, overrides, field):
    uploads = {
        "text": [
            SimpleUploadedFile("notes.pdf", PDF_BYTES, "application/pdf"),
            SimpleUploadedFile("letter.pdf", TEXT_BYTES, "application/pdf"),
        ],
        "empty": [SimpleUploadedFile("blank.pdf", b"", "application/pdf")],
        "pof": pofs("2"),
    }
    overrides = {k: uploads.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()}
    before = counts()

    with pytest.raises(ValidationError) as exc:
        submit(**overrides)

    assert field in refused(exc)
    assert counts() == before
    assert not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))


def test_good_attachments_are_kept_with_the_type_from_their_content(submit, coordinator):
    referral, _ = submit(
        attachments=[
            SimpleUploadedFile("discharge.pdf", PDF_BYTES, "application/pdf"),
            SimpleUploadedFile("photo-of-lease.pdf", PNG_BYTES, "application/pdf"),
        ]
    )

    kept = {(a.original_name, a.content_type, a.size) for a in referral.attachments.all()}
    assert kept == {
        ("discharge.pdf", "application/pdf", len(PDF_BYTES)),
        ("photo-of-lease.pdf", "image/png", len(PNG_BYTES)),
    }
    assert all(a.uploaded_by == coordinator for a in referral.attachments.all())


@pytest.mark.parametrize(
    ("name", "content", "ok"),
    [
        ("scan.pdf", PNG_BYTES, True),
        ("scan.png", PDF_BYTES, True),
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 60, False),
        ("letter.pdf", TEXT_BYTES, False),
    ],
)
def test_add_attachment_judges_by_content(submit, coordinator, name, content, ok):
    referral, _ = submit()

    if ok:
        attachment = services.add_attachment(
            user=coordinator, referral=referral, upload=SimpleUploadedFile(name, content)
        )
        assert attachment.content_type in ("image/png", "application/pdf")
        assert attachment.file.read() == content
    else:
        with pytest.raises(ValidationError) as exc:
            services.add_attachment(
                user=coordinator, referral=referral, upload=SimpleUploadedFile(name, content)
            )
        assert "must be a PDF, PNG or JPEG" in refused(exc)["attachments"]
        assert not referral.attachments.exists()


# --- R-R2: every transition is recorded -------------------------------------------------------


def test_r_r2_history_records_who_from_to_and_note_for_each_transition(
    submit, coordinator, mercy_staff, reviewer, mercy_house
):
    referral, _ = submit()
    steps = [
        (services.accept, mercy_staff, {"note": "We can start next week."}),
        (services.request_authorization, mercy_staff, {"note": "Asking for 12 weeks."}),
        (services.record_authorization, reviewer, {"authorized": True, "note": "Approved."}),
        (services.start_service, mercy_staff, {"note": "First delivery Monday."}),
        (services.close, coordinator, {"reason": "Services received."}),
    ]
    for step, actor, kwargs in steps:
        moved = step(user=actor, referral_id=referral.pk, **kwargs)
        assert moved.status_changed_at == moved.history.last().at

    rows = list(referral.history.values_list("actor", "from_status", "to_status", "note"))
    assert rows == [
        (coordinator.pk, "", Status.SUBMITTED, ""),
        (None, Status.SUBMITTED, Status.SENT, "R-R3: sent to the chosen provider."),
        (mercy_staff.pk, Status.SENT, Status.ACCEPTED, "We can start next week."),
        (mercy_staff.pk, Status.ACCEPTED, Status.AUTHORIZATION_REQUESTED, "Asking for 12 weeks."),
        (reviewer.pk, Status.AUTHORIZATION_REQUESTED, Status.AUTHORIZED, "Approved."),
        (mercy_staff.pk, Status.AUTHORIZED, Status.SERVICE_STARTED, "First delivery Monday."),
        (coordinator.pk, Status.SERVICE_STARTED, Status.CLOSED, "Services received."),
    ]
    referral.refresh_from_db()
    assert referral.status == Status.CLOSED
    assert referral.closed_reason == "Services received."


def test_r_r2_decline_and_denial_are_recorded_with_the_reason(
    submit, coordinator, mercy_staff, reviewer
):
    declined, _ = submit()
    services.decline(user=mercy_staff, referral_id=declined.pk, reason="No capacity in June.")
    declined.refresh_from_db()
    assert (declined.status, declined.decline_reason) == (Status.DECLINED, "No capacity in June.")

    denied, _ = submit(confirm_duplicate=True)
    services.accept(user=mercy_staff, referral_id=denied.pk)
    services.request_authorization(user=mercy_staff, referral_id=denied.pk)
    services.record_authorization(
        user=reviewer, referral_id=denied.pk, authorized=False, note="Not medically appropriate."
    )
    last = denied.history.last()
    assert (last.actor, last.to_status, last.note) == (
        reviewer,
        Status.DENIED,
        "Not medically appropriate.",
    )


@pytest.mark.parametrize(
    ("who", "target", "says"),
    [
        pytest.param("reviewer", Status.AUTHORIZED, "cannot become", id="sent-to-authorized"),
        pytest.param("coordinator", Status.ACCEPTED, "You cannot move", id="referrer-accepts"),
        pytest.param("coordinator", Status.DECLINED, "You cannot move", id="referrer-declines"),
        pytest.param("stranger", Status.CLOSED, "You cannot move", id="stranger-closes"),
        pytest.param("mercy_staff", Status.SERVICE_STARTED, "cannot become", id="skip-steps"),
        pytest.param("mercy_staff", Status.SUBMITTED, "cannot become", id="backwards"),
    ],
)
def test_r_r2_illegal_transition_refused_with_a_message_and_nothing_changed(
    request, submit, who, target, says
):
    referral, _ = submit()
    before = (referral.status, referral.history.count(), referral.status_changed_at)
    user = request.getfixturevalue(who)

    with pytest.raises(ValidationError) as exc:
        services.move(user=user, referral_id=referral.pk, to=target, note="Trying.")

    assert says in refused(exc)["status"]
    referral.refresh_from_db()
    assert (referral.status, referral.history.count(), referral.status_changed_at) == before


@pytest.mark.parametrize(
    ("step", "field"),
    [(services.decline, "decline_reason"), (services.close, "closed_reason")],
)
@pytest.mark.parametrize("reason", ["", "   "])
def test_r_r2_decline_and_close_need_a_reason(submit, mercy_staff, step, field, reason):
    referral, _ = submit()
    history = referral.history.count()

    with pytest.raises(ValidationError) as exc:
        step(user=mercy_staff, referral_id=referral.pk, reason=reason)

    assert field in refused(exc)
    referral.refresh_from_db()
    assert referral.status == Status.SENT and referral.history.count() == history


def test_r_r2_a_closed_loop_cannot_be_reopened(submit, coordinator, mercy_staff):
    referral, _ = submit()
    services.close(user=coordinator, referral_id=referral.pk, reason="Member declined services.")

    with pytest.raises(ValidationError):
        services.accept(user=mercy_staff, referral_id=referral.pk)

    referral.refresh_from_db()
    assert referral.status == Status.CLOSED


# --- R-R5: messages and unread counts ----------------------------------------------------------


def test_r_r5_messages_count_as_unread_until_read(submit, coordinator, mercy_staff, stranger):
    referral, _ = submit()

    services.post_message(user=coordinator, referral=referral, body="Member prefers mornings.")
    services.post_message(user=coordinator, referral=referral, body="Phone is best.")

    def unread_row(user):
        return selectors.referral_list(user, unread_for=user).get(pk=referral.pk).unread

    assert selectors.unread_total(mercy_staff) == 2
    assert unread_row(mercy_staff) == 2
    assert selectors.unread_total(coordinator) == 0 and unread_row(coordinator) == 0
    assert selectors.unread_total(stranger) == 0

    services.mark_read(user=mercy_staff, referral=referral)

    assert selectors.unread_total(mercy_staff) == 0
    assert unread_row(mercy_staff) == 0

    services.post_message(user=mercy_staff, referral=referral, body="Mornings work for us.")

    assert selectors.unread_total(coordinator) == 1 and unread_row(coordinator) == 1
    assert selectors.unread_total(mercy_staff) == 0
    assert list(referral.messages.values_list("organization__name", "body")) == [
        ("Harbor Community Clinic", "Member prefers mornings."),
        ("Harbor Community Clinic", "Phone is best."),
        ("Mercy House", "Mornings work for us."),
    ]


def test_r_r5_unread_annotation_is_zero_for_a_referral_without_messages(submit, mercy_staff):
    submit()

    rows = selectors.referral_list(mercy_staff, unread_for=mercy_staff)

    assert [r.unread for r in rows] == [0]


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_r_r5_empty_or_too_long_message_refused(submit, coordinator, body):
    referral, _ = submit()

    with pytest.raises(ValidationError) as exc:
        services.post_message(user=coordinator, referral=referral, body=body)

    assert "body" in refused(exc)
    assert not Message.objects.exists()


# --- R-R1: public self-referral and intake -------------------------------------------------------


def self_referral_data(**overrides):
    data = {
        "first_name": "Ana",
        "last_name": "Reyes",
        "birth_date": D(1975, 4, 12),
        "phone": "714-555-0100",
        "language": "es",
        "service": service("ECM"),
        "consent": True,
        "cin": "91234567a",
    }
    data.update(overrides)
    return data


def test_r_r1_public_self_referral_is_recorded_pending_with_a_confirmation_number():
    form = services.submit_self_referral(**self_referral_data())

    assert form.status == SelfReferral.IntakeStatus.PENDING
    assert form.cin == "91234567A"
    assert form.confirmation_number.startswith("SR-") and len(form.confirmation_number) == 12
    assert form.referral is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"birth_date": "tomorrow"}, "birth_date", id="future-birth-date"),
        pytest.param({"birth_date": None}, "birth_date", id="no-birth-date"),
        pytest.param({"cin": "1234567A"}, "cin", id="cin-too-short"),
        pytest.param({"cin": "A12345678"}, "cin", id="cin-letter-first"),
        pytest.param({"consent": False}, "consent", id="no-consent"),
        pytest.param({"language": "xx"}, "language", id="unknown-language"),
        pytest.param({"service": None}, "service", id="no-service"),
        pytest.param({"first_name": "  "}, "first_name", id="no-first-name"),
        pytest.param({"phone": ""}, "phone", id="no-phone"),
    ],
)
def test_r_r1_public_self_referral_bad_input_refused_per_field(overrides, field):
    if overrides.get("birth_date") == "tomorrow":
        overrides["birth_date"] = business_today() + datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as exc:
        services.submit_self_referral(**self_referral_data(**overrides))

    assert list(refused(exc)) == [field]
    assert not SelfReferral.objects.exists()


def test_r_r1_caloptima_staff_match_a_self_referral_to_an_in_review_referral(
    caloptima_staff, caloptima, member
):
    form = services.submit_self_referral(**self_referral_data())

    referral = services.match_self_referral(
        user=caloptima_staff, self_referral_id=form.pk, member=member
    )

    assert referral.member == member and referral.service.code == "ECM"
    assert referral.source == Source.SELF
    assert referral.referring_organization is None and referral.referring_user is None
    assert referral.receiving_organization == caloptima
    assert referral.status == Status.IN_REVIEW
    assert referral.reference.endswith(f"{referral.pk:06d}")
    assert "(714) 555-0100" in referral.referrer_contact  # stored in one form
    assert list(referral.history.values_list("from_status", "to_status", "actor")) == [
        ("", Status.SUBMITTED, None),
        (Status.SUBMITTED, Status.IN_REVIEW, caloptima_staff.pk),
    ]
    form.refresh_from_db()
    assert (form.status, form.referral, form.decided_by) == (
        SelfReferral.IntakeStatus.MATCHED,
        referral,
        caloptima_staff,
    )


@pytest.mark.parametrize("who", ["coordinator", "hn_staff", "mercy_staff"])
def test_r_r1_only_caloptima_staff_take_self_referrals_in(request, member, who):
    form = services.submit_self_referral(**self_referral_data())
    user = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        services.match_self_referral(user=user, self_referral_id=form.pk, member=member)
    with pytest.raises(PermissionDenied):
        services.reject_self_referral(user=user, self_referral_id=form.pk, note="Unknown.")

    form.refresh_from_db()
    assert form.status == SelfReferral.IntakeStatus.PENDING
    assert not Referral.objects.exists()


def test_r_r1_reject_needs_a_note_and_then_cannot_be_matched(caloptima_staff, member):
    form = services.submit_self_referral(**self_referral_data())

    with pytest.raises(ValidationError) as exc:
        services.reject_self_referral(user=caloptima_staff, self_referral_id=form.pk, note=" ")
    assert "intake_note" in refused(exc)
    form.refresh_from_db()
    assert form.status == SelfReferral.IntakeStatus.PENDING

    services.reject_self_referral(
        user=caloptima_staff, self_referral_id=form.pk, note="No member matches; called back."
    )
    form.refresh_from_db()
    assert form.status == SelfReferral.IntakeStatus.REJECTED
    assert form.intake_note == "No member matches; called back."

    with pytest.raises(ValidationError) as exc:
        services.match_self_referral(user=caloptima_staff, self_referral_id=form.pk, member=member)
    assert "status" in refused(exc)
    assert not Referral.objects.exists()


def test_r_r1_match_refuses_a_member_not_eligible_for_the_service(caloptima_staff):
    pace = member_with_history(program="pace")
    form = services.submit_self_referral(**self_referral_data())

    with pytest.raises(ValidationError) as exc:
        services.match_self_referral(user=caloptima_staff, self_referral_id=form.pk, member=pace)

    assert "R-M4" in refused(exc)["member"]
    form.refresh_from_db()
    assert form.status == SelfReferral.IntakeStatus.PENDING


# --- Notifications ------------------------------------------------------------------------------


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


def test_new_referral_emails_the_receiving_organizations_active_users(
    outbox, submit, member, mercy_house, mercy_staff, django_capture_on_commit_callbacks
):
    colleague = UserFactory(organization=mercy_house)
    UserFactory(organization=mercy_house, is_active=False)
    UserFactory(organization=mercy_house, email="")

    with django_capture_on_commit_callbacks(execute=True):
        referral, _ = submit()

    assert sorted(m.to[0] for m in outbox) == sorted([mercy_staff.email, colleague.email])
    for message in outbox:
        text = message.subject + message.body
        assert referral.reference in text
        assert member.first_name not in text and member.last_name not in text
        assert member.cin not in text


def test_emails_wait_for_the_commit(outbox, submit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit()

    assert outbox == [] and len(callbacks) == 1


def test_each_status_change_emails_the_referrer(
    outbox, submit, coordinator, member, mercy_staff, django_capture_on_commit_callbacks
):
    referral, _ = submit()

    with django_capture_on_commit_callbacks(execute=True):
        services.accept(user=mercy_staff, referral_id=referral.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_authorization(user=mercy_staff, referral_id=referral.pk)

    assert [m.to for m in outbox] == [[coordinator.email], [coordinator.email]]
    assert "Accepted" in outbox[0].subject
    assert "Authorization requested" in outbox[1].subject
    for message in outbox:
        text = message.subject + message.body
        assert referral.reference in text
        assert member.first_name not in text and member.last_name not in text
        assert member.cin not in text


def test_a_refused_transition_emails_nobody(
    outbox, submit, coordinator, django_capture_on_commit_callbacks
):
    referral, _ = submit()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.accept(user=coordinator, referral_id=referral.pk)

    assert outbox == []
