"""What the authorizations app does: open requests, assign, decide (R-A3, R-A5, R-A6), service
closure and discharge (R-A2), and the legacy authorizations HNs report (R-A1, R-A2). One
transaction each; a refusal raises ValidationError naming the field and changes nothing."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from common import limits
from common.dates import business_date, business_today
from members.selectors import eligibility_on
from providers.models import Role
from referrals import services as referral_services

from . import rules
from .models import (
    IN_FORCE,
    Authorization,
    ClosureRequest,
    Event,
    NoticeException,
    ReasonCode,
    Status,
    Urgency,
)

DECISIONS = {"approve": Status.APPROVED, "modify": Status.MODIFIED, "deny": Status.DENIED}
DECISION_EVENTS = {
    "approve": Event.Kind.APPROVED,
    "modify": Event.Kind.MODIFIED,
    "deny": Event.Kind.DENIED,
}


def _is_reviewer(user) -> bool:
    return user.is_caloptima_staff and (user.role == Role.UTILIZATION_REVIEWER or user.is_superuser)


def _current_network(member, on):
    return next(
        (
            a.health_network
            for a in member.health_network_assignments.all()
            if a.start_date <= on and (a.end_date is None or on <= a.end_date)
        ),
        None,
    )


def _event(authorization, kind, actor, *, from_status="", note="", reason_code="", **changes):
    return Event.objects.create(
        authorization=authorization,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=authorization.status,
        note=note,
        reason_code=reason_code,
        changes={k: str(v) if v is not None else None for k, v in changes.items()},
    )


@transaction.atomic
def request_for_referral(*, user, referral_id: int, note: str = "") -> Authorization:
    """An accepted referral opens an authorization request at CalOptima Health (closed loop):
    the referral moves to 'authorization requested' in the same transaction."""
    referral = referral_services.request_authorization(
        user=user, referral_id=referral_id, note=note
    )
    now = timezone.now()
    urgency = Urgency.EXPEDITED if referral.urgency == "expedited" else Urgency.STANDARD
    start = referral.requested_start_date
    authorization = Authorization.objects.create(
        member=referral.member,
        service=referral.service,
        provider=referral.receiving_organization,
        referral=referral,
        created_at=now,
        received_at=now,
        start_date=start,
        end_date=rules.ecm_default_end(start) if referral.service.kind == "ecm" else None,
        urgency=urgency,
        due_at=rules.decision_due_at(now, urgency),
        responsible_party=rules.responsible_party(now),
        member_network=_current_network(referral.member, business_date(now)),
    )
    _event(authorization, Event.Kind.REQUESTED, user, note=f"From referral {referral.reference}.")
    return authorization


@transaction.atomic
def accept_referral(*, user, referral_id: int, note: str = "") -> Authorization:
    """Accepting a referral opens its authorization request at once (closed loop): both steps
    in one transaction, both in the referral's history."""
    referral_services.accept(user=user, referral_id=referral_id, note=note)
    return request_for_referral(user=user, referral_id=referral_id)


@transaction.atomic
def assign(*, user, authorization_id: int, reviewer=None) -> Authorization:
    """Assign-to-me (or to another reviewer) in the work queue."""
    if not _is_reviewer(user):
        raise PermissionDenied("Only CalOptima Health utilization reviewers work the queue.")
    authorization = Authorization.objects.select_for_update().get(pk=authorization_id)
    authorization.reviewer = reviewer or user
    authorization.save(update_fields=["reviewer", "updated_at"])
    reviewer_name = authorization.reviewer.get_full_name() or authorization.reviewer.username
    _event(authorization, Event.Kind.ASSIGNED, user, note=f"To {reviewer_name}.")
    return authorization


def _approval_problems(authorization, *, start, end, provider, errors):
    """Refusals for an approval or modification (R-C1, R-M4, R-M5, R-A5)."""
    service = authorization.service
    if start < service.available_from:
        errors["start_date"] = (
            f"{service.name} is available from {service.available_from:%-d %B %Y} (R-C1)."
        )
    if end is not None and end < start:
        errors["end_date"] = "The end date cannot be before the start date."
    verdict = eligibility_on(authorization.member, start)
    blocking = verdict.blocking_reasons(service.kind)
    if blocking:
        errors["decision"] = " ".join(f"{r.text} ({r.code})" for r in blocking)
    if service.kind == "ecm":
        earlier = (
            Authorization.objects.filter(
                member_id=authorization.member_id,
                service=service,
                provider=provider,
                status__in=IN_FORCE,
            )
            .exclude(pk=authorization.pk)
            .order_by("-start_date")
            .first()
        )
        if earlier and start < rules.earliest_reauthorization(earlier.start_date):
            errors["start_date"] = (
                "ECM is reauthorized no more often than every six months: the previous "
                f"authorization started {earlier.start_date:%-d %B %Y}, so this one can start "
                f"{rules.earliest_reauthorization(earlier.start_date):%-d %B %Y} at the earliest "
                "(R-A5)."
            )


def _already_decided(authorization) -> ValidationError:
    who = authorization.decided_by.get_full_name() if authorization.decided_by else "someone"
    when = timezone.localtime(authorization.decided_at) if authorization.decided_at else None
    at = f" at {when:%Y-%m-%d %H:%M}" if when else ""
    error = ValidationError(
        {
            "status": f"This request was already {authorization.get_status_display().lower()} "
            f"by {who}{at}. Its current state is shown."
        }
    )
    error.current = authorization
    return error


def _decision_text_errors(
    authorization, *, adverse, reason_code, note, member_explanation, explanation_language
) -> dict[str, str]:
    """R-N6: the note for the file is bounded; the explanation for the member is in the letter's
    language (rules.member_explanation_errors), and a reason with no standard text ("other")
    must be explained."""
    errors = _explanation_errors(
        authorization,
        adverse=adverse,
        member_explanation=member_explanation,
        explanation_language=explanation_language,
    )
    if adverse and reason_code == ReasonCode.OTHER and not (member_explanation or "").strip():
        errors.setdefault(
            "member_explanation", "The reason 'other' has no standard text: explain it here."
        )
    if len(note or "") > limits.TEXT:
        errors["note"] = f"Keep it to {limits.TEXT:,} characters."
    return errors


@transaction.atomic
def decide(
    *,
    user,
    authorization_id: int,
    decision: str,
    reason_code: str = "",
    note: str = "",
    member_explanation: str = "",
    explanation_language: str = "",
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    units: int | None = None,
    provider=None,
) -> Event:
    """Approve, modify (dates, units, provider) or deny a pending request (R-A3, R-A6). Exactly one
    decision stands: the row is locked and a decided request refuses a second decision. `note` is
    for the file and never printed; `member_explanation` is printed in the member's letter, in
    its language, and an adverse decision needs one (R-N6)."""
    if not _is_reviewer(user):
        raise PermissionDenied("Only CalOptima Health utilization reviewers decide requests.")
    authorization = (
        Authorization.objects.select_for_update()
        .select_related("service", "member", "provider")
        .get(pk=authorization_id)
    )
    if authorization.is_legacy:
        raise ValidationError(
            {"status": "Legacy authorizations belong to the health network (R-A2)."}
        )
    if authorization.status != Status.PENDING:
        raise _already_decided(authorization)
    if decision not in DECISIONS:
        raise ValidationError({"decision": "Choose approve, modify or deny."})
    errors: dict[str, str] = {}
    if decision != "approve":
        if reason_code not in ReasonCode.values:
            errors["reason_code"] = "Give the reason for this decision."
    elif reason_code and reason_code not in ReasonCode.values:
        errors["reason_code"] = "Unknown reason."
    start = start_date or authorization.start_date
    end = end_date if end_date is not None else authorization.end_date
    if decision == "approve" and end is None and authorization.service.kind == "ecm":
        end = rules.ecm_default_end(start)
    provider = provider or authorization.provider
    changes = {}
    if decision == "modify":
        changes = {
            name: (old, new)
            for name, old, new in (
                ("start_date", authorization.start_date, start),
                ("end_date", authorization.end_date, end),
                ("units", authorization.units, units if units is not None else authorization.units),
                ("provider", authorization.provider, provider),
            )
            if old != new
        }
        if not changes:
            errors["decision"] = "A modification changes the dates, the units or the provider."
    if decision in ("approve", "modify"):
        _approval_problems(authorization, start=start, end=end, provider=provider, errors=errors)
    errors.update(
        _decision_text_errors(
            authorization,
            adverse=decision == "deny" or rules.change_is_adverse(changes),
            reason_code=reason_code,
            note=note,
            member_explanation=member_explanation,
            explanation_language=explanation_language,
        )
    )
    if errors:
        raise ValidationError(errors)
    previous = authorization.status
    authorization.status = DECISIONS[decision]
    authorization.reason_code = reason_code
    authorization.decision_notes = (note or "").strip()
    authorization.decided_by = user
    authorization.decided_at = timezone.now()
    if decision in ("approve", "modify"):
        authorization.start_date, authorization.end_date = start, end
        authorization.provider = provider
        if units is not None:
            authorization.units = units
    authorization.save()
    event = _event(
        authorization,
        DECISION_EVENTS[decision],
        user,
        from_status=previous,
        note=authorization.decision_notes,
        reason_code=reason_code,
        **{k: f"{old} -> {new}" for k, (old, new) in changes.items()},
    )
    event.member_explanation = (member_explanation or "").strip()
    event.explanation_language = (explanation_language or "en") if event.member_explanation else ""
    event.save(update_fields=["member_explanation", "explanation_language"])
    if authorization.referral_id:
        referral_services.record_authorization(
            user=user,
            referral_id=authorization.referral_id,
            authorized=decision != "deny",
            note=ReasonCode(reason_code).label if reason_code else "",
        )
    return event


# --- Service closure and discharge (R-A2) ---------------------------------------------------------


def can_decide(user, authorization) -> bool:
    """Pending, CalOptima Health's (R-A3), and the user is a reviewer."""
    return authorization.status == "pending" and not authorization.is_legacy and _is_reviewer(user)


def can_request_closure(user, authorization) -> bool:
    allowed = {authorization.provider_id, authorization.health_network_id} - {None}
    return user.organization_id in allowed and authorization.status in IN_FORCE


def decides_closures(user, authorization) -> bool:
    """The responsible party decides closures: the HN for its legacy ones, reviewers otherwise."""
    if authorization.is_legacy:
        return user.organization_id == authorization.health_network_id and (
            user.role in (Role.HEALTH_NETWORK_STAFF, Role.SITE_ADMIN)
        )
    return _is_reviewer(user)


def _change_errors(authorization, *, kind, reason, end_date, new_start_date, new_units) -> dict:
    """Refusals for a change or an end of an authorization in force, asked for or made (R-A2)."""
    errors = {}
    if authorization.status not in IN_FORCE:
        errors["authorization"] = "Only an authorization in force can be changed or ended."
    if kind not in ClosureRequest.Kind.values:
        errors["kind"] = "Choose change or end."
    if reason is not None:  # None: a decision, which gives its reason code instead
        if not reason.strip():
            errors["reason"] = "Say why."
        elif len(reason) > limits.TEXT:
            errors["reason"] = f"Keep it to {limits.TEXT:,} characters."
    if kind == ClosureRequest.Kind.END and end_date is None:
        errors["end_date"] = "Give the last day of service."
    start, end = new_start_date or authorization.start_date, end_date or authorization.end_date
    if end_date and end_date < start:
        errors["end_date"] = "The end date cannot be before the start date."
    elif end and end < start:
        errors["new_start_date"] = (
            f"The authorization ends {authorization.end_date:%-d %B %Y}: give a new end date too."
        )
    if (
        kind == ClosureRequest.Kind.END
        and end_date
        and authorization.end_date
        and end_date > authorization.end_date
    ):
        errors["end_date"] = (
            f"The authorization already ends {authorization.end_date:%-d %B %Y}: ending it later "
            "would extend it. Ask for a change of dates instead."
        )
    if kind == ClosureRequest.Kind.MODIFY and not (end_date or new_start_date or new_units):
        errors["kind"] = "Give the new dates or units."
    return errors


def _changes(authorization, *, kind, end_date, new_start_date, new_units) -> dict[str, tuple]:
    """What a change or an end does to the authorization: (old, new) per field that changes."""
    if kind == ClosureRequest.Kind.END:
        candidates = (("end_date", end_date),)
    else:
        candidates = (
            ("start_date", new_start_date),
            ("end_date", end_date),
            ("units", new_units),
        )
    return {
        name: (getattr(authorization, name), new)
        for name, new in candidates
        if new is not None and getattr(authorization, name) != new
    }


# The form field where each changed field is typed (the error goes beside it).
CHANGE_FIELDS = {"end_date": "end_date", "start_date": "new_start_date", "units": "new_units"}


def _date_of_action(*, kind, end_date, changes, notice_date, exception):
    """R-N5: the date a termination or reduction takes effect and the field that dates it, or
    (None, None) when the change takes nothing away (an extension, more units)."""
    if kind == ClosureRequest.Kind.END:
        return end_date, "end_date"
    dated = {f: day for f, day in rules.reductions(changes).items() if day is not None}
    if dated:
        field = min(dated, key=dated.get)
        return dated[field], CHANGE_FIELDS[field]
    if "units" in rules.reductions(changes):  # fewer units from the earliest date allowed
        day = notice_date if exception else rules.earliest_date_of_action(notice_date)
        return day, "new_units"
    return None, None


def _notice_period(*, kind, end_date, changes, exception, notice_date, field=None):
    """R-N5: (effective date, errors). A termination or reduction is dated at least 10 days after
    its notice unless the exception given allows less (42 CFR 431.211, 431.213-214)."""
    if exception and exception not in NoticeException.values:
        return None, {"notice_exception": "Choose one of the exceptions listed."}
    day, dated_by = _date_of_action(
        kind=kind, end_date=end_date, changes=changes, notice_date=notice_date, exception=exception
    )
    if day is None:
        return None, {}
    message = rules.notice_period_error(
        notice_date=notice_date, date_of_action=day, exception=exception
    )
    return day, ({field or dated_by: message} if message else {})


@transaction.atomic
def request_closure(
    *,
    user,
    authorization_id: int,
    kind: str,
    reason: str,
    end_date: datetime.date | None = None,
    new_start_date: datetime.date | None = None,
    new_units: int | None = None,
    notice_exception: str = "",
) -> ClosureRequest:
    """The provider asks to change or end an authorization in force; the request goes to the
    responsible party. A termination or reduction it asks for must leave 10 days' notice from
    today, or name the exception (R-N5)."""
    authorization = Authorization.objects.select_for_update().get(pk=authorization_id)
    allowed = {authorization.provider_id, authorization.health_network_id} - {None}
    if user.organization_id not in allowed:
        raise PermissionDenied("Only the provider or the authorizing HN can ask for this.")
    fields = {"end_date": end_date, "new_start_date": new_start_date, "new_units": new_units}
    errors = _change_errors(authorization, kind=kind, reason=reason or "", **fields)
    if not errors:
        _, errors = _notice_period(
            kind=kind,
            end_date=end_date,
            changes=_changes(authorization, kind=kind, **fields),
            exception=notice_exception or "",
            notice_date=business_today(),
        )
    if authorization.closure_requests.filter(state=ClosureRequest.State.PENDING).exists():
        errors["authorization"] = "A change request for this authorization is already pending."
    if errors:
        raise ValidationError(errors)
    closure = ClosureRequest.objects.create(
        authorization=authorization,
        kind=kind,
        reason=reason.strip(),
        notice_exception=notice_exception or "",
        requested_by=user,
        **fields,
    )
    _event(authorization, Event.Kind.CLOSURE_REQUESTED, user, note=closure.reason)
    return closure


def _explanation_errors(authorization, *, adverse, member_explanation, explanation_language):
    """R-N6 (part C's rule): the member's explanation, in the letter's language."""
    errors = rules.member_explanation_errors(
        adverse=adverse,
        letter_language=rules.letter_language(authorization.member.preferred_language),
        explanation=member_explanation,
        explanation_language=explanation_language,
    )
    if len(member_explanation or "") > limits.TEXT:
        errors["member_explanation"] = f"Keep it to {limits.TEXT:,} characters."
    return errors


def _apply_change(
    authorization,
    *,
    user,
    kind,
    changes,
    effective_date,
    notice_exception,
    note,
    member_explanation,
    explanation_language,
    reason_code="",
) -> Event:
    """End or change the authorization and keep the decision in its history, with what it takes
    away and when (R-N5). A change that only gives more (an extension, more units: what the
    provider asked) carries no adverse reason (R-N5: approval notice, part C)."""
    previous = authorization.status
    for name, (_old, new) in changes.items():
        setattr(authorization, name, new)
    if kind == ClosureRequest.Kind.END:
        authorization.status, event_kind = Status.TERMINATED, Event.Kind.TERMINATED
        reason_code = reason_code or ReasonCode.SERVICE_ENDED
    else:
        authorization.status, event_kind = Status.MODIFIED, Event.Kind.MODIFIED
        if rules.change_is_adverse(changes):
            reason_code = reason_code or ReasonCode.DATES_OR_UNITS
        elif reason_code in (ReasonCode.DATES_OR_UNITS, ReasonCode.SERVICE_ENDED):
            reason_code = ""  # gives what was asked: no adverse reason
    if authorization.end_date and authorization.end_date < authorization.start_date:
        # The authorization changed since the request (an HN file, another decision).
        raise ValidationError(
            {"end_date": "The requested dates no longer fit the authorization's dates."}
        )
    authorization.reason_code = reason_code
    authorization.decided_by, authorization.decided_at = user, timezone.now()
    authorization.decision_notes = note
    authorization.save()
    event = _event(
        authorization,
        event_kind,
        user,
        from_status=previous,
        note=note,
        reason_code=reason_code,
        **{name: f"{old} -> {new}" for name, (old, new) in changes.items()},
    )
    event.effective_date = effective_date
    event.notice_exception = notice_exception or ""
    event.member_explanation = (member_explanation or "").strip()
    event.explanation_language = explanation_language if event.member_explanation else ""
    event.save(
        update_fields=[
            "effective_date",
            "notice_exception",
            "member_explanation",
            "explanation_language",
        ]
    )
    return event


@transaction.atomic
def decide_closure(
    *,
    user,
    closure_id: int,
    approve: bool,
    note: str = "",
    notice_exception: str | None = None,
    member_explanation: str = "",
    explanation_language: str = "",
) -> Event:
    """The responsible party (CalOptima Health reviewers, or the HN for a legacy authorization)
    decides; an approval terminates or modifies the authorization and is kept in its history. A
    termination or reduction takes effect at least 10 days after today's notice unless the
    decider (or the request) names the exception (R-N5)."""
    closure = ClosureRequest.objects.select_for_update().get(pk=closure_id)
    authorization = (
        Authorization.objects.select_for_update()
        .select_related("member", "service")
        .get(pk=closure.authorization_id)
    )
    if not decides_closures(user, authorization):
        raise PermissionDenied("This request is decided by the authorization's responsible party.")
    if closure.state != ClosureRequest.State.PENDING:
        raise ValidationError({"state": f"This request was already {closure.state}."})
    note = (note or "").strip()
    if len(note) > limits.TEXT:
        raise ValidationError({"note": f"Keep it to {limits.TEXT:,} characters."})
    if not approve and not note:
        raise ValidationError({"note": "Give the reason for rejecting the request."})
    if not approve:
        return _reject_closure(closure, authorization, user=user, note=note)
    exception = closure.notice_exception if notice_exception is None else notice_exception
    fields = {
        "end_date": closure.end_date,
        "new_start_date": closure.new_start_date,
        "new_units": closure.new_units,
    }
    changes = _changes(authorization, kind=closure.kind, **fields)
    effective, errors = _notice_period(
        kind=closure.kind,
        end_date=closure.end_date,
        changes=changes,
        exception=exception,
        notice_date=business_today(),
        field="notice_exception",  # the request's dates are fixed: the decider may name one
    )
    adverse = closure.kind == ClosureRequest.Kind.END or rules.change_is_adverse(changes)
    errors.update(
        _explanation_errors(
            authorization,
            adverse=adverse,
            member_explanation=member_explanation,
            explanation_language=explanation_language,
        )
    )
    if errors:
        raise ValidationError(errors)
    closure.state = ClosureRequest.State.APPROVED
    closure.decided_by, closure.decided_at, closure.decision_note = user, timezone.now(), note
    closure.notice_exception = exception
    closure.save()
    return _apply_change(
        authorization,
        user=user,
        kind=closure.kind,
        changes=changes,
        effective_date=effective,
        notice_exception=exception,
        note=" ".join(filter(None, [closure.reason, note])),
        member_explanation=member_explanation,
        explanation_language=explanation_language,
    )


def _reject_closure(closure, authorization, *, user, note) -> Event:
    closure.state = ClosureRequest.State.REJECTED
    closure.decided_by, closure.decided_at, closure.decision_note = user, timezone.now(), note
    closure.save()
    return _event(
        authorization,
        Event.Kind.CLOSURE_REJECTED,
        user,
        note=note,
        from_status=authorization.status,
    )


def changes_legacy(user, authorization) -> bool:
    """R-A2: the HN that created a legacy authorization ends or changes it itself, in one step."""
    return (
        authorization.is_legacy
        and authorization.status in IN_FORCE
        and decides_closures(user, authorization)
    )


@transaction.atomic
def change_legacy(
    *,
    user,
    authorization_id: int,
    kind: str,
    reason_code: str,
    member_explanation: str = "",
    explanation_language: str = "",
    note: str = "",
    end_date: datetime.date | None = None,
    new_start_date: datetime.date | None = None,
    new_units: int | None = None,
    notice_exception: str = "",
) -> Event:
    """R-A2: the HN ends or changes its own legacy authorization in one step, with the reason,
    the member's explanation (R-N6) and 10 days' notice or an exception (R-N5). CalOptima Health
    staff see legacy authorizations but do not decide them. The caller queues the letter."""
    authorization = (
        Authorization.objects.select_for_update()
        .select_related("member", "service")
        .get(pk=authorization_id)
    )
    if not (authorization.is_legacy and decides_closures(user, authorization)):
        raise PermissionDenied("Only the health network that created it ends or changes it.")
    fields = {"end_date": end_date, "new_start_date": new_start_date, "new_units": new_units}
    errors = _change_errors(authorization, kind=kind, reason=None, **fields)
    if reason_code not in ReasonCode.values:
        errors["reason_code"] = "Give the reason."
    changes = _changes(authorization, kind=kind, **fields)
    effective = None
    if not errors:
        effective, errors = _notice_period(
            kind=kind,
            end_date=end_date,
            changes=changes,
            exception=notice_exception or "",
            notice_date=business_today(),
        )
    adverse = kind == ClosureRequest.Kind.END or rules.change_is_adverse(changes)
    errors.update(
        _decision_text_errors(
            authorization,
            adverse=adverse,
            reason_code=reason_code,
            note=note,
            member_explanation=member_explanation,
            explanation_language=explanation_language,
        )
    )
    if errors:
        raise ValidationError(errors)
    return _apply_change(
        authorization,
        user=user,
        kind=kind,
        changes=changes,
        effective_date=effective,
        notice_exception=notice_exception,
        note=(note or "").strip(),
        member_explanation=member_explanation,
        explanation_language=explanation_language,
        reason_code=reason_code,
    )


# --- Legacy authorizations from a health network's own records (R-A1, R-A2) -----------------------


def _hn_authorization_errors(
    network, *, hn_authorization_number, created_at, start_date, end_date, status
) -> dict:
    if not network.is_health_network:
        return {"network": f"{network} is not a health network."}
    if not (hn_authorization_number or "").strip():
        return {"hn_authorization_number": "is required."}
    if rules.responsible_party(created_at) != rules.HEALTH_NETWORK:
        return {
            "created_at": f"created {created_at.isoformat()}, on or after the 1 January 2023 "
            "cut-over: health networks no longer create authorizations (R-A1)."
        }
    if end_date and end_date < start_date:
        return {"end_date": "is before start_date."}
    if (status or "").strip().lower() not in Status.values:
        return {"status": f"'{status}' is not one of {Status.values}."}
    return {}


@transaction.atomic
def record_hn_authorization(
    *,
    network,
    hn_authorization_number: str,
    member,
    service,
    provider,
    created_at: datetime.datetime,
    start_date: datetime.date,
    end_date: datetime.date | None,
    status: str,
) -> bool:
    """R-A2: record a legacy authorization as the HN that created it reports it, upserted by
    network and number, with an IMPORTED event. Refused if created on or after the cut-over
    (R-A1). The status is a Status value in any case. Returns whether anything changed; the same
    report twice changes nothing."""
    errors = _hn_authorization_errors(
        network,
        hn_authorization_number=hn_authorization_number,
        created_at=created_at,
        start_date=start_date,
        end_date=end_date,
        status=status,
    )
    if errors:
        raise ValidationError(errors)
    hn_authorization_number, status = hn_authorization_number.strip(), status.strip().lower()
    values = {
        "member": member,
        "service": service,
        "provider": provider,
        "created_at": created_at,
        "start_date": start_date,
        "end_date": end_date,
        "status": status,
    }
    existing = (
        Authorization.objects.select_for_update()
        .filter(health_network=network, hn_authorization_number=hn_authorization_number)
        .first()
    )
    if existing and all(getattr(existing, k) == v for k, v in values.items()):
        return False
    authorization = existing or Authorization(
        health_network=network,
        hn_authorization_number=hn_authorization_number,
        responsible_party=rules.HEALTH_NETWORK,
        received_at=created_at,
    )
    previous = authorization.status if existing else ""
    for k, v in values.items():
        setattr(authorization, k, v)
    authorization.full_clean(exclude=["member", "service", "provider", "health_network"])
    authorization.save()
    _event(
        authorization,
        Event.Kind.IMPORTED,
        None,
        from_status=previous,
        note=f"HN file row {hn_authorization_number}.",
    )
    return True
