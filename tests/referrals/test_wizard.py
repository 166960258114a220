"""The new-referral wizard as people use it (issue 10): Enter continues and Back keeps what was
typed; a health network's chosen provider travels as the requested provider (R-R4); a service no
organization takes today goes to CalOptima Health instead of a dead end; a doubtful POF claim or
provider is warned of on the step; dates and free text are bounded; `?member=` preselects."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse

from common.dates import business_today
from common.limits import SHORT_TEXT, TEXT
from members.models import PopulationOfFocus
from providers.models import Role
from referrals.models import Referral, SelfReferral, Status
from tests.providers.factories import (
    EcmProviderFactory,
    OfferingFactory,
    PanelEntryFactory,
    UserFactory,
)
from tests.referrals.factories import service

pytestmark = pytest.mark.django_db

WIZARD = reverse("referrals:new")
PREFIX = "new_referral_wizard"
MEMBER_STEP = {"cin": "91234567A", "birth_date": "1975-04-12", "requested_start_date": "2024-06-03"}
REASON = "Diabetes with a recent hospital stay; no way to cook at home."


def step(client, name: str, data: dict, *, back: str | None = None):
    """POST one wizard step as the browser does; `back` presses Back instead of Continue."""
    payload = {f"{PREFIX}-current_step": name}
    for key, value in data.items():
        payload[f"{name}-{key}"] = value
    if back:
        payload["wizard_goto_step"] = back
    return client.post(WIZARD, payload)


def current(response) -> str:
    return response.context["wizard"]["steps"].current


def errors(response) -> str:
    return " | ".join(re.findall(r'class="error"[^>]*>([^<]*)<', response.content.decode()))


def field_error(response, field: str) -> str:
    found = re.search(rf'id="id_{field}_error">([^<]*)<', response.content.decode())
    return found.group(1) if found else ""


def to_details(client, code: str, member_step=None):
    response = step(client, "member", member_step or MEMBER_STEP)
    assert current(response) == "service", errors(response)
    response = step(client, "service", {"service": code})
    assert current(response) == "details", errors(response)
    return response


def details(provider=None, **overrides):
    data = {"urgency": "routine", "reason": REASON, "member_consent": "on"}
    if provider is not None:
        data["receiving_organization"] = provider.pk
    data.update(overrides)
    return data


def submit(client, review):
    token = review.context["form"]["token"].value()
    return step(client, "review", {"token": token})


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def hn_coordinator(health_network):
    """A care coordinator at a health network (the demo's 'coordinator' at AltaMed)."""
    return UserFactory(organization=health_network, role=Role.CARE_COORDINATOR)


@pytest.fixture
def ecm_provider():
    """An ECM provider accepting referrals whose panel has POF 1a and 2."""
    org = EcmProviderFactory(name="Coastal Care Partners")
    OfferingFactory(organization=org, service=service("ECM"))
    for code in ("1a", "2"):
        PanelEntryFactory(organization=org, population=PopulationOfFocus.objects.get(code=code))
    return org


# --- Enter continues; Back keeps what was typed --------------------------------------------------


def submit_buttons(html: str) -> list[str]:
    form = html[html.index('<form method="post" enctype="multipart/form-data"') :]
    form = form[: form.index("</form>")]
    return [
        re.sub(r"<[^>]+>", "", b).strip() for b in re.findall(r"<button[^>]*>.*?</button>", form)
    ]


def test_enter_in_a_field_continues_to_the_next_step(coordinator_client, member, mercy_house):
    """Enter submits a form with its first submit button: on every step that is Continue (or
    Submit referral), never Back."""
    pages = [coordinator_client.get(WIZARD)]
    pages.append(step(coordinator_client, "member", MEMBER_STEP))
    pages.append(step(coordinator_client, "service", {"service": "CS_MEDICALLY_TAILORED_MEALS"}))
    pages.append(step(coordinator_client, "details", details(mercy_house)))
    assert [current(p) for p in pages] == ["member", "service", "details", "review"]

    firsts = [submit_buttons(p.content.decode())[0] for p in pages]

    assert firsts == ["Continue", "Continue", "Continue", "Submit referral"]
    assert all(submit_buttons(p.content.decode())[1:] == ["Back"] for p in pages[1:])


def test_back_keeps_what_was_typed_on_the_step_being_left(coordinator_client, member, mercy_house):
    to_details(coordinator_client, "CS_MEDICALLY_TAILORED_MEALS")
    typed = {"reason": REASON, "notes": "Call after 3 pm.", "urgency": "routine"}  # no consent yet

    back = step(coordinator_client, "details", typed, back="service")
    assert current(back) == "service"
    forward = step(coordinator_client, "service", {"service": "CS_MEDICALLY_TAILORED_MEALS"})

    assert current(forward) == "details"
    page = forward.content.decode()
    assert re.search(rf">\s*{re.escape(REASON)}</textarea>", page)
    assert re.search(r">\s*Call after 3 pm.</textarea>", page)
    assert errors(forward) == ""  # an incomplete step comes back as typed, without reproaches
    done = step(coordinator_client, "details", details(mercy_house, notes="Call after 3 pm."))
    assert current(done) == "review", errors(done)


def test_back_from_the_service_step_keeps_the_choice(coordinator_client, member):
    step(coordinator_client, "member", MEMBER_STEP)

    step(coordinator_client, "service", {"service": "ECM"}, back="member")
    forward = step(coordinator_client, "member", MEMBER_STEP)

    assert current(forward) == "service"
    assert re.search(r'value="ECM"[^>]*checked', forward.content.decode())


def test_files_chosen_earlier_are_kept_when_the_step_is_posted_again(
    coordinator_client, member, mercy_house
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.referrals.factories import PDF_BYTES

    to_details(coordinator_client, "CS_MEDICALLY_TAILORED_MEALS")
    pdf = SimpleUploadedFile("letter.pdf", PDF_BYTES, "application/pdf")
    review = step(coordinator_client, "details", details(mercy_house, attachments=[pdf]))
    back = step(coordinator_client, "review", {}, back="details")
    assert "Files attached: letter.pdf" in back.content.decode()

    review = step(coordinator_client, "details", details(mercy_house))  # no file chosen again
    submit(coordinator_client, review)

    referral = Referral.objects.get()
    assert list(referral.attachments.values_list("original_name", flat=True)) == ["letter.pdf"]


# --- R-R4: a health network's choice is the requested provider ------------------------------------


def test_r_r4_health_network_coordinators_chosen_provider_is_kept_and_preselected(
    client, hn_coordinator, member, mercy_house, caloptima, reviewer, api_client
):
    client.force_login(hn_coordinator)
    page = to_details(client, "CS_MEDICALLY_TAILORED_MEALS")
    assert "go to CalOptima Health for provider assignment" in page.content.decode()
    assert "Requested provider" in page.content.decode()

    review = step(client, "details", details(mercy_house))
    assert current(review) == "review", errors(review)
    assert "Mercy House" in review.content.decode()
    response = submit(client, review)

    referral = Referral.objects.get()
    assert (referral.receiving_organization, referral.status) == (caloptima, Status.IN_REVIEW)
    assert referral.requested_provider == mercy_house
    shown = client.get(response["Location"]).content.decode()
    assert re.search(r"<dt>Requested provider</dt><dd>Mercy House", shown)

    client.force_login(reviewer)
    reviewer_page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert re.search(
        rf'<option value="{mercy_house.pk}" selected>Mercy House</option>', reviewer_page
    )

    api_client.force_authenticate(reviewer)
    body = api_client.get(f"/api/v1/referrals/{referral.pk}/").json()
    assert body["requested_provider"] == "Mercy House"


def test_r_r4_health_network_without_a_choice_leaves_no_requested_provider(
    client, hn_coordinator, member, mercy_house
):
    client.force_login(hn_coordinator)
    to_details(client, "CS_MEDICALLY_TAILORED_MEALS")
    review = step(client, "details", details())  # the provider is optional for a health network

    assert current(review) == "review", errors(review)
    submit(client, review)
    assert Referral.objects.get().requested_provider is None


# --- A service nobody takes today goes to CalOptima Health ----------------------------------------


def test_service_no_organization_accepts_goes_to_caloptima_for_assignment(
    coordinator_client, member, meals, caloptima
):
    assert not meals.offerings.filter(accepting_referrals=True).exists()

    page = to_details(coordinator_client, "CS_MEDICALLY_TAILORED_MEALS")
    html = page.content.decode()
    assert "No organization is accepting referrals for medically tailored meals today" in html
    assert 'name="details-receiving_organization"' not in html  # no empty, required list
    review = step(coordinator_client, "details", details())
    assert current(review) == "review", errors(review)
    submit(coordinator_client, review)

    referral = Referral.objects.get()
    assert (referral.receiving_organization, referral.status) == (caloptima, Status.IN_REVIEW)
    assert referral.needs_review and "No organization is accepting" in referral.review_notes


def test_send_to_provider_after_an_intake_match_says_no_provider_instead_of_an_empty_list(
    client, reviewer, member, meals
):
    form = SelfReferral.objects.create(
        confirmation_number="SR-TEST-0001",
        first_name=member.first_name,
        last_name=member.last_name,
        birth_date=member.birth_date,
        phone="7145550100",
        language="en",
        service=meals,
        consent=True,
    )
    client.force_login(reviewer)
    intake = client.get(reverse("referrals:intake")).content.decode()
    assert "No organization is accepting referrals for medically tailored meals today" in intake

    matched = client.post(
        reverse("referrals:intake_match", args=[form.pk]),
        {"cin": member.cin, "birth_date": member.birth_date.isoformat()},
        follow=True,
    )

    page = matched.content.decode()
    referral = Referral.objects.get()
    assert referral.status == Status.IN_REVIEW and referral.needs_review
    assert "No organization is accepting referrals for medically tailored meals today" in page
    assert 'name="provider"' not in page


# --- Warnings on the step (R-P2 evidence) ---------------------------------------------------------


def test_r_p2_claiming_a_pof_the_member_does_not_hold_is_warned_on_the_details_step(
    client, caloptima_staff, member, ecm_provider
):
    """The member holds POF 1a and 2; claiming 4 as well is said on the step, beside the field,
    once; Continue again goes on, and the referral is flagged."""
    client.force_login(caloptima_staff)
    page = to_details(client, "ECM")
    html = page.content.decode()
    assert re.search(r"POF 2: [^<]*\(in the member&#x27;s records\)", html)
    assert not re.search(r"POF 4: [^<]*\(in the member", html)
    assert "The member&#x27;s records show POF 1a, 2 on 3 June 2024." in html
    claim = details(
        ecm_provider,
        populations=[p.pk for p in PopulationOfFocus.objects.filter(code__in=["1a", "4"])],
    )

    warned = step(client, "details", claim)

    assert current(warned) == "details"
    html = warned.content.decode()
    assert "Check before you go on" in html
    assert re.search(
        r'id="id_details-populations_helptext">Check: The member&#x27;s records show no POF 4', html
    )
    review = step(client, "details", claim)
    assert current(review) == "review", errors(review)
    submit(client, review)
    referral = Referral.objects.get()
    assert referral.receiving_organization == ecm_provider and referral.needs_review


def test_r_p2_a_requested_provider_whose_panel_lacks_every_claimed_pof_is_warned(
    client, hn_coordinator, member, ecm_provider
):
    client.force_login(hn_coordinator)
    to_details(client, "ECM")
    claim = details(ecm_provider, populations=[PopulationOfFocus.objects.get(code="1b").pk])

    warned = step(client, "details", claim)

    assert current(warned) == "details"
    pof_1b = PopulationOfFocus.objects.get(code="1b")
    html = unescape(warned.content.decode())
    assert f"panel has none of the claimed POFs (POF 1b ({pof_1b.name}))" in html
    review = step(client, "details", claim)
    assert current(review) == "review", errors(review)
    submit(client, review)
    referral = Referral.objects.get()
    assert referral.requested_provider == ecm_provider and referral.needs_review


# --- Bounds: start date, free text ----------------------------------------------------------------


def test_a_start_date_more_than_a_year_ahead_is_refused_beside_the_field(
    coordinator_client, member
):
    too_far = business_today() + datetime.timedelta(days=367)

    response = step(coordinator_client, "member", {**MEMBER_STEP, "requested_start_date": too_far})

    assert current(response) == "member"
    assert "at most a year ahead" in field_error(response, "member-requested_start_date")
    assert f'value="{too_far.isoformat()}"' in response.content.decode()


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("reason", TEXT),
        ("notes", TEXT),
        ("expedited_justification", TEXT),
        ("authorized_representative", SHORT_TEXT),
    ],
)
def test_free_text_shows_its_limit_and_more_is_refused_beside_the_field_keeping_the_text(
    coordinator_client, member, mercy_house, field, limit
):
    page = to_details(coordinator_client, "CS_MEDICALLY_TAILORED_MEALS").content.decode()
    assert re.search(rf'name="details-{field}"[^>]*maxlength="{limit}"', page)
    assert f"Up to {limit:,} characters." in page
    long_text = "x" * (limit + 1)

    response = step(
        coordinator_client,
        "details",
        details(mercy_house, urgency="expedited", **{field: long_text}),
    )

    assert current(response) == "details"
    assert f"Up to {limit:,} characters; this has {limit + 1}" in field_error(
        response, f"details-{field}"
    )
    assert long_text in response.content.decode()
    assert not Referral.objects.exists()


# --- ?member= from the member's page --------------------------------------------------------------


def test_refer_this_member_link_preselects_a_member_the_user_may_see(client, hn_staff, member):
    client.force_login(hn_staff)

    page = client.get(WIZARD, {"member": member.pk}).content.decode()

    assert f'value="{member.cin}"' in page and 'value="1975-04-12"' in page
    assert f"Referring {member.full_name}" in page
    response = step(client, "member", {**MEMBER_STEP})
    assert current(response) == "service"


@pytest.mark.parametrize("value", ["other", "abc", "99999999999999999999", ""])
def test_refer_this_member_link_is_ignored_for_a_member_out_of_scope_or_a_bad_id(
    client, stranger, member, value
):
    client.force_login(stranger)

    response = client.get(WIZARD, {"member": member.pk if value == "other" else value})

    page = response.content.decode()
    assert response.status_code == 200
    assert member.cin not in page and "Referring" not in page
    assert current(response) == "member"


def test_r_x2_no_member_hint_for_a_user_who_may_not_see_the_member(coordinator_client, member):
    """The clinic finds the member by CIN and birth date but may not see their POFs (R-X2)."""
    page = to_details(coordinator_client, "ECM").content.decode()
    assert "in the member&#x27;s records" not in page


def test_start_member_step_default_unaffected(coordinator_client):
    response = coordinator_client.get(WIZARD)
    assert 'name="member-cin"' in response.content.decode()
    assert "Referring" not in response.content.decode()


def test_intake_match_refusal_is_shown_beside_the_row_with_what_was_typed(
    client, reviewer, member, meals
):
    form = SelfReferral.objects.create(
        confirmation_number="SR-TEST-0002",
        first_name="Ana",
        last_name="Reyes",
        birth_date=member.birth_date,
        phone="7145550100",
        language="en",
        service=meals,
        consent=True,
    )
    client.force_login(reviewer)

    response = client.post(
        reverse("referrals:intake_match", args=[form.pk]),
        {"cin": "91234567B", "birth_date": "1975-04-12"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="cin-{form.pk}-error">CIN: No member has this CIN with this birth date.' in page
    assert 'value="91234567B"' in page
    assert not Referral.objects.exists()


def test_intake_reject_reason_is_bounded_and_kept_beside_the_field(client, reviewer, meals):
    form = SelfReferral.objects.create(
        confirmation_number="SR-TEST-0003",
        first_name="Ana",
        last_name="Reyes",
        birth_date=datetime.date(1980, 1, 2),
        phone="7145550100",
        language="en",
        service=meals,
        consent=True,
    )
    client.force_login(reviewer)
    assert f'maxlength="{TEXT}"' in client.get(reverse("referrals:intake")).content.decode()

    response = client.post(reverse("referrals:intake_reject", args=[form.pk]), {"note": "y" * 4001})

    assert response.status_code == 400
    assert f'id="rej-{form.pk}-error">Up to 4,000 characters' in response.content.decode()
    form.refresh_from_db()
    assert form.status == SelfReferral.IntakeStatus.PENDING


# --- Pinned query counts of the pages changed here (the same at 10 and 100 rows) ----------------

# Intake: session, user, organization, pending self-referrals with their service, the services
# someone accepts, + the R-X3 audit row.
INTAKE_MAX_QUERIES = 6
# The reviewer's page of a referral with a requested provider (read with the referral): the
# detail page's queries, plus the providers offered for sending it on (their ids for the choice,
# the list for the select) and the reviewer's other actions.
REVIEWER_DETAIL_MAX_QUERIES = 16


@pytest.mark.parametrize("count", [10, 100])
def test_intake_page_query_count_is_pinned(
    client, reviewer, meals, housing_deposits, django_assert_max_num_queries, count
):
    OfferingFactory(service=housing_deposits)  # someone takes deposits; nobody takes meals
    for i in range(count):
        SelfReferral.objects.create(
            confirmation_number=f"SR-PIN-{i:04d}",
            first_name="Ana",
            last_name=f"Reyes{i}",
            birth_date=datetime.date(1980, 1, 2),
            phone="7145550100",
            language="en",
            service=meals if i % 2 else housing_deposits,
            consent=True,
        )
    client.force_login(reviewer)

    with django_assert_max_num_queries(INTAKE_MAX_QUERIES):
        response = client.get(reverse("referrals:intake"))

    assert response.status_code == 200
    assert response.content.decode().count("No organization is accepting referrals") == count // 2


@pytest.mark.parametrize("count", [10, 100])
def test_reviewer_page_with_a_requested_provider_query_count_is_pinned(
    client, reviewer, hn_coordinator, mercy_house, meals, django_assert_max_num_queries, count
):
    from tests.referrals.factories import MessageFactory, ReferralFactory, StatusChangeFactory

    referral = ReferralFactory(
        service=meals,
        referring_organization=hn_coordinator.organization,
        referring_user=hn_coordinator,
        receiving_organization=reviewer.organization,
        requested_provider=mercy_house,
        status=Status.IN_REVIEW,
    )
    for _ in range(count):
        StatusChangeFactory(referral=referral, actor=hn_coordinator)
        MessageFactory(referral=referral)
    client.force_login(reviewer)

    with django_assert_max_num_queries(REVIEWER_DETAIL_MAX_QUERIES):
        response = client.get(reverse("referrals:detail", args=[referral.pk]))

    assert response.status_code == 200
    selected = rf'<option value="{mercy_house.pk}" selected>Mercy House</option>'
    assert re.search(selected, response.content.decode())
