"""Referral pages as a user works them: the new-referral wizard, the inbox, the detail page with
messages and attachments, scoping (R-X2), the public self-referral (R-R1) and intake, and pinned
query counts."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from common.dates import business_today
from members.models import PopulationOfFocus
from providers.models import Role
from referrals import rules, services
from referrals.models import Attachment, Message, Referral, SelfReferral, Status, StatusChange
from tests.members.factories import EligibilitySpanFactory, MemberFactory, MemberPopulationFactory
from tests.providers.factories import OfferingFactory, UserFactory
from tests.referrals.conftest import START
from tests.referrals.factories import (
    EXE_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    AttachmentFactory,
    MessageFactory,
    ReferralFactory,
    StatusChangeFactory,
    service,
)

pytestmark = pytest.mark.django_db

D = datetime.date
WIZARD = reverse("referrals:new")
PREFIX = "new_referral_wizard"

# Pinned query counts, measured with the tests at the end of this file (SQLite and PostgreSQL
# alike), the same at 10 and 100 rows. Detail: session, user, organization, referral, its POFs,
# history, messages, attachments, then marking the thread read (savepoint, read, insert).
LIST_MAX_QUERIES = 6 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)
INBOX_MAX_QUERIES = 5 + 1  # + 1: the R-X3 audit row (one INSERT per recorded request)
DETAIL_MAX_QUERIES = 14


def field_error(html: str, field: str) -> str:
    """The error rendered beside a form field (empty when there is none)."""
    found = re.search(rf'<p class="error" id="id_{field}_error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def counts():
    return (
        Referral.objects.count(),
        StatusChange.objects.count(),
        Attachment.objects.count(),
        Message.objects.count(),
    )


def step(client, name: str, data: dict):
    """POST one wizard step as the browser does: fields prefixed with the step name."""
    payload = {f"{PREFIX}-current_step": name}
    payload.update({f"{name}-{key}": value for key, value in data.items()})
    return client.post(WIZARD, payload)


MEMBER_STEP = {"cin": "91234567A", "birth_date": "1975-04-12", "requested_start_date": "2024-06-03"}


def details_step(provider=None, **overrides):
    data = {
        "urgency": "routine",
        "reason": "Diabetes with a recent hospital stay.",
        "member_consent": "on",
    }
    if provider is not None:
        data["receiving_organization"] = provider.pk
    data.update(overrides)
    return data


def to_review(
    client, *, code="CS_MEDICALLY_TAILORED_MEALS", provider=None, member_step=None, details=None
):
    """Walk the first three steps; return the review page response."""
    response = step(client, "member", member_step or MEMBER_STEP)
    assert response.status_code == 200, response.content
    assert response.context["wizard"]["steps"].current == "service", page_errors(response)
    response = step(client, "service", {"service": code})
    assert response.context["wizard"]["steps"].current == "details", page_errors(response)
    response = step(client, "details", details or details_step(provider))
    return response


def token_of(response) -> str:
    return response.context["form"]["token"].value()


def page_errors(response) -> str:
    return " | ".join(re.findall(r'class="error"[^>]*>([^<]*)<', response.content.decode()))


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


# --- The wizard ----------------------------------------------------------------------------------


def test_wizard_refers_a_member_in_four_steps_and_shows_the_referral(
    coordinator_client, member, mercy_house
):
    response = coordinator_client.get(WIZARD)
    assert response.status_code == 200 and b'name="member-cin"' in response.content

    response = step(coordinator_client, "member", MEMBER_STEP)
    assert response.context["wizard"]["steps"].current == "service"
    assert response.context["verdict"].cs_eligible  # eligibility for the date is shown
    assert b"3 June 2024" in response.content

    response = step(coordinator_client, "service", {"service": "CS_MEDICALLY_TAILORED_MEALS"})
    assert response.context["wizard"]["steps"].current == "details"
    assert b"Mercy House" in response.content

    response = step(coordinator_client, "details", details_step(mercy_house))
    assert response.context["wizard"]["steps"].current == "review"
    assert not Referral.objects.exists()  # nothing is saved before the review is submitted

    response = step(coordinator_client, "review", {"token": token_of(response)})

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert (referral.member, referral.receiving_organization) == (member, mercy_house)
    assert referral.status == Status.SENT

    page = coordinator_client.get(response["Location"]).content.decode()
    assert referral.reference in page
    assert "Timeline" in page and "Sent to provider" in page and "Submitted" in page
    assert re.search(r"<dt>Now with</dt><dd>Mercy House</dd>", page)
    assert f"Referral {referral.reference} submitted to Mercy House." in page


def test_wizard_ecm_without_a_provider_goes_to_caloptima_with_the_claimed_pof(
    coordinator_client, member, caloptima
):
    pof2 = PopulationOfFocus.objects.get(code="2")
    review = to_review(
        coordinator_client,
        code="ECM",
        details=details_step(receiving_organization="", populations=[pof2.pk]),
    )
    assert b"CalOptima Health assigns or fulfils" in review.content

    step(coordinator_client, "review", {"token": token_of(review)})

    referral = Referral.objects.get()
    assert referral.receiving_organization == caloptima
    assert referral.status == Status.IN_REVIEW
    assert list(referral.populations.all()) == [pof2]


def test_wizard_housing_navigation_says_it_goes_to_caloptima(
    coordinator_client, member, mercy_house, caloptima
):
    step(coordinator_client, "member", MEMBER_STEP)
    response = step(coordinator_client, "service", {"service": "CS_HOUSING_NAVIGATION"})

    assert b"Housing navigation referrals go to CalOptima Health" in response.content
    assert b'name="details-receiving_organization"' not in response.content
    review = step(coordinator_client, "details", details_step())
    step(coordinator_client, "review", {"token": token_of(review)})

    assert Referral.objects.get().receiving_organization == caloptima


def test_r_r3_cs_provider_ticks_self_referral_and_fulfils_it(mercy_client, member, mercy_house):
    step(mercy_client, "member", MEMBER_STEP)
    response = step(mercy_client, "service", {"service": "CS_HOUSING_NAVIGATION"})
    assert b'name="details-self_referral"' in response.content

    review = step(mercy_client, "details", details_step(self_referral="on"))
    step(mercy_client, "review", {"token": token_of(review)})

    referral = Referral.objects.get()
    assert (referral.receiving_organization, referral.status) == (mercy_house, Status.SENT)
    assert referral.self_referral is True


def test_r_r3_self_referral_box_is_offered_to_cs_providers_only(coordinator_client, member):
    step(coordinator_client, "member", MEMBER_STEP)

    response = step(coordinator_client, "service", {"service": "CS_HOUSING_NAVIGATION"})

    assert b'name="details-self_referral"' not in response.content


def test_r_c3_service_step_says_housing_deposits_and_navigation_are_separate(
    coordinator_client, member
):
    response = step(coordinator_client, "member", MEMBER_STEP)

    assert b"Housing navigation and housing deposits are separate services" in response.content
    assert b"R-C3" not in response.content  # the rule's words, not its id


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        pytest.param({"cin": "1234"}, "cin", "8 digits followed by a capital letter", id="bad-cin"),
        pytest.param({"cin": "9123456A7"}, "cin", "8 digits", id="cin-letter-inside"),
        pytest.param({"birth_date": "1975-04-13"}, "cin", "No member has this CIN", id="no-match"),
        pytest.param(
            {"birth_date": "future"},
            "birth_date",
            "cannot be in the future",
            id="future-birth-date",
        ),
        pytest.param(
            {"requested_start_date": ""}, "requested_start_date", "required", id="no-date"
        ),
    ],
)
def test_wizard_member_step_shows_the_error_beside_the_field(
    coordinator_client, member, data, field, says
):
    if data.get("birth_date") == "future":
        data = {"birth_date": (business_today() + datetime.timedelta(days=3)).isoformat()}

    response = step(coordinator_client, "member", {**MEMBER_STEP, **data})

    assert response.context["wizard"]["steps"].current == "member"
    assert says in field_error(response.content.decode(), f"member-{field}")
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("code", "on", "says"),
    [
        pytest.param("CS_RESPITE", "2021-06-01", "available from 1 January 2023", id="r-c1"),
        pytest.param(
            "CS_SOBERING_CENTERS", "2022-06-30", "available from 1 July 2022", id="r-c1-sobering"
        ),
    ],
)
def test_r_c1_wizard_service_step_refuses_a_service_before_its_date(
    coordinator_client, mercy_house, code, on, says
):
    early = MemberFactory(cin="90000001A", birth_date=D(1980, 1, 1))
    EligibilitySpanFactory(member=early, start_date=D(2020, 1, 1))
    OfferingFactory(organization=mercy_house, service=service(code))
    step(
        coordinator_client,
        "member",
        {"cin": early.cin, "birth_date": "1980-01-01", "requested_start_date": on},
    )

    response = step(coordinator_client, "service", {"service": code})

    assert response.context["wizard"]["steps"].current == "service"
    assert says in field_error(response.content.decode(), "service-service")
    assert counts() == (0, 0, 0, 0)


def test_r_m4_wizard_service_step_refuses_ecm_for_a_pace_member(coordinator_client):
    pace = MemberFactory(cin="90000002A", birth_date=D(1950, 2, 2))
    EligibilitySpanFactory(member=pace, program="pace", start_date=D(2022, 1, 1))
    step(
        coordinator_client,
        "member",
        {"cin": pace.cin, "birth_date": "1950-02-02", "requested_start_date": "2024-06-03"},
    )

    response = step(coordinator_client, "service", {"service": "ECM"})

    assert response.context["wizard"]["steps"].current == "service"
    # R-X2: the coordinator may not see this member yet: the reason names no program.
    said = field_error(response.content.decode(), "service-service")
    assert "the member&#x27;s coverage does not include ECM" in said
    assert "PACE" not in response.content.decode()
    response = step(coordinator_client, "service", {"service": "CS_MEDICALLY_TAILORED_MEALS"})
    assert response.context["wizard"]["steps"].current == "details"


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        pytest.param(
            {"urgency": "expedited"},
            "expedited_justification",
            "needs a justification",
            id="expedited-without-justification",
        ),
        pytest.param({"member_consent": ""}, "member_consent", "must consent", id="no-consent"),
        pytest.param({"reason": ""}, "reason", "required", id="no-reason"),
        pytest.param(
            {"receiving_organization": ""}, "receiving_organization", "required", id="no-provider"
        ),
        pytest.param(
            {"attachments": "oversize"}, "attachments", "the limit is 10 MB", id="oversize-file"
        ),
        pytest.param(
            {"attachments": "exe"},
            "attachments",
            "must be a PDF, PNG or JPEG",
            id="exe-named-pdf",
        ),
    ],
)
def test_wizard_details_step_shows_the_error_beside_the_field(
    coordinator_client, member, mercy_house, overrides, field, says
):
    files = {
        "oversize": SimpleUploadedFile(
            "big.pdf", PDF_BYTES + b"0" * rules.MAX_ATTACHMENT_BYTES, "application/pdf"
        ),
        "exe": SimpleUploadedFile("referral-letter.pdf", EXE_BYTES, "application/pdf"),
    }
    overrides = {k: files.get(v, v) for k, v in overrides.items()}

    response = to_review(coordinator_client, details=details_step(mercy_house, **overrides))

    assert response.context["wizard"]["steps"].current == "details"
    assert says in field_error(response.content.decode(), f"details-{field}")
    assert counts() == (0, 0, 0, 0)


def test_r_p2_wizard_details_step_refuses_a_provider_without_the_claimed_pof(
    coordinator_client, member, health_network
):
    OfferingFactory(organization=health_network, service=service("ECM"))
    pof3 = PopulationOfFocus.objects.get(code="3")

    response = to_review(
        coordinator_client,
        code="ECM",
        details=details_step(health_network, populations=[pof3.pk]),
    )

    assert response.context["wizard"]["steps"].current == "details"
    error = field_error(response.content.decode(), "details-receiving_organization")
    assert "does not serve POF 3" in error and "R-P2" not in error
    assert pof3.name in error  # the POF by its name too, not a bare number
    assert counts() == (0, 0, 0, 0)


def test_wizard_good_attachment_is_kept_with_its_referral(coordinator_client, member, mercy_house):
    review = to_review(
        coordinator_client,
        details=details_step(
            mercy_house,
            attachments=[
                SimpleUploadedFile("letter.pdf", PDF_BYTES, "application/pdf"),
                SimpleUploadedFile("lease.png", PNG_BYTES, "image/png"),
            ],
        ),
    )
    assert review.context["wizard"]["steps"].current == "review", page_errors(review)

    step(coordinator_client, "review", {"token": token_of(review)})

    referral = Referral.objects.get()
    assert sorted(referral.attachments.values_list("original_name", "content_type")) == [
        ("lease.png", "image/png"),
        ("letter.pdf", "application/pdf"),
    ]


def test_wizard_details_posted_again_replaces_its_files_and_leaves_no_temporary_ones(
    settings, coordinator_client, member, mercy_house
):
    files = [SimpleUploadedFile(f"page{i}.pdf", PDF_BYTES) for i in (1, 2)]
    to_review(coordinator_client, details=details_step(mercy_house, attachments=files))
    review = step(
        coordinator_client,
        "details",
        details_step(mercy_house, attachments=[SimpleUploadedFile("final.png", PNG_BYTES)]),
    )

    step(coordinator_client, "review", {"token": token_of(review)})

    referral = Referral.objects.get()
    assert list(referral.attachments.values_list("original_name", flat=True)) == ["final.png"]
    kept = {a.file.path for a in referral.attachments.all()}
    leftovers = {str(p) for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()} - kept
    assert leftovers == set()


def test_wizard_review_posted_twice_makes_one_referral(coordinator_client, member, mercy_house):
    review = to_review(coordinator_client, provider=mercy_house)
    token = token_of(review)

    first = step(coordinator_client, "review", {"token": token})
    second = step(coordinator_client, "review", {"token": token})

    referral = Referral.objects.get()
    detail = reverse("referrals:detail", args=[referral.pk])
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == detail
    assert StatusChange.objects.count() == 2


def test_wizard_warns_of_an_open_duplicate_and_confirming_lets_it_through(
    coordinator_client, coordinator, member, mercy_house, meals
):
    existing, _ = services.create_referral(
        user=coordinator,
        member=member,
        service=meals,
        requested_start_date=START,
        reason="Earlier request.",
        member_consent=True,
        receiving_organization=mercy_house,
    )

    review = to_review(coordinator_client, provider=mercy_house)
    page = review.content.decode()
    assert "Already open" in page
    assert f'href="{reverse("referrals:detail", args=[existing.pk])}">{existing.reference}' in page

    refused = step(coordinator_client, "review", {"token": token_of(review)})
    assert refused.status_code == 200
    assert existing.reference in refused.content.decode()
    assert Referral.objects.count() == 1

    accepted = step(
        coordinator_client, "review", {"token": token_of(review), "confirm_duplicate": "on"}
    )

    assert accepted.status_code == 302
    assert Referral.objects.count() == 2


# --- Inbox ---------------------------------------------------------------------------------------


@pytest.fixture
def sent_referral(coordinator, member, mercy_house, meals):
    referral, _ = services.create_referral(
        user=coordinator,
        member=member,
        service=meals,
        requested_start_date=START,
        reason="Needs meals after discharge.",
        member_consent=True,
        receiving_organization=mercy_house,
    )
    return referral


@pytest.fixture
def mercy_client(mercy_staff):
    """Mercy House staff in a browser of their own (the coordinator has the `client`)."""
    own = Client()
    own.force_login(mercy_staff)
    return own


def test_inbox_lists_what_waits_with_capacity_and_accept_moves_it(mercy_client, sent_referral):
    inbox = reverse("referrals:inbox")
    page = mercy_client.get(inbox).content.decode()
    assert sent_referral.reference in page
    assert "Your published capacity" in page and "Medically tailored meals" in page

    response = mercy_client.post(
        reverse("referrals:move", args=[sent_referral.pk, "accept"]), {"next": inbox}
    )

    assert response.status_code == 302 and response["Location"] == inbox
    sent_referral.refresh_from_db()
    # Accepting opens the authorization request in the same step (closed loop).
    assert sent_referral.status == Status.AUTHORIZATION_REQUESTED
    assert sent_referral.authorizations.get().status == "pending"
    waiting = [r for r, _ in mercy_client.get(inbox).context["rows"]]
    assert sent_referral not in waiting


def test_inbox_decline_needs_a_reason_and_changes_nothing_without_one(mercy_client, sent_referral):
    url = reverse("referrals:move", args=[sent_referral.pk, "decline"])

    response = mercy_client.post(
        url, {"note": "  ", "next": reverse("referrals:inbox")}, follow=True
    )

    assert "Give the reason." in response.content.decode()
    sent_referral.refresh_from_db()
    assert sent_referral.status == Status.SENT and sent_referral.history.count() == 2

    mercy_client.post(url, {"note": "No drivers in that area."})
    sent_referral.refresh_from_db()
    assert sent_referral.status == Status.DECLINED
    assert sent_referral.decline_reason == "No drivers in that area."


def test_referrer_cannot_accept_its_own_referral_from_the_page(coordinator_client, sent_referral):
    response = coordinator_client.post(
        reverse("referrals:move", args=[sent_referral.pk, "accept"]), follow=True
    )

    assert "You cannot move this referral" in response.content.decode()
    sent_referral.refresh_from_db()
    assert sent_referral.status == Status.SENT


# --- Detail: messages and attachments (R-R5) --------------------------------------------------


def test_r_r5_messages_post_and_show_on_the_detail_page(
    coordinator_client, mercy_client, sent_referral
):
    url = reverse("referrals:post_message", args=[sent_referral.pk])
    response = coordinator_client.post(url, {"body": "Member prefers morning calls."})
    assert response.status_code == 302

    page = mercy_client.get(reverse("referrals:detail", args=[sent_referral.pk])).content.decode()

    assert "Member prefers morning calls." in page and "Harbor Community Clinic" in page


def test_r_r5_home_page_shows_unread_messages_until_the_thread_is_read(
    coordinator_client, mercy_client, sent_referral
):
    coordinator_client.post(
        reverse("referrals:post_message", args=[sent_referral.pk]), {"body": "Any news?"}
    )
    assert mercy_client.get(reverse("home")).context["unread"] == 1

    mercy_client.get(reverse("referrals:detail", args=[sent_referral.pk]))

    assert mercy_client.get(reverse("home")).context["unread"] == 0


def test_detail_attachment_upload_and_download(coordinator_client, mercy_client, sent_referral):
    upload = reverse("referrals:add_attachment", args=[sent_referral.pk])

    response = coordinator_client.post(
        upload, {"file": SimpleUploadedFile("summary.pdf", PDF_BYTES)}, follow=True
    )
    assert "Attachment added." in response.content.decode()
    attachment = sent_referral.attachments.get()
    assert "summary.pdf" in response.content.decode()

    download = mercy_client.get(reverse("referrals:download", args=[attachment.pk]))

    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_detail_disguised_attachment_refused(coordinator_client, sent_referral):
    upload = reverse("referrals:add_attachment", args=[sent_referral.pk])

    response = coordinator_client.post(
        upload, {"file": SimpleUploadedFile("letter.pdf", EXE_BYTES)}, follow=True
    )

    assert "must be a PDF, PNG or JPEG" in response.content.decode()
    assert not Attachment.objects.exists()


# --- R-X2: an unrelated organization sees nothing ----------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("get", "detail", None),
        ("post", "move", {"note": "x"}),
        ("post", "post_message", {"body": "Hello"}),
        ("post", "add_attachment", "file"),
        ("get", "download", None),
    ],
)
def test_r_x2_unrelated_organization_gets_404(client, stranger, sent_referral, method, name, data):
    attachment = AttachmentFactory(referral=sent_referral)
    args = {
        "detail": [sent_referral.pk],
        "move": [sent_referral.pk, "close"],
        "post_message": [sent_referral.pk],
        "add_attachment": [sent_referral.pk],
        "download": [attachment.pk],
    }[name]
    if data == "file":
        data = {"file": SimpleUploadedFile("a.pdf", PDF_BYTES)}
    client.force_login(stranger)
    before = counts()

    response = getattr(client, method)(reverse(f"referrals:{name}", args=args), data)

    assert response.status_code == 404
    assert counts() == before
    sent_referral.refresh_from_db()
    assert sent_referral.status == Status.SENT


def test_r_x2_unrelated_organization_does_not_list_the_referral(client, stranger, sent_referral):
    client.force_login(stranger)

    page = client.get(reverse("referrals:list")).content.decode()

    assert sent_referral.reference not in page


# --- R-R1: the public self-referral page ------------------------------------------------------


def self_referral_post(**overrides):
    data = {
        "first_name": "Ana",
        "last_name": "Reyes",
        "birth_date": "1975-04-12",
        "cin": "91234567A",
        "phone": "714-555-0100",
        "language": "es",
        "service": "CS_HOUSING_NAVIGATION",
        "consent": "on",
    }
    data.update(overrides)
    return data


def test_r_r1_public_self_referral_works_without_login_and_shows_only_the_number(client):
    assert client.get(reverse("self_referral")).status_code == 200

    response = client.post(reverse("self_referral"), self_referral_post(), follow=True)

    form = SelfReferral.objects.get()
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("self_referral_thanks")
    assert form.confirmation_number in page
    assert "Ana" not in page and "Reyes" not in page and "91234567A" not in page
    assert "714-555-0100" not in page


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"birth_date": "future"}, "birth_date", id="future-birth-date"),
        pytest.param({"cin": "12345"}, "cin", id="malformed-cin"),
        pytest.param({"consent": ""}, "consent", id="no-consent"),
        pytest.param({"service": "CS_NOPE"}, "service", id="unknown-service"),
    ],
)
def test_r_r1_public_self_referral_bad_input_shown_per_field(client, overrides, field):
    if overrides.get("birth_date") == "future":
        overrides = {"birth_date": (business_today() + datetime.timedelta(days=1)).isoformat()}

    response = client.post(reverse("self_referral"), self_referral_post(**overrides))

    assert response.status_code == 200
    assert field_error(response.content.decode(), field)
    assert not SelfReferral.objects.exists()


def test_r_r1_public_self_referral_is_rate_limited_per_address(client):
    for _ in range(5):
        response = client.post(reverse("self_referral"), self_referral_post())
        assert response.status_code == 302

    response = client.post(reverse("self_referral"), self_referral_post())

    assert response.status_code == 429
    assert "Too many requests from this connection" in response.content.decode()
    assert SelfReferral.objects.count() == 5
    other = client.post(reverse("self_referral"), self_referral_post(), REMOTE_ADDR="203.0.113.9")
    assert other.status_code == 302 and SelfReferral.objects.count() == 6


@pytest.fixture
def pending_self_referral():
    return services.submit_self_referral(
        first_name="Ana",
        last_name="Reyes",
        birth_date=D(1975, 4, 12),
        phone="714-555-0100",
        language="es",
        service=service("CS_HOUSING_NAVIGATION"),
        consent=True,
        cin="91234567A",
    )


def test_r_r1_intake_match_by_caloptima_staff(
    client, caloptima_staff, caloptima, member, pending_self_referral
):
    client.force_login(caloptima_staff)
    page = client.get(reverse("referrals:intake")).content.decode()
    assert pending_self_referral.confirmation_number in page

    response = client.post(
        reverse("referrals:intake_match", args=[pending_self_referral.pk]),
        {"cin": "91234567A", "birth_date": "1975-04-12"},
    )

    referral = Referral.objects.get()
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert (referral.member, referral.receiving_organization) == (member, caloptima)
    assert referral.status == Status.IN_REVIEW and referral.source == "self"


def test_r_r1_intake_match_with_unknown_member_and_reject_without_note_change_nothing(
    client, caloptima_staff, member, pending_self_referral
):
    client.force_login(caloptima_staff)

    response = client.post(
        reverse("referrals:intake_match", args=[pending_self_referral.pk]),
        {"cin": "91234567A", "birth_date": "1975-04-13"},
        follow=True,
    )
    assert "No member has this CIN with this birth date." in response.content.decode()
    response = client.post(
        reverse("referrals:intake_reject", args=[pending_self_referral.pk]),
        {"note": ""},
        follow=True,
    )
    assert "Say why it is rejected." in response.content.decode()

    pending_self_referral.refresh_from_db()
    assert pending_self_referral.status == SelfReferral.IntakeStatus.PENDING
    assert not Referral.objects.exists()

    client.post(
        reverse("referrals:intake_reject", args=[pending_self_referral.pk]),
        {"note": "Not a member; gave the county's number."},
    )
    pending_self_referral.refresh_from_db()
    assert pending_self_referral.status == SelfReferral.IntakeStatus.REJECTED


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [
        ("get", "intake", None),
        ("post", "intake_match", {"cin": "91234567A", "birth_date": "1975-04-12"}),
        ("post", "intake_reject", {"note": "Spam."}),
    ],
)
def test_r_r1_intake_pages_are_404_outside_caloptima(
    client, coordinator, member, pending_self_referral, method, name, data
):
    client.force_login(coordinator)
    args = [] if name == "intake" else [pending_self_referral.pk]

    response = getattr(client, method)(reverse(f"referrals:{name}", args=args), data)

    assert response.status_code == 404
    pending_self_referral.refresh_from_db()
    assert pending_self_referral.status == SelfReferral.IntakeStatus.PENDING
    assert not Referral.objects.exists()


# --- Pinned query counts: the same at 10 and 100 rows ------------------------------------------


def many_referrals(count, *, coordinator, mercy_house, meals):
    """`count` referrals from the coordinator's clinic to Mercy House, each with a message."""
    for _ in range(count):
        referral = ReferralFactory(
            service=meals,
            referring_organization=coordinator.organization,
            referring_user=coordinator,
            receiving_organization=mercy_house,
        )
        MessageFactory(referral=referral, author=coordinator)


@pytest.mark.parametrize("count", [10, 100])
def test_list_page_query_count_is_pinned(
    coordinator_client, coordinator, mercy_house, meals, django_assert_max_num_queries, count
):
    many_referrals(count, coordinator=coordinator, mercy_house=mercy_house, meals=meals)

    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        response = coordinator_client.get(reverse("referrals:list"), {"status": "sent"})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == count


@pytest.mark.parametrize("count", [10, 100])
def test_inbox_page_query_count_is_pinned(
    mercy_client, coordinator, mercy_house, meals, django_assert_max_num_queries, count
):
    many_referrals(count, coordinator=coordinator, mercy_house=mercy_house, meals=meals)

    with django_assert_max_num_queries(INBOX_MAX_QUERIES):
        response = mercy_client.get(reverse("referrals:inbox"))

    assert response.status_code == 200
    assert response.content.decode().count("Reason for declining R-") == count


@pytest.mark.parametrize("count", [10, 100])
def test_detail_page_query_count_is_pinned(
    coordinator_client, coordinator, mercy_house, meals, django_assert_max_num_queries, count
):
    """A referral with `count` history rows, `count` messages from different people and a tenth as
    many attachments, among `count` other referrals."""
    many_referrals(count, coordinator=coordinator, mercy_house=mercy_house, meals=meals)
    referral = ReferralFactory(
        service=meals,
        referring_organization=coordinator.organization,
        referring_user=coordinator,
        receiving_organization=mercy_house,
    )
    for _ in range(count):
        StatusChangeFactory(referral=referral, actor=UserFactory(organization=mercy_house))
        MessageFactory(referral=referral)
    for _ in range(count // 10):
        AttachmentFactory(referral=referral)

    with django_assert_max_num_queries(DETAIL_MAX_QUERIES):
        response = coordinator_client.get(reverse("referrals:detail", args=[referral.pk]))

    assert response.status_code == 200
    assert len(response.context["referral"].messages.all()) == count


def test_pages_need_login(client, sent_referral):
    for url in (
        reverse("referrals:list"),
        reverse("referrals:inbox"),
        WIZARD,
        reverse("referrals:detail", args=[sent_referral.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_role_does_not_widen_scope(client, mercy_house, sent_referral):
    """A site administrator of another CS provider still sees nothing of this referral (R-X2)."""
    other = UserFactory(role=Role.SITE_ADMIN)
    client.force_login(other)

    assert client.get(reverse("referrals:detail", args=[sent_referral.pk])).status_code == 404


def test_member_with_pof_evidence_shows_no_review_flag(coordinator_client, mercy_house):
    holder = MemberFactory(cin="90000003A", birth_date=D(1960, 3, 3))
    EligibilitySpanFactory(member=holder, start_date=D(2022, 1, 1))
    MemberPopulationFactory(member=holder, population=PopulationOfFocus.objects.get(code="2"))
    to = to_review(
        coordinator_client,
        code="ECM",
        member_step={"cin": holder.cin, "birth_date": "1960-03-03", "requested_start_date": START},
        details=details_step(
            receiving_organization="",
            populations=[PopulationOfFocus.objects.get(code="2").pk],
        ),
    )
    step(coordinator_client, "review", {"token": token_of(to)})

    referral = Referral.objects.get()
    page = coordinator_client.get(reverse("referrals:detail", args=[referral.pk])).content
    assert referral.needs_review is False and b"Flagged for review" not in page


# --- R-X2: look-ups by CIN and birth date name nothing of another organization ----------------


def test_r_x2_wizard_duplicate_of_another_organizations_referral_names_nothing(
    coordinator_client, stranger, member, mercy_house, meals
):
    theirs, _ = services.create_referral(
        user=stranger,
        member=member,
        service=meals,
        requested_start_date=START,
        reason="Their own request.",
        member_consent=True,
        receiving_organization=mercy_house,
    )

    review = to_review(coordinator_client, provider=mercy_house)
    page = review.content.decode()
    assert "an open referral for this member and this service already exists" in page
    assert "CalOptima Health will reconcile the two" in page
    assert "A second referral is needed; CalOptima Health will reconcile the two" in page
    assert "I have looked at the open referral" not in page
    assert theirs.reference not in page
    assert reverse("referrals:detail", args=[theirs.pk]) not in page

    refused = step(coordinator_client, "review", {"token": token_of(review)})
    assert refused.status_code == 200
    said = refused.content.decode()
    assert services.DUPLICATE_HELD_ELSEWHERE in said.replace("&#x27;", "'")
    assert theirs.reference not in said and theirs.get_status_display() not in said
    assert Referral.objects.count() == 1

    accepted = step(
        coordinator_client, "review", {"token": token_of(review), "confirm_duplicate": "on"}
    )
    assert accepted.status_code == 302 and Referral.objects.count() == 2


def test_r_x2_wizard_verdict_for_a_member_out_of_scope_names_no_program_network_or_pof(
    coordinator_client, member
):
    """The coordinator's organization has no part in the member yet: eligible or not and why,
    in plain words; no program, health network or POF code on the page."""
    response = step(coordinator_client, "member", MEMBER_STEP)

    page = response.content.decode()
    assert response.context["plain"] is True
    assert "ECM: eligible" in page and "Community Supports: eligible" in page
    assert "Eligible for ECM on 3 June 2024." in page
    assert "Enrolled on 3 June 2024: Community Supports may be requested." in page
    assert "AltaMed" not in page  # the member's health network
    assert "Medi-Cal<" not in page and "Program:" not in page
    assert "POF" not in page and "1a" not in page


def test_r_x2_wizard_verdict_in_full_for_a_member_in_scope(client, hn_staff, member):
    """AltaMed staff see their network's member: the verdict names program, network and POFs."""
    client.force_login(hn_staff)
    response = step(client, "member", MEMBER_STEP)

    page = response.content.decode()
    assert response.context["plain"] is False
    assert "Health network: <strong>AltaMed Health Services</strong>" in page
    assert "POF: <strong>POF 1a (Adults without dependent children" in page  # names, not codes
