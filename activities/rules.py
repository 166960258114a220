"""Pure rules for ECM activities (R-F1): what a logged activity must be. No database access: the
service and the forms call these with plain values, so a rule has one source and one message."""

import datetime

from common import limits

from .models import MAX_UNITS, MIN_UNITS, ActivityType, Method, Outcome

ECM = "ecm"


def authorization_problem(*, service_kind: str, in_force: bool) -> str | None:
    """Activities are logged only against an ECM authorization in force (approved or modified)."""
    if service_kind != ECM:
        return "Activities are logged against an ECM authorization only."
    if not in_force:
        return (
            "Activities are logged only against an authorization in force (approved or modified)."
        )
    return None


def date_problem(
    on: datetime.date, *, today: datetime.date, start: datetime.date, end: datetime.date | None
) -> str | None:
    """The activity's California date: not in the future, and inside the authorization's dates."""
    if on > today:
        return f"The date cannot be in the future (today is {today:%-d %B %Y} in California)."
    if on < start or (end is not None and on > end):
        until = f"{end:%-d %B %Y}" if end else "open"
        return f"The date must be inside the authorization's dates ({start:%-d %B %Y} to {until})."
    return None


def units_problem(units) -> str | None:
    """15-minute units, a whole number from MIN_UNITS to MAX_UNITS (a whole day)."""
    if isinstance(units, bool) or not isinstance(units, int):
        return f"Units are a whole number of 15-minute units, {MIN_UNITS} to {MAX_UNITS}."
    if not MIN_UNITS <= units <= MAX_UNITS:
        return f"Units must be from {MIN_UNITS} to {MAX_UNITS} (15-minute units; 96 is a day)."
    return None


def outcome_problem(activity_type: str, outcome: str) -> str | None:
    """An outreach attempt says whether the member was reached; no other activity has an outcome."""
    if activity_type == ActivityType.OUTREACH_ATTEMPT:
        if outcome not in Outcome.values:
            return "Say whether the member was reached on this outreach attempt."
        return None
    if outcome:
        return "Only an outreach attempt has an outcome: leave it empty for this type."
    return None


def activity_problems(
    *,
    on: datetime.date | None,
    today: datetime.date,
    start: datetime.date,
    end: datetime.date | None,
    activity_type: str,
    method: str,
    units,
    outcome: str,
    note: str,
) -> dict[str, str]:
    """Every refusal of one activity, keyed by field (empty when it may be logged)."""
    problems = {}
    if on is None:
        problems["date"] = "Give the date of the activity."
    elif problem := date_problem(on, today=today, start=start, end=end):
        problems["date"] = problem
    if activity_type not in ActivityType.values:
        problems["activity_type"] = "Choose one of the ECM core components."
    if method not in Method.values:
        problems["method"] = "Choose how the activity took place."
    if problem := units_problem(units):
        problems["units"] = problem
    known_type = activity_type in ActivityType.values
    if known_type and (problem := outcome_problem(activity_type, outcome)):
        problems["outcome"] = problem
    if len(note or "") > limits.TEXT:
        problems["note"] = f"Keep the note to {limits.TEXT:,} characters (it has {len(note):,})."
    return problems


DUPLICATE = (
    "An activity of this type and method is already logged for this member on this date. "
    "If this is a second one, confirm to log it anyway."
)
