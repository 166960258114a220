"""Authorization services as the parties use them: an accepted referral opens a request; reviewers
decide it (R-A3, R-A6) under the rules of R-A5, R-C1, R-C3, R-M4 and R-M5; legacy authorizations
stay with their health network (R-A2); service closure and discharge requests."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from authorizations import rules, services
from authorizations.models import Authorization, ClosureRequest, Event, Status
from referrals.models import Referral
from referrals.models import Status as ReferralStatus
from tests.authorizations.factories import AuthorizationFactory, service
from tests.authorizations.fixtures import START
from tests.members.factories import member_with_history

pytestmark = pytest.mark.django_db

D = datetime.date


def snapshot(authorization: Authorization):
    """What a refused call must leave untouched."""
    authorization.refresh_from_db()
    return (
        authorization.status,
        authorization.start_date,
        authorization.end_date,
        authorization.units,
        authorization.decided_by_id,
        authorization.events.count(),
        authorization.closure_requests.count(),
    )


def error_of(exc_info, field: str) -> str:
    return " ".join(exc_info.value.message_dict[field])


# --- Opening a request (closed loop) --------------------------------------------------------------


@pytest.mark.parametrize(
    "service_code, urgency, auth_urgency, end_date",
    [
        ("ECM", "routine", "standard", D(2024, 12, 2)),  # R-A5: six months by default
        ("ECM", "expedited", "expedited", D(2024, 12, 2)),
        ("CS_MEDICALLY_TAILORED_MEALS", "routine", "standard", None),
    ],
)
def test_accepting_a_referral_opens_a_pending_request_at_caloptima_health(
    open_request, member, provider, network, service_code, urgency, auth_urgency, end_date
):
    authorization = open_request(service_code=service_code, urgency=urgency)

    authorization.refresh_from_db()
    assert authorization.status == Status.PENDING
    assert authorization.responsible_party == "caloptima_health"
    assert authorization.responsible_label == "CalOptima Health"
    assert authorization.health_network is None
    assert authorization.member_network == network
    assert (authorization.member, authorization.provider) == (member, provider)
    assert authorization.urgency == auth_urgency
    assert authorization.due_at == rules.decision_due_at(authorization.received_at, auth_urgency)
    assert (authorization.start_date, authorization.end_date) == (START, end_date)
    referral = authorization.referral
    assert referral.status == ReferralStatus.AUTHORIZATION_REQUESTED
    assert list(referral.history.values_list("to_status", flat=True))[-2:] == [
        ReferralStatus.ACCEPTED,
        ReferralStatus.AUTHORIZATION_REQUESTED,
    ]
    assert [e.kind for e in authorization.events.all()] == [Event.Kind.REQUESTED]


def test_r_a8_expedited_request_is_due_72_hours_after_receipt(open_request):
    authorization = open_request(urgency="expedited")
    assert authorization.due_at - authorization.received_at == datetime.timedelta(hours=72)


# --- Decisions (R-A3, R-A6) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "decision, extra, status, referral_status, event_kind",
    [
        ("approve", {}, Status.APPROVED, ReferralStatus.AUTHORIZED, Event.Kind.APPROVED),
        (
            "modify",
            {
                "reason_code": "dates_or_units",
                "units": 40,
                "end_date": D(2024, 9, 30),
                "member_explanation": "Your provider asked for fewer visits.",
            },
            Status.MODIFIED,
            ReferralStatus.AUTHORIZED,
            Event.Kind.MODIFIED,
        ),
        (
            "deny",
            {
                "reason_code": "not_medically_appropriate",
                "member_explanation": "No recent emergency visits.",
            },
            Status.DENIED,
            ReferralStatus.DENIED,
            Event.Kind.DENIED,
        ),
    ],
)
def test_r_a6_reviewer_decision_moves_the_referral_on(
    open_request, reviewer, decision, extra, status, referral_status, event_kind
):
    authorization = open_request()

    event = services.decide(
        user=reviewer, authorization_id=authorization.pk, decision=decision, **extra
    )

    authorization.refresh_from_db()
    assert authorization.status == status
    assert authorization.decided_by == reviewer
    assert authorization.decided_at is not None
    assert authorization.reason_code == extra.get("reason_code", "")
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        event_kind,
        reviewer,
        Status.PENDING,
        status,
    )
    assert authorization.events.filter(kind=event_kind).count() == 1
    referral = Referral.objects.get(pk=authorization.referral_id)
    assert referral.status == referral_status  # closed loop (R-R2)
    assert referral.history.last().actor == reviewer


def test_r_a6_modification_records_what_changed(open_request, reviewer, provider):
    authorization = open_request()
    event = services.decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="modify",
        reason_code="dates_or_units",
        end_date=D(2024, 9, 30),
        units=40,
        member_explanation="Your provider asked for fewer visits.",
    )
    assert event.changes == {
        "end_date": "2024-12-02 -> 2024-09-30",
        "units": "None -> 40",
    }
    authorization.refresh_from_db()
    assert (authorization.end_date, authorization.units) == (D(2024, 9, 30), 40)


def test_r_a6_modification_must_change_something(open_request, reviewer):
    authorization = open_request()
    before = snapshot(authorization)
    with pytest.raises(ValidationError) as exc:
        services.decide(
            user=reviewer,
            authorization_id=authorization.pk,
            decision="modify",
            reason_code="dates_or_units",
        )
    assert "changes the dates" in error_of(exc, "decision")
    assert snapshot(authorization) == before


@pytest.mark.parametrize("decision", ["modify", "deny"])
@pytest.mark.parametrize("reason_code", ["", "because"])
def test_r_a6_modify_and_deny_need_a_reason_code(open_request, reviewer, decision, reason_code):
    authorization = open_request()
    before = snapshot(authorization)
    with pytest.raises(ValidationError) as exc:
        services.decide(
            user=reviewer,
            authorization_id=authorization.pk,
            decision=decision,
            reason_code=reason_code,
            units=10,
        )
    assert "reason" in error_of(exc, "reason_code")
    assert snapshot(authorization) == before
    assert Referral.objects.get(pk=authorization.referral_id).status == "authorization_requested"


@pytest.mark.parametrize(
    "who", ["coordinator", "provider_staff", "hn_staff", "caloptima_staff", "stranger"]
)
def test_r_a3_only_caloptima_utilization_reviewers_decide(open_request, request, who):
    authorization = open_request()
    before = snapshot(authorization)
    with pytest.raises(PermissionDenied):
        services.decide(
            user=request.getfixturevalue(who),
            authorization_id=authorization.pk,
            decision="approve",
        )
    assert snapshot(authorization) == before


@pytest.mark.parametrize("status", [Status.PENDING, Status.APPROVED])
def test_r_a2_caloptima_does_not_decide_legacy_authorizations(legacy, reviewer, status):
    Authorization.objects.filter(pk=legacy.pk).update(status=status)
    before = snapshot(legacy)
    with pytest.raises(ValidationError) as exc:
        services.decide(user=reviewer, authorization_id=legacy.pk, decision="approve")
    assert "health network" in error_of(exc, "status")
    assert snapshot(legacy) == before
    assert not services.can_decide(reviewer, legacy)


def test_a_second_decision_is_refused_with_the_current_state(open_request, reviewer, caloptima):
    from tests.providers.factories import UserFactory

    authorization = open_request()
    other = UserFactory(organization=caloptima, role="utilization_reviewer")
    services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
    before = snapshot(authorization)

    with pytest.raises(ValidationError) as exc:
        services.decide(
            user=other,
            authorization_id=authorization.pk,
            decision="deny",
            reason_code="not_eligible",
        )

    message = error_of(exc, "status")
    assert "already approved" in message
    assert reviewer.get_full_name() in message
    assert exc.value.current.pk == authorization.pk
    assert exc.value.current.status == Status.APPROVED
    assert exc.value.current.decided_by == reviewer
    assert snapshot(authorization) == before
    assert Referral.objects.get(pk=authorization.referral_id).status == "authorized"


# --- R-A5: ECM reauthorization no more often than every six months --------------------------------


@pytest.mark.parametrize(
    "previous_start, new_start, same_provider, allowed",
    [
        (D(2024, 1, 15), D(2024, 7, 14), True, False),  # a day short of six months
        (D(2024, 1, 15), D(2024, 7, 15), True, True),  # exactly six months: accepted
        (D(2024, 1, 15), D(2024, 9, 1), True, True),
        (D(2023, 8, 31), D(2024, 2, 28), True, False),  # six months from 31 Aug is 29 Feb 2024
        (D(2023, 8, 31), D(2024, 2, 29), True, True),
        (D(2024, 1, 15), D(2024, 3, 1), False, True),  # another provider: not a reauthorization
    ],
)
def test_r_a5_ecm_reauthorization_waits_six_months_from_the_previous_start(
    open_request, member, provider, reviewer, previous_start, new_start, same_provider, allowed
):
    from tests.providers.factories import EcmProviderFactory

    AuthorizationFactory(
        member=member,
        provider=provider if same_provider else EcmProviderFactory(),
        status=Status.APPROVED,
        start_date=previous_start,
    )
    authorization = open_request(start=new_start)

    if allowed:
        services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
        authorization.refresh_from_db()
        assert authorization.status == Status.APPROVED
        assert authorization.end_date == rules.ecm_default_end(new_start)
        return
    before = snapshot(authorization)
    with pytest.raises(ValidationError) as exc:
        services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
    message = error_of(exc, "start_date")
    assert "six months" in message and "R-A5" in message
    assert f"{rules.earliest_reauthorization(previous_start):%-d %B %Y}" in message
    assert snapshot(authorization) == before


def test_r_a5_a_modified_start_is_checked_too(open_request, member, provider, reviewer):
    AuthorizationFactory(
        member=member, provider=provider, status=Status.APPROVED, start_date=D(2024, 1, 15)
    )
    authorization = open_request(start=D(2024, 8, 1))
    with pytest.raises(ValidationError) as exc:
        services.decide(
            user=reviewer,
            authorization_id=authorization.pk,
            decision="modify",
            reason_code="dates_or_units",
            start_date=D(2024, 7, 1),
        )
    assert "R-A5" in error_of(exc, "start_date")


# --- R-C1, R-C3: Community Supports ---------------------------------------------------------------


@pytest.mark.parametrize(
    "service_code, start, allowed, named_date",
    [
        ("CS_RESPITE", D(2022, 12, 31), False, "1 January 2023"),
        ("CS_RESPITE", D(2023, 1, 1), True, ""),
        ("CS_MEDICALLY_TAILORED_MEALS", D(2022, 6, 30), False, "1 July 2022"),
        ("CS_MEDICALLY_TAILORED_MEALS", D(2022, 7, 1), True, ""),
        ("CS_TRANSITIONAL_RENT", D(2025, 6, 30), False, "1 July 2025"),  # R-C4: data, not code
        ("CS_TRANSITIONAL_RENT", D(2025, 7, 1), True, ""),
    ],
)
def test_r_c1_no_approval_before_the_service_is_available(
    open_request, reviewer, service_code, start, allowed, named_date
):
    authorization = open_request(service_code=service_code, start=start)
    if allowed:
        services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
        authorization.refresh_from_db()
        assert authorization.status == Status.APPROVED
        assert authorization.end_date is None  # CS: no default period
        return
    before = snapshot(authorization)
    with pytest.raises(ValidationError) as exc:
        services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
    message = error_of(exc, "start_date")
    assert named_date in message and "R-C1" in message
    assert snapshot(authorization) == before


def test_r_c1_denying_an_early_request_is_allowed(open_request, reviewer):
    authorization = open_request(service_code="CS_RESPITE", start=D(2022, 10, 1))
    services.decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        reason_code="not_available_yet",
        member_explanation="Respite care started in 2023.",
    )
    authorization.refresh_from_db()
    assert authorization.status == Status.DENIED


def test_r_c3_housing_navigation_approval_never_authorizes_housing_deposits(
    open_request, reviewer, member
):
    navigation = open_request(service_code="CS_HOUSING_NAVIGATION")
    services.decide(user=reviewer, authorization_id=navigation.pk, decision="approve")

    deposits = service("CS_HOUSING_DEPOSITS")
    in_force = Authorization.objects.filter(
        member=member, service=deposits, status__in=[Status.APPROVED, Status.MODIFIED]
    )
    assert not in_force.exists()
    assert list(member.authorizations.values_list("service__code", flat=True)) == [
        "CS_HOUSING_NAVIGATION"
    ]

    # Deposits need their own referral and their own decision.
    deposit_request = open_request(service_code="CS_HOUSING_DEPOSITS")
    assert deposit_request.referral_id != navigation.referral_id
    deposit_request.refresh_from_db()
    assert deposit_request.status == Status.PENDING
    services.decide(user=reviewer, authorization_id=deposit_request.pk, decision="approve")
    assert in_force.get() == deposit_request
    navigation.refresh_from_db()
    assert (navigation.service.code, navigation.status) == ("CS_HOUSING_NAVIGATION", "approved")


def test_r_c3_deciding_deposits_leaves_navigation_pending(open_request, reviewer):
    navigation = open_request(service_code="CS_HOUSING_NAVIGATION")
    deposits = open_request(service_code="CS_HOUSING_DEPOSITS")
    services.decide(
        user=reviewer,
        authorization_id=deposits.pk,
        decision="deny",
        reason_code="not_cost_effective",
        member_explanation="A covered service meets this need.",
    )
    navigation.refresh_from_db()
    assert navigation.status == Status.PENDING


# --- R-M3, R-M4, R-M5: ECM eligibility on the start date ------------------------------------------


@pytest.mark.parametrize(
    "program, start, service_code, allowed, rule",
    [
        ("pace", D(2024, 6, 3), "ECM", False, "R-M4"),
        ("pace", D(2022, 6, 1), "ECM", False, "R-M4"),
        ("pace", D(2024, 6, 3), "CS_MEDICALLY_TAILORED_MEALS", True, ""),
        ("onecare", D(2024, 1, 1), "ECM", False, "R-M5"),
        ("onecare", D(2023, 12, 31), "ECM", True, ""),  # before 2024: like Medi-Cal (decision)
        ("onecare", D(2024, 6, 3), "CS_MEDICALLY_TAILORED_MEALS", True, ""),
        ("medi_cal", D(2024, 6, 3), "ECM", True, ""),
    ],
)
def test_r_m4_r_m5_ecm_approval_refused_with_the_reason(
    open_request, reviewer, network, program, start, service_code, allowed, rule
):
    member = member_with_history(health_network=network, program=program)
    authorization = open_request(member=member, service_code=service_code, start=start)
    if allowed:
        services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
        authorization.refresh_from_db()
        assert authorization.status == Status.APPROVED
        return
    before = snapshot(authorization)
    with pytest.raises(ValidationError) as exc:
        services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
    message = error_of(exc, "decision")
    assert rule in message
    assert ("PACE" if rule == "R-M4" else "OneCare") in message
    assert snapshot(authorization) == before

    # Denial with that reason is allowed.
    services.decide(
        user=reviewer,
        authorization_id=authorization.pk,
        decision="deny",
        reason_code="not_eligible",
        member_explanation="Your plan covers care coordination already.",
    )
    authorization.refresh_from_db()
    assert authorization.status == Status.DENIED


def test_r_m3_no_approval_without_enrolment_on_the_start_date(open_request, reviewer, network):
    member = member_with_history(health_network=network)
    member.eligibility_spans.filter(start_date=D(2023, 1, 1)).update(end_date=D(2024, 3, 31))
    authorization = open_request(member=member, start=D(2024, 6, 3))
    with pytest.raises(ValidationError) as exc:
        services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
    assert "R-M3" in error_of(exc, "decision")


# --- Assign-to-me ---------------------------------------------------------------------------------


def test_assign_to_me(open_request, reviewer):
    authorization = open_request()
    services.assign(user=reviewer, authorization_id=authorization.pk)
    authorization.refresh_from_db()
    assert authorization.reviewer == reviewer
    assert authorization.events.filter(kind=Event.Kind.ASSIGNED, actor=reviewer).exists()


@pytest.mark.parametrize("who", ["caloptima_staff", "provider_staff", "hn_staff"])
def test_only_reviewers_take_requests(open_request, request, who):
    authorization = open_request()
    with pytest.raises(PermissionDenied):
        services.assign(user=request.getfixturevalue(who), authorization_id=authorization.pk)


# --- Service closure and discharge (R-A2) ---------------------------------------------------------


# R-N6: an approved end or reduction explains itself to the member.
EXPLAINED = {"member_explanation": "Your care plan changes as your provider asked."}


@pytest.fixture(autouse=True)
def _letters_dated_when_the_authorizations_ran(monkeypatch):
    """The closures below are dated 2022-2024: their letters are dated 1 July 2022, when the
    legacy authorization started, so 10 days' notice holds (R-N5: see test_r_n5.py)."""
    monkeypatch.setattr(services, "business_today", lambda: D(2022, 7, 1))


@pytest.fixture
def approved(open_request, reviewer):
    """A new ECM authorization in force (CalOptima Health's)."""
    authorization = open_request()
    services.decide(user=reviewer, authorization_id=authorization.pk, decision="approve")
    authorization.refresh_from_db()
    return authorization


@pytest.fixture(params=["new", "legacy"])
def in_force(request):
    """An authorization in force of either responsible party."""
    return request.getfixturevalue("approved" if request.param == "new" else "legacy")


def test_provider_staff_ask_to_end_an_authorization(in_force, provider_staff):
    closure = services.request_closure(
        user=provider_staff,
        authorization_id=in_force.pk,
        kind="end",
        reason="  Member moved out of Orange County. ",
        end_date=D(2024, 9, 30) if not in_force.is_legacy else D(2023, 3, 31),
    )
    assert (closure.state, closure.reason, closure.requested_by) == (
        ClosureRequest.State.PENDING,
        "Member moved out of Orange County.",
        provider_staff,
    )
    in_force.refresh_from_db()
    assert in_force.status == Status.APPROVED  # nothing changes until the decision
    assert in_force.events.filter(kind=Event.Kind.CLOSURE_REQUESTED).count() == 1


@pytest.mark.parametrize(
    "kind, fields, field, text",
    [
        ("end", {}, "end_date", "last day"),
        ("modify", {}, "kind", "new dates or units"),
        ("end", {"end_date": D(2024, 1, 1)}, "end_date", "before the start date"),
        ("stop", {"end_date": D(2024, 9, 30)}, "kind", "change or end"),
        # Ending after the authorization's end would extend it: that is a change of dates.
        ("end", {"end_date": D(2025, 3, 1)}, "end_date", "would extend it"),
        # A new start after the end needs a new end (the dates must stay in order).
        ("modify", {"new_start_date": D(2025, 1, 1)}, "new_start_date", "give a new end date"),
        (
            "modify",
            {"new_start_date": D(2024, 9, 1), "end_date": D(2024, 8, 1)},
            "end_date",
            "before the start date",
        ),
    ],
)
def test_closure_request_refusals_name_the_field(
    approved, provider_staff, kind, fields, field, text
):
    before = snapshot(approved)
    with pytest.raises(ValidationError) as exc:
        services.request_closure(
            user=provider_staff, authorization_id=approved.pk, kind=kind, reason="x", **fields
        )
    assert text in error_of(exc, field)
    assert snapshot(approved) == before


@pytest.mark.parametrize(
    "fields, start, end",
    [
        (
            {"new_start_date": D(2025, 1, 1), "end_date": D(2025, 6, 30)},
            D(2025, 1, 1),
            D(2025, 6, 30),
        ),
        ({"end_date": D(2025, 3, 31)}, D(2024, 6, 3), D(2025, 3, 31)),  # a change may extend
        ({"new_units": 8}, D(2024, 6, 3), D(2024, 12, 2)),
    ],
)
def test_an_approved_change_of_dates_keeps_them_in_order(
    approved, provider_staff, fields, start, end
):
    closure = services.request_closure(
        user=provider_staff, authorization_id=approved.pk, kind="modify", reason="x", **fields
    )
    services.decide_closure(
        user=approved.decided_by, closure_id=closure.pk, approve=True, **EXPLAINED
    )
    approved.refresh_from_db()
    assert (approved.status, approved.start_date, approved.end_date) == ("modified", start, end)


def test_a_change_that_no_longer_fits_is_refused_at_the_decision(approved, provider_staff):
    closure = services.request_closure(
        user=provider_staff,
        authorization_id=approved.pk,
        kind="modify",
        reason="Start later.",
        new_start_date=D(2024, 11, 1),
    )
    Authorization.objects.filter(pk=approved.pk).update(end_date=D(2024, 10, 1))
    before = snapshot(approved)
    with pytest.raises(ValidationError) as exc:
        services.decide_closure(
            user=approved.decided_by, closure_id=closure.pk, approve=True, **EXPLAINED
        )
    assert "no longer fit" in error_of(exc, "end_date")
    assert snapshot(approved) == before
    closure.refresh_from_db()
    assert closure.state == ClosureRequest.State.PENDING


def test_closure_request_needs_a_reason(approved, provider_staff):
    with pytest.raises(ValidationError) as exc:
        services.request_closure(
            user=provider_staff,
            authorization_id=approved.pk,
            kind="end",
            reason="  ",
            end_date=D(2024, 9, 30),
        )
    assert "reason" in exc.value.message_dict


def test_closure_only_for_authorizations_in_force(open_request, provider_staff):
    pending = open_request()
    with pytest.raises(ValidationError) as exc:
        services.request_closure(
            user=provider_staff,
            authorization_id=pending.pk,
            kind="end",
            reason="Done",
            end_date=D(2024, 9, 30),
        )
    assert "in force" in error_of(exc, "authorization")


@pytest.mark.parametrize("who", ["stranger", "coordinator", "other_hn_staff"])
def test_only_the_provider_or_authorizing_hn_ask_for_a_closure(legacy, request, who):
    with pytest.raises(PermissionDenied):
        services.request_closure(
            user=request.getfixturevalue(who),
            authorization_id=legacy.pk,
            kind="end",
            reason="Done",
            end_date=D(2023, 3, 31),
        )
    assert not legacy.closure_requests.exists()


def test_one_pending_closure_request_at_a_time(approved, provider_staff):
    kwargs = {"user": provider_staff, "authorization_id": approved.pk, "reason": "Moved"}
    services.request_closure(kind="end", end_date=D(2024, 9, 30), **kwargs)
    with pytest.raises(ValidationError) as exc:
        services.request_closure(kind="modify", new_units=10, **kwargs)
    assert "already pending" in error_of(exc, "authorization")
    assert approved.closure_requests.count() == 1


@pytest.mark.parametrize(
    "which, decider, allowed",
    [
        ("new", "reviewer", True),
        ("new", "caloptima_staff", False),
        ("new", "hn_staff", False),
        ("new", "provider_staff", False),
        ("legacy", "hn_staff", True),  # R-A2: the HN decides its legacy authorizations
        ("legacy", "reviewer", False),  # CalOptima Health sees them read-only
        ("legacy", "other_hn_staff", False),
        ("legacy", "provider_staff", False),
    ],
)
def test_r_a2_the_responsible_party_decides_closure_requests(
    request, provider_staff, which, decider, allowed
):
    authorization = request.getfixturevalue("approved" if which == "new" else "legacy")
    closure = services.request_closure(
        user=provider_staff,
        authorization_id=authorization.pk,
        kind="end",
        reason="Member moved away.",
        end_date=authorization.start_date + datetime.timedelta(days=60),
    )
    user = request.getfixturevalue(decider)
    assert services.decides_closures(user, authorization) is allowed
    if not allowed:
        before = snapshot(authorization)
        with pytest.raises(PermissionDenied):
            services.decide_closure(user=user, closure_id=closure.pk, approve=True, **EXPLAINED)
        assert snapshot(authorization) == before
        closure.refresh_from_db()
        assert closure.state == ClosureRequest.State.PENDING
        return
    event = services.decide_closure(
        user=user, closure_id=closure.pk, approve=True, note="OK", **EXPLAINED
    )
    authorization.refresh_from_db()
    assert authorization.status == Status.TERMINATED
    assert authorization.end_date == closure.end_date
    assert authorization.reason_code == "service_ended"
    assert authorization.responsible_party == (
        "caloptima_health" if which == "new" else "health_network"
    )
    assert (event.kind, event.actor, event.from_status) == (
        Event.Kind.TERMINATED,
        user,
        Status.APPROVED,
    )
    closure.refresh_from_db()
    assert (closure.state, closure.decided_by, closure.decision_note) == ("approved", user, "OK")
    kinds = list(authorization.events.values_list("kind", flat=True))
    assert kinds[-2:] == [Event.Kind.CLOSURE_REQUESTED, Event.Kind.TERMINATED]  # history kept


def test_hn_staff_ask_for_and_decide_changes_to_their_legacy_authorization(legacy, hn_staff):
    closure = services.request_closure(
        user=hn_staff,
        authorization_id=legacy.pk,
        kind="modify",
        reason="Fewer hours needed.",
        new_units=20,
        end_date=D(2023, 3, 31),
    )
    event = services.decide_closure(user=hn_staff, closure_id=closure.pk, approve=True, **EXPLAINED)
    legacy.refresh_from_db()
    assert (legacy.status, legacy.units, legacy.end_date) == ("modified", 20, D(2023, 3, 31))
    assert event.kind == Event.Kind.MODIFIED
    assert event.changes == {"end_date": "2023-06-30 -> 2023-03-31", "units": "None -> 20"}
    assert legacy.health_network == hn_staff.organization


def test_rejecting_a_closure_request_needs_a_note_and_changes_nothing(approved, provider_staff):
    closure = services.request_closure(
        user=provider_staff,
        authorization_id=approved.pk,
        kind="end",
        reason="Member asked to stop.",
        end_date=D(2024, 9, 30),
    )
    reviewer = approved.decided_by
    before = snapshot(approved)
    with pytest.raises(ValidationError) as exc:
        services.decide_closure(user=reviewer, closure_id=closure.pk, approve=False, note=" ")
    assert "reason" in error_of(exc, "note")
    assert snapshot(approved) == before

    event = services.decide_closure(
        user=reviewer, closure_id=closure.pk, approve=False, note="Member confirmed they stay."
    )
    assert event.kind == Event.Kind.CLOSURE_REJECTED
    approved.refresh_from_db()
    assert (approved.status, approved.end_date) == (Status.APPROVED, D(2024, 12, 2))
    closure.refresh_from_db()
    assert (closure.state, closure.decision_note) == ("rejected", "Member confirmed they stay.")
    # Decided once: a second decision is refused, and a new request may now be made.
    with pytest.raises(ValidationError):
        services.decide_closure(user=reviewer, closure_id=closure.pk, approve=True, **EXPLAINED)
    services.request_closure(
        user=provider_staff,
        authorization_id=approved.pk,
        kind="modify",
        reason="Fewer hours.",
        new_units=12,
    )


def test_an_approved_modification_keeps_the_authorization_in_force(approved, provider_staff):
    closure = services.request_closure(
        user=provider_staff,
        authorization_id=approved.pk,
        kind="modify",
        reason="Start later: member in hospital.",
        new_start_date=D(2024, 6, 17),
    )
    services.decide_closure(
        user=approved.decided_by, closure_id=closure.pk, approve=True, **EXPLAINED
    )
    approved.refresh_from_db()
    assert (approved.status, approved.start_date) == (Status.MODIFIED, D(2024, 6, 17))
    # Still in force: it can be ended later.
    services.request_closure(
        user=provider_staff,
        authorization_id=approved.pk,
        kind="end",
        reason="Goals met.",
        end_date=D(2024, 10, 31),
    )


# --- record_hn_authorization: a legacy authorization as its HN reports it (R-A1, R-A2) ---------

PT = datetime.timezone(datetime.timedelta(hours=-8))  # Pacific standard time, as the HN writes it


@pytest.fixture
def hn_report(member, network, provider):
    """The keyword arguments of one good report; a test changes some of them."""
    return {
        "network": network,
        "hn_authorization_number": "PMG-1",
        "member": member,
        "service": service("ECM"),
        "provider": provider,
        "created_at": datetime.datetime(2022, 6, 1, 9, 0, tzinfo=PT),
        "start_date": D(2022, 7, 1),
        "end_date": D(2023, 6, 30),
        "status": "approved",
    }


def test_r_a2_a_reported_authorization_is_the_hns_legacy_authorization(hn_report, network):
    assert services.record_hn_authorization(**hn_report) is True

    authorization = Authorization.objects.get()
    assert (authorization.responsible_party, authorization.health_network) == (
        rules.HEALTH_NETWORK,
        network,
    )
    assert authorization.is_legacy
    assert (authorization.hn_authorization_number, authorization.status) == ("PMG-1", "approved")
    assert authorization.received_at == hn_report["created_at"]
    assert list(authorization.events.values_list("kind", "to_status")) == [
        (Event.Kind.IMPORTED, "approved")
    ]


def test_r_a2_the_same_report_again_changes_nothing(hn_report):
    services.record_hn_authorization(**hn_report)
    before = list(Authorization.objects.values()), Event.objects.count()

    assert services.record_hn_authorization(**{**hn_report, "status": " Approved "}) is False

    assert (list(Authorization.objects.values()), Event.objects.count()) == before


def test_r_a2_a_changed_report_updates_by_network_and_number(hn_report, other_network):
    services.record_hn_authorization(**hn_report)

    changed = {**hn_report, "status": "terminated", "end_date": D(2023, 2, 28)}
    assert services.record_hn_authorization(**changed) is True
    services.record_hn_authorization(**{**hn_report, "network": other_network})

    ours = Authorization.objects.get(health_network=hn_report["network"])
    assert (ours.status, ours.end_date) == ("terminated", D(2023, 2, 28))
    assert list(ours.events.values_list("from_status", "to_status")) == [
        ("", "approved"),
        ("approved", "terminated"),
    ]
    assert Authorization.objects.count() == 2  # the same number from another HN is another one


@pytest.mark.parametrize(
    "created_at, accepted",
    [
        (datetime.datetime(2022, 12, 31, 23, 59, 59, tzinfo=PT), True),
        (datetime.datetime(2023, 1, 1, 7, 59, 59, tzinfo=datetime.UTC), True),
        (datetime.datetime(2023, 1, 1, 0, 0, tzinfo=PT), False),
        (datetime.datetime(2023, 1, 1, 8, 0, tzinfo=datetime.UTC), False),
    ],
)
def test_r_a1_an_hn_reports_only_authorizations_created_before_the_cutover(
    hn_report, created_at, accepted
):
    report = {**hn_report, "created_at": created_at}
    if accepted:
        assert services.record_hn_authorization(**report) is True
        return
    with pytest.raises(ValidationError) as exc:
        services.record_hn_authorization(**report)
    assert "R-A1" in error_of(exc, "created_at")
    assert not Authorization.objects.exists()


@pytest.mark.parametrize(
    "changes, field, text",
    [
        ({"hn_authorization_number": " "}, "hn_authorization_number", "is required"),
        ({"end_date": D(2022, 6, 30)}, "end_date", "is before start_date"),
        ({"status": "maybe"}, "status", "'maybe' is not one of"),
    ],
)
def test_a_bad_report_is_refused_naming_the_field(hn_report, changes, field, text):
    with pytest.raises(ValidationError) as exc:
        services.record_hn_authorization(**{**hn_report, **changes})

    assert text in error_of(exc, field)
    assert not Authorization.objects.exists()


def test_only_a_health_network_reports_legacy_authorizations(hn_report, provider):
    with pytest.raises(ValidationError) as exc:
        services.record_hn_authorization(**{**hn_report, "network": provider})

    assert "not a health network" in error_of(exc, "network")
    assert not Authorization.objects.exists()
