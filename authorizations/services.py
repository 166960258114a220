"""What the authorizations app does: open requests, assign, decide (R-A3, R-A5, R-A6), service
closure and discharge (R-A2), and the HN daily-file import. One transaction each; a refusal raises
ValidationError naming the field and changes nothing."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from common.csv_import import ImportReport, parse_date, run_import
from common.dates import business_date
from members.selectors import eligibility_on, member_by_cin
from providers.models import Role
from providers.selectors import organization_by_name, service_by_code
from referrals import services as referral_services

from . import rules
from .models import IN_FORCE, Authorization, ClosureRequest, Event, ReasonCode, Status, Urgency

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


@transaction.atomic
def decide(
    *,
    user,
    authorization_id: int,
    decision: str,
    reason_code: str = "",
    notes: str = "",
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    units: int | None = None,
    provider=None,
) -> Event:
    """Approve, modify (dates, units, provider) or deny a pending request (R-A3, R-A6). Exactly one
    decision stands: the row is locked and a decided request refuses a second decision."""
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
    if errors:
        raise ValidationError(errors)
    previous = authorization.status
    authorization.status = DECISIONS[decision]
    authorization.reason_code = reason_code
    authorization.decision_notes = (notes or "").strip()
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
) -> ClosureRequest:
    """The provider (or, for legacy ones, the HN) asks to change or end an authorization in force;
    the request goes to the responsible party."""
    authorization = Authorization.objects.select_for_update().get(pk=authorization_id)
    allowed = {authorization.provider_id, authorization.health_network_id} - {None}
    if user.organization_id not in allowed:
        raise PermissionDenied("Only the provider or the authorizing HN can ask for this.")
    errors = {}
    if authorization.status not in IN_FORCE:
        errors["authorization"] = "Only an authorization in force can be changed or ended."
    if kind not in ClosureRequest.Kind.values:
        errors["kind"] = "Choose change or end."
    if not (reason or "").strip():
        errors["reason"] = "Say why."
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
    if authorization.closure_requests.filter(state=ClosureRequest.State.PENDING).exists():
        errors["authorization"] = "A change request for this authorization is already pending."
    if errors:
        raise ValidationError(errors)
    closure = ClosureRequest.objects.create(
        authorization=authorization,
        kind=kind,
        reason=reason.strip(),
        end_date=end_date,
        new_start_date=new_start_date,
        new_units=new_units,
        requested_by=user,
    )
    _event(authorization, Event.Kind.CLOSURE_REQUESTED, user, note=closure.reason)
    return closure


@transaction.atomic
def decide_closure(*, user, closure_id: int, approve: bool, note: str = "") -> Event:
    """The responsible party (CalOptima Health reviewers, or the HN for a legacy authorization)
    decides; an approval terminates or modifies the authorization and is kept in its history."""
    closure = ClosureRequest.objects.select_for_update().get(pk=closure_id)
    authorization = Authorization.objects.select_for_update().get(pk=closure.authorization_id)
    if not decides_closures(user, authorization):
        raise PermissionDenied("This request is decided by the authorization's responsible party.")
    if closure.state != ClosureRequest.State.PENDING:
        raise ValidationError({"state": f"This request was already {closure.state}."})
    if not approve and not (note or "").strip():
        raise ValidationError({"note": "Give the reason for rejecting the request."})
    closure.state = ClosureRequest.State.APPROVED if approve else ClosureRequest.State.REJECTED
    closure.decided_by, closure.decided_at = user, timezone.now()
    closure.decision_note = (note or "").strip()
    closure.save()
    previous = authorization.status
    if not approve:
        return _event(
            authorization,
            Event.Kind.CLOSURE_REJECTED,
            user,
            note=closure.decision_note,
            from_status=previous,
        )
    changes = {}
    if closure.kind == ClosureRequest.Kind.END:
        changes["end_date"] = f"{authorization.end_date} -> {closure.end_date}"
        authorization.end_date = closure.end_date
        authorization.status = Status.TERMINATED
        kind, reason = Event.Kind.TERMINATED, ReasonCode.SERVICE_ENDED
    else:
        for name, new in (
            ("start_date", closure.new_start_date),
            ("end_date", closure.end_date),
            ("units", closure.new_units),
        ):
            if new is not None and getattr(authorization, name) != new:
                changes[name] = f"{getattr(authorization, name)} -> {new}"
                setattr(authorization, name, new)
        authorization.status = Status.MODIFIED
        kind, reason = Event.Kind.MODIFIED, ReasonCode.DATES_OR_UNITS
    if authorization.end_date and authorization.end_date < authorization.start_date:
        # The authorization changed since the request (an HN file, another decision).
        raise ValidationError(
            {"end_date": "The requested dates no longer fit the authorization's dates."}
        )
    authorization.reason_code = reason
    authorization.decided_by, authorization.decided_at = user, timezone.now()
    authorization.decision_notes = closure.reason
    authorization.save()
    return _event(
        authorization,
        kind,
        user,
        from_status=previous,
        note=" ".join(filter(None, [closure.reason, closure.decision_note])),
        reason_code=reason,
        **changes,
    )


# --- HN daily authorization file (legacy, R-A1, R-A2) ---------------------------------------------

HN_COLUMNS = (
    "hn_authorization_number",
    "cin",
    "service_code",
    "provider_name",
    "created_at",
    "start_date",
    "end_date",
    "status",
)


@transaction.atomic
def _apply_hn_row(network, row) -> bool:
    number = (row.get("hn_authorization_number") or "").strip()
    if not number:
        raise ValidationError({"hn_authorization_number": "is required."})
    try:
        created_at = rules.parse_file_instant(row.get("created_at") or "")
    except ValueError:
        raise ValidationError(
            {"created_at": f"'{row.get('created_at')}' is not an ISO 8601 date-time."}
        ) from None
    if rules.responsible_party(created_at) != rules.HEALTH_NETWORK:
        raise ValidationError(
            {
                "created_at": f"created {created_at.isoformat()}, on or after the 1 January 2023 "
                "cut-over: health networks no longer create authorizations (R-A1)."
            }
        )
    member = member_by_cin((row.get("cin") or "").strip())
    if member is None:
        raise ValidationError({"cin": f"no member with CIN '{row.get('cin')}'."})
    service = service_by_code((row.get("service_code") or "").strip())
    if service is None:
        raise ValidationError({"service_code": f"unknown service '{row.get('service_code')}'."})
    provider = organization_by_name((row.get("provider_name") or "").strip())
    if provider is None:
        raise ValidationError({"provider_name": f"unknown provider '{row.get('provider_name')}'."})
    start = parse_date(row.get("start_date"), "start_date", required=True)
    end = parse_date(row.get("end_date"), "end_date", required=False)
    if end and end < start:
        raise ValidationError({"end_date": "is before start_date."})
    status = (row.get("status") or "").strip().lower()
    if status not in Status.values:
        raise ValidationError({"status": f"'{row.get('status')}' is not one of {Status.values}."})
    values = {
        "member": member,
        "service": service,
        "provider": provider,
        "created_at": created_at,
        "start_date": start,
        "end_date": end,
        "status": status,
    }
    existing = (
        Authorization.objects.select_for_update()
        .filter(health_network=network, hn_authorization_number=number)
        .first()
    )
    if existing and all(getattr(existing, k) == v for k, v in values.items()):
        return False
    authorization = existing or Authorization(
        health_network=network,
        hn_authorization_number=number,
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
        note=f"HN file row {number}.",
    )
    return True


def import_hn_authorizations(*, network, lines) -> ImportReport:
    """Load a health network's daily legacy-authorization file: upsert by network and number, each
    row in its own transaction, bad rows reported by line, a re-run changes nothing."""
    if not network.is_health_network:
        raise ValidationError({"network": f"{network} is not a health network."})
    return run_import(lines, HN_COLUMNS, lambda row: _apply_hn_row(network, row))
