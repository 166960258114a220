"""activities.services.log_activity (R-F1): who may log, and each refusal on its own, with its
field and reason, and nothing saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from activities import rules, services
from activities.models import ActivityType, EcmActivity, Method, Outcome
from authorizations.models import Status
from providers.models import Role
from tests.authorizations.factories import AuthorizationFactory, service
from tests.providers.factories import UserFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def log(user, authorization, **overrides):
    values = {
        "date": authorization.start_date + 5 * DAY,
        "activity_type": ActivityType.ENGAGEMENT,
        "method": Method.PHONE,
        "units": 4,
    }
    values.update(overrides)
    return services.log_activity(user=user, authorization=authorization, **values)


def refused(user, authorization, **overrides) -> dict:
    """The refusal's messages by field; asserts that nothing was saved."""
    before = EcmActivity.objects.count()
    with pytest.raises(ValidationError) as caught:
        log(user, authorization, **overrides)
    assert EcmActivity.objects.count() == before
    return caught.value.message_dict


def test_r_f1_provider_staff_log_an_activity_with_member_and_provider_of_the_authorization(
    staff, ecm, today
):
    activity = log(staff, ecm, date=today, units=3, note="  Called about the housing voucher. ")

    assert (activity.member, activity.provider, activity.authorization) == (
        ecm.member,
        ecm.provider,
        ecm,
    )
    assert (activity.date, activity.units, activity.logged_by) == (today, 3, staff)
    assert activity.note == "Called about the housing voucher."
    assert activity.source == "logged"


def test_r_f1_the_providers_site_administrator_may_log_too(clinic, ecm):
    admin = UserFactory(organization=clinic, role=Role.SITE_ADMIN)
    assert log(admin, ecm).logged_by == admin


@pytest.mark.parametrize("status", [Status.APPROVED, Status.MODIFIED])
def test_r_f1_an_authorization_approved_or_modified_is_in_force(staff, ecm, status):
    ecm.status = status
    ecm.save()
    assert log(staff, ecm).pk


def test_r_f1_an_outreach_attempt_carries_its_outcome(staff, ecm):
    activity = log(staff, ecm, activity_type=ActivityType.OUTREACH_ATTEMPT, outcome="not_reached")
    assert activity.outcome == Outcome.NOT_REACHED


# --- Refusals: each on its own, with its field and reason, nothing saved --------------------------


def test_r_f1_a_date_before_the_authorization_starts_is_refused(staff, ecm):
    errors = refused(staff, ecm, date=ecm.start_date - DAY)
    assert errors == {
        "date": [
            "The date must be inside the authorization's dates "
            f"({ecm.start_date:%-d %B %Y} to {ecm.end_date:%-d %B %Y})."
        ]
    }


def test_r_f1_a_date_after_the_authorization_ends_is_refused(staff, ecm, today):
    ecm.end_date = today - 10 * DAY
    ecm.save()
    errors = refused(staff, ecm, date=today - 9 * DAY)
    assert errors["date"][0].startswith("The date must be inside the authorization's dates")
    assert list(errors) == ["date"]


def test_r_f1_a_date_in_the_future_is_refused_in_california_time(staff, ecm, today):
    errors = refused(staff, ecm, date=today + DAY)
    assert errors == {
        "date": [f"The date cannot be in the future (today is {today:%-d %B %Y} in California)."]
    }


def test_r_f1_today_in_california_is_not_the_future_when_utc_is_already_tomorrow(
    staff, ecm, monkeypatch
):
    """23:30 Pacific on 30 June is 06:30 UTC on 1 July: 30 June is today, 1 July is the future."""
    instant = datetime.datetime(2026, 7, 1, 6, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: instant)
    ecm.start_date, ecm.end_date = datetime.date(2026, 6, 1), datetime.date(2026, 12, 31)
    ecm.save()

    assert log(staff, ecm, date=datetime.date(2026, 6, 30)).pk
    assert "future" in refused(staff, ecm, date=datetime.date(2026, 7, 1))["date"][0]


@pytest.mark.parametrize("units", [0, -1, 97, 10_000, 10**30])
def test_r_f1_units_out_of_1_to_96_are_refused(staff, ecm, units):
    errors = refused(staff, ecm, units=units)
    assert errors == {"units": ["Units must be from 1 to 96 (15-minute units; 96 is a day)."]}


@pytest.mark.parametrize("units", ["four", "2.5", 2.5, None, True])
def test_r_f1_units_that_are_not_a_whole_number_are_refused(staff, ecm, units):
    errors = refused(staff, ecm, units=units)
    assert errors == {"units": ["Units are a whole number of 15-minute units, 1 to 96."]}


@pytest.mark.parametrize("units", [1, 96])
def test_r_f1_units_1_and_96_are_accepted(staff, ecm, units):
    assert log(staff, ecm, units=units).units == units


def test_r_x2_another_providers_authorization_is_refused(other_staff, ecm):
    errors = refused(other_staff, ecm)
    assert errors == {"authorization": [services.NOT_THE_PROVIDER]}


@pytest.mark.parametrize(
    "role", [Role.CARE_COORDINATOR, Role.HEALTH_NETWORK_STAFF, Role.UTILIZATION_REVIEWER]
)
def test_r_f1_only_provider_staff_and_site_admins_log(clinic, ecm, role, caloptima):
    org = caloptima if role == Role.UTILIZATION_REVIEWER else clinic
    user = UserFactory(organization=org, role=role)
    assert refused(user, ecm) == {"authorization": [services.NOT_THE_PROVIDER]}


def test_r_f1_an_authorization_that_is_not_ecm_is_refused(staff, clinic, member, today):
    meals = AuthorizationFactory(
        member=member,
        provider=clinic,
        service=service("CS_MEDICALLY_TAILORED_MEALS"),
        status=Status.APPROVED,
        start_date=today - 5 * DAY,
    )
    errors = refused(staff, meals, date=today)
    assert errors == {"authorization": ["Activities are logged against an ECM authorization only."]}


@pytest.mark.parametrize(
    "status", [Status.PENDING, Status.DENIED, Status.TERMINATED, Status.EXPIRED, Status.WITHDRAWN]
)
def test_r_f1_an_authorization_not_in_force_is_refused(staff, ecm, status):
    ecm.status = status
    ecm.save()
    errors = refused(staff, ecm)
    assert errors == {
        "authorization": [
            "Activities are logged only against an authorization in force (approved or modified)."
        ]
    }


def test_r_f1_an_outreach_attempt_without_its_outcome_is_refused(staff, ecm):
    errors = refused(staff, ecm, activity_type=ActivityType.OUTREACH_ATTEMPT, outcome="")
    assert errors == {"outcome": ["Say whether the member was reached on this outreach attempt."]}


def test_r_f1_an_outcome_on_another_type_is_refused(staff, ecm):
    errors = refused(staff, ecm, activity_type=ActivityType.ASSESSMENT, outcome="reached")
    assert errors == {
        "outcome": ["Only an outreach attempt has an outcome: leave it empty for this type."]
    }


def test_a_note_longer_than_the_text_limit_is_refused(staff, ecm):
    errors = refused(staff, ecm, note="x" * 4001)
    assert errors == {"note": ["Keep the note to 4,000 characters (it has 4,001)."]}


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("activity_type", "coffee", "Choose one of the ECM core components."),
        ("method", "telepathy", "Choose how the activity took place."),
        ("date", None, "Give the date of the activity."),
    ],
)
def test_unknown_type_method_or_missing_date_are_refused(staff, ecm, field, value, message):
    assert refused(staff, ecm, **{field: value}) == {field: [message]}


def test_r_f1_a_duplicate_is_a_warning_and_logged_when_confirmed(staff, ecm):
    """Same member, date, type and method: warned, nothing saved; confirmed, logged."""
    first = log(staff, ecm)

    with pytest.raises(services.DuplicateActivity) as caught:
        log(staff, ecm, units=2)
    assert caught.value.message_dict == {"confirm_duplicate": [rules.DUPLICATE]}
    assert EcmActivity.objects.count() == 1

    second = log(staff, ecm, units=2, confirm_duplicate=True)
    assert second.pk != first.pk and EcmActivity.objects.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"method": Method.IN_PERSON},
        {"activity_type": ActivityType.COORDINATION},
        {"date": "next day"},
    ],
)
def test_r_f1_another_method_type_or_date_is_not_a_duplicate(staff, ecm, change):
    first = log(staff, ecm)
    if change.get("date"):
        change = {"date": first.date + DAY}
    assert log(staff, ecm, **change).pk


def test_r_x2_another_providers_activity_is_not_a_duplicate_and_never_hinted(
    staff, other_staff, ecm, theirs
):
    """The same member, date, type and method logged by another provider: no warning (the
    warning would tell that another provider serves the member)."""
    log(other_staff, theirs, date=ecm.start_date + 5 * DAY)
    assert log(staff, ecm).pk


def test_a_refusal_reports_every_field_at_once(staff, ecm, today):
    errors = refused(
        staff,
        ecm,
        date=today + DAY,
        units=0,
        activity_type=ActivityType.OUTREACH_ATTEMPT,
        outcome="",
    )
    assert set(errors) == {"date", "units", "outcome"}
