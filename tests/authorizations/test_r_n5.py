"""R-N5 (42 CFR 431.211, 431.213-214): a termination or reduction of a service in force is
noticed at least 10 days before it takes effect, unless an exception applies, in every path
that ends or reduces one: a provider's request, its approval by CalOptima Health or the HN, an HN
ending its own legacy authorization, and the API."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import escape
from rest_framework.test import APIClient

from authorizations import rules, services
from authorizations.models import ClosureRequest, Event, NoticeException, Status
from common.dates import business_today
from notices import services as notice_services
from tests.authorizations.factories import AuthorizationFactory, LegacyAuthorizationFactory

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)


# --- The rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "notice_date, date_of_action, exception, allowed",
    [
        (D(2026, 11, 25), D(2026, 11, 30), "", False),  # five days: the bug
        (D(2026, 11, 25), D(2026, 12, 4), "", False),  # nine days
        (D(2026, 11, 25), D(2026, 12, 5), "", True),  # ten days
        (D(2026, 11, 25), D(2027, 1, 31), "", True),
        (D(2026, 11, 25), D(2026, 11, 1), "", False),  # back-dated
        (D(2026, 12, 28), D(2027, 1, 7), "", True),  # across the year end
        (D(2026, 11, 25), D(2026, 11, 30), NoticeException.MEMBER_REQUEST, True),
        (D(2026, 11, 25), D(2026, 11, 25), NoticeException.DEATH, True),
        (D(2026, 11, 25), D(2026, 11, 1), NoticeException.LOSS_OF_ELIGIBILITY, True),
        (D(2026, 11, 25), D(2026, 11, 26), NoticeException.WHEREABOUTS_UNKNOWN, True),
        (D(2026, 11, 25), D(2026, 11, 26), NoticeException.INSTITUTION, True),
    ],
)
def test_r_n5_date_of_action_is_at_least_10_days_after_the_notice_unless_an_exception(
    notice_date, date_of_action, exception, allowed
):
    message = rules.notice_period_error(
        notice_date=notice_date, date_of_action=date_of_action, exception=exception
    )
    assert (message == "") is allowed
    if not allowed:
        earliest = notice_date + datetime.timedelta(days=10)
        assert f"{earliest:%-d %B %Y} at the earliest" in message


@pytest.mark.parametrize(
    "changes, reduced",
    [
        ({"end_date": (D(2027, 6, 30), D(2027, 1, 31))}, {"end_date": D(2027, 1, 31)}),
        ({"end_date": (None, D(2027, 1, 31))}, {"end_date": D(2027, 1, 31)}),
        ({"end_date": (D(2027, 1, 31), D(2027, 6, 30))}, {}),  # an extension
        ({"end_date": (D(2027, 1, 31), None)}, {}),  # made open-ended
        ({"units": (40, 20)}, {"units": None}),
        ({"units": (20, 40)}, {}),
        ({"start_date": (D(2027, 1, 1), D(2027, 2, 1))}, {"start_date": D(2027, 1, 1)}),
        ({"start_date": (D(2027, 2, 1), D(2027, 1, 1))}, {}),
    ],
)
def test_r_n5_reductions_take_service_away_and_extensions_do_not(changes, reduced):
    assert rules.reductions(changes) == reduced


def test_r_n5_parse_changes_reads_event_changes_back():
    assert rules.parse_changes(
        {"end_date": "2027-06-30 -> 2027-01-31", "units": "40 -> 20", "start_date": None}
    ) == {"end_date": (D(2027, 6, 30), D(2027, 1, 31)), "units": (40, 20)}


# --- Every path that ends or reduces ------------------------------------------------------------


@pytest.fixture
def today():
    return business_today()


@pytest.fixture
def in_force(member, provider, today):
    """A CalOptima Health ECM authorization in force, running well past today."""
    return AuthorizationFactory(
        member=member,
        provider=provider,
        status=Status.APPROVED,
        start_date=today - 60 * DAY,
        end_date=today + 120 * DAY,
        units=40,
    )


@pytest.fixture
def legacy_in_force(member, provider, network, today):
    """A legacy authorization created in 2022 by the network, open-ended (R-A1)."""
    return LegacyAuthorizationFactory(
        member=member, provider=provider, health_network=network, end_date=None
    )


def errors(exc_info) -> dict:
    return {k: " ".join(v) for k, v in exc_info.value.message_dict.items()}


def test_r_n5_a_provider_cannot_ask_to_end_a_service_five_days_after_the_letter(
    in_force, provider_staff, today
):
    with pytest.raises(ValidationError) as refused:
        services.request_closure(
            user=provider_staff,
            authorization_id=in_force.pk,
            kind="end",
            reason="Goals met.",
            end_date=today + 5 * DAY,
        )
    assert "10 days later" in errors(refused)["end_date"]
    assert not in_force.closure_requests.exists()

    closure = services.request_closure(
        user=provider_staff,
        authorization_id=in_force.pk,
        kind="end",
        reason="The member asked to stop.",
        end_date=today + 5 * DAY,
        notice_exception=NoticeException.MEMBER_REQUEST,
    )
    assert closure.notice_exception == NoticeException.MEMBER_REQUEST


def test_r_n5_a_reviewer_approving_a_termination_too_soon_must_name_the_exception(
    in_force, provider_staff, reviewer, today, django_capture_on_commit_callbacks
):
    # A request made earlier for a day now too close (its letter would be dated today).
    closure = ClosureRequest.objects.create(
        authorization=in_force,
        kind="end",
        reason="Goals met.",
        end_date=today + 3 * DAY,
        requested_by=provider_staff,
    )
    approve = dict(user=reviewer, closure_id=closure.pk, approve=True)
    explain = dict(member_explanation="Your care plan goals were met.")
    with pytest.raises(ValidationError) as refused:
        notice_services.decide_closure(**approve, **explain)
    assert "10 days later" in errors(refused)["notice_exception"]
    in_force.refresh_from_db()
    assert in_force.status == Status.APPROVED

    with django_capture_on_commit_callbacks(execute=False):
        event = notice_services.decide_closure(
            **approve, **explain, notice_exception=NoticeException.WHEREABOUTS_UNKNOWN
        )
    assert (event.kind, event.effective_date, event.notice_exception) == (
        Event.Kind.TERMINATED,
        today + 3 * DAY,
        NoticeException.WHEREABOUTS_UNKNOWN,
    )
    closure.refresh_from_db()
    assert closure.notice_exception == NoticeException.WHEREABOUTS_UNKNOWN


def test_r_n5_a_termination_10_days_out_carries_its_effective_date(
    in_force, provider_staff, reviewer, today
):
    closure = services.request_closure(
        user=provider_staff,
        authorization_id=in_force.pk,
        kind="end",
        reason="Goals met.",
        end_date=today + 10 * DAY,
    )
    event = notice_services.decide_closure(
        user=reviewer,
        closure_id=closure.pk,
        approve=True,
        member_explanation="Your care plan goals were met.",
    )
    assert (event.effective_date, event.notice_exception) == (today + 10 * DAY, "")
    assert event.changes == {"end_date": f"{today + 120 * DAY} -> {today + 10 * DAY}"}


def test_r_n5_fewer_units_take_effect_10_days_after_the_letter(
    in_force, provider_staff, reviewer, today
):
    closure = services.request_closure(
        user=provider_staff,
        authorization_id=in_force.pk,
        kind="modify",
        reason="Fewer visits needed.",
        new_units=20,
    )
    event = services.decide_closure(
        user=reviewer,
        closure_id=closure.pk,
        approve=True,
        member_explanation="You need fewer visits now.",
    )
    assert (event.kind, event.effective_date, event.reason_code) == (
        Event.Kind.MODIFIED,
        today + 10 * DAY,
        "dates_or_units",
    )


def test_r_n5_an_extension_the_provider_asked_for_is_no_reduction_and_no_adverse_reason(
    in_force, provider_staff, reviewer, today
):
    """Point 3: the event says what was asked and granted (old -> new = the request) and carries
    no adverse reason, so the letter is an approval of the new dates (part C's rule)."""
    new_end = today + 300 * DAY
    closure = services.request_closure(
        user=provider_staff,
        authorization_id=in_force.pk,
        kind="modify",
        reason="More time needed.",
        end_date=new_end,
    )
    event = services.decide_closure(user=reviewer, closure_id=closure.pk, approve=True)
    assert event.kind == Event.Kind.MODIFIED
    assert (event.effective_date, event.reason_code) == (None, "")
    changes = rules.parse_changes(event.changes)
    assert changes == {"end_date": (today + 120 * DAY, new_end)}
    assert new_end == closure.end_date  # granted what was asked
    assert not rules.change_is_adverse(changes)


def test_r_n5_an_hn_ending_its_legacy_authorization_too_soon_is_refused_beside_the_end_date(
    legacy_in_force, hn_staff, today
):
    end = dict(
        user=hn_staff,
        authorization_id=legacy_in_force.pk,
        kind="end",
        reason_code="service_ended",
        member_explanation="Your ECM services end because your goals were met.",
    )
    with pytest.raises(ValidationError) as refused:
        notice_services.change_legacy(**end, end_date=today + 5 * DAY)
    assert "10 days later" in errors(refused)["end_date"]
    legacy_in_force.refresh_from_db()
    assert (legacy_in_force.status, legacy_in_force.events.count()) == (Status.APPROVED, 0)

    event = notice_services.change_legacy(
        **end, end_date=today + 5 * DAY, notice_exception=NoticeException.DEATH
    )
    assert (event.effective_date, event.notice_exception) == (
        today + 5 * DAY,
        NoticeException.DEATH,
    )


def test_r_n5_an_unknown_exception_is_refused(legacy_in_force, hn_staff, today):
    with pytest.raises(ValidationError) as refused:
        services.change_legacy(
            user=hn_staff,
            authorization_id=legacy_in_force.pk,
            kind="end",
            reason_code="service_ended",
            member_explanation="Ends.",
            end_date=today + 5 * DAY,
            notice_exception="moved_away",
        )
    assert "notice_exception" in errors(refused)


# --- The API --------------------------------------------------------------------------------------


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_r_n5_the_api_refuses_a_termination_too_soon_and_takes_the_exception(
    in_force, provider_staff, reviewer, today
):
    base = f"/api/v1/authorizations/{in_force.pk}/closure-requests/"
    body = {"kind": "end", "reason": "Goals met.", "end_date": str(today + 5 * DAY)}
    response = api(provider_staff).post(base, body, format="json")
    assert response.status_code == 400
    assert "10 days later" in " ".join(response.json()["end_date"])

    response = api(provider_staff).post(
        base, {**body, "notice_exception": "member_request"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["notice_exception"] == "member_request"

    decide = f"{base}{response.json()['id']}/decide/"
    response = api(reviewer).post(
        decide,
        {"approve": True, "member_explanation": "You asked to stop ECM."},
        format="json",
    )
    assert response.status_code == 200, response.content
    terminated = response.json()["events"][-1]
    assert (terminated["effective_date"], terminated["notice_exception"]) == (
        str(today + 5 * DAY),
        "member_request",
    )


def test_r_n5_the_page_shows_the_10_day_error_beside_the_date_and_offers_the_exceptions(
    client, legacy_in_force, hn_staff, today
):
    client.force_login(hn_staff)
    url = reverse("authorizations:change_legacy", args=[legacy_in_force.pk])
    response = client.post(
        url,
        {
            "change-kind": "end",
            "change-end_date": str(today + 5 * DAY),
            "change-reason_code": "service_ended",
            "change-member_explanation": "Your ECM services end: goals met.",
            "change-explanation_language": "en",
            "change-note": "Discussed at case conference.",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    error = html.split('id="id_change-end_date_error">')[1].split("</p>")[0]
    assert "10 days later" in error
    assert 'value="Discussed at case conference."' not in html  # a textarea keeps it as text
    assert "\nDiscussed at case conference.</textarea>" in html
    assert f'value="{today + 5 * DAY}"' in html
    for choice in NoticeException:
        assert f'<option value="{choice.value}">{escape(choice.label)}</option>' in html
    legacy_in_force.refresh_from_db()
    assert legacy_in_force.status == Status.APPROVED
