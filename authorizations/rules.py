"""Pure authorization rules: who is responsible (R-A1) and when a decision is due (R-A8). No
database access."""

import datetime
from functools import lru_cache

import holidays
from django.conf import settings

from common.dates import BUSINESS_TZ

HEALTH_NETWORK = "health_network"
CALOPTIMA_HEALTH = "caloptima_health"
RESPONSIBLE_PARTY_LABELS = {HEALTH_NETWORK: "Health network", CALOPTIMA_HEALTH: "CalOptima Health"}

EXPEDITED_HOURS = 72
STANDARD_BUSINESS_DAYS = 5
STANDARD_CAP_DAYS = 7
ECM_PERIOD_MONTHS = 6


def _aware(instant: datetime.datetime, name: str) -> datetime.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return instant


def cutover_instant() -> datetime.datetime:
    """Midnight starting the cut-over date, California time (R-A1). The date is one setting."""
    return datetime.datetime.combine(settings.CALAIM_CUTOVER_DATE, datetime.time(), BUSINESS_TZ)


def responsible_party(created_at: datetime.datetime) -> str:
    """R-A1: created before the cut-over (in California time) -> the HN that created it; on or
    after -> CalOptima Health. The creation instant governs, not the start date."""
    if _aware(created_at, "created_at") < cutover_instant():
        return HEALTH_NETWORK
    return CALOPTIMA_HEALTH


@lru_cache(maxsize=8)
def _california_holidays(year: int) -> holidays.HolidayBase:
    return holidays.US(subdiv="CA", years=[year, year + 1])


def is_business_day(day: datetime.date) -> bool:
    """Not a weekend and not a California state holiday."""
    return day.weekday() < 5 and day not in _california_holidays(day.year)


def decision_due_at(received_at: datetime.datetime, urgency: str) -> datetime.datetime:
    """R-A8: expedited 72 hours after receipt; standard at the end of the 5th business day after
    the day of receipt (California calendar), and never later than 7 calendar days after receipt."""
    received_at = _aware(received_at, "received_at")
    if urgency == "expedited":  # hours are elapsed time, across a DST change too
        return received_at.astimezone(datetime.UTC) + datetime.timedelta(hours=EXPEDITED_HOURS)
    if urgency != "standard":
        raise ValueError(f"unknown urgency {urgency!r}")
    day = received_at.astimezone(BUSINESS_TZ).date()
    counted = 0
    while counted < STANDARD_BUSINESS_DAYS:
        day += datetime.timedelta(days=1)
        counted += is_business_day(day)
    end_of_day = datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(), BUSINESS_TZ
    ) - datetime.timedelta(microseconds=1)
    # Calendar days: the same California wall-clock time a week later.
    cap = received_at.astimezone(BUSINESS_TZ) + datetime.timedelta(days=STANDARD_CAP_DAYS)
    return min(end_of_day, cap)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's end (31 Aug + 6 -> 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def ecm_default_end(start: datetime.date) -> datetime.date:
    """R-A5: an ECM approval runs six months by default: to the day before the same date six
    months on."""
    return add_months(start, ECM_PERIOD_MONTHS) - datetime.timedelta(days=1)


def earliest_reauthorization(previous_start: datetime.date) -> datetime.date:
    """R-A5: a reauthorization for the same member and provider starts no sooner than six months
    after the previous one started."""
    return add_months(previous_start, ECM_PERIOD_MONTHS)


def due_state(due_at: datetime.datetime | None, now: datetime.datetime) -> str:
    """'overdue', 'due_today' (California date) or '' for the review queue (R-A8)."""
    if due_at is None:
        return ""
    if due_at < now:
        return "overdue"
    if due_at.astimezone(BUSINESS_TZ).date() == now.astimezone(BUSINESS_TZ).date():
        return "due_today"
    return ""


def parse_file_instant(value: str) -> datetime.datetime:
    """An ISO 8601 instant from an HN file: with an offset as given, without one in California
    time. Raises ValueError."""
    instant = datetime.datetime.fromisoformat(value.strip())
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=BUSINESS_TZ)
    return instant


# --- The member's explanation on a letter (R-N3, R-N6) -------------------------------------------

# R-N3: letters exist in these languages; any other preferred language gets English + taglines.
LETTER_LANGUAGES = {"en": "English", "es": "Spanish"}


def letter_language(preferred: str) -> str:
    """R-N3: the member's language where a letter template exists, else English (with taglines)."""
    return preferred if preferred in LETTER_LANGUAGES else "en"


def member_explanation_errors(
    *, adverse: bool, letter_language: str, explanation: str, explanation_language: str
) -> dict[str, str]:
    """R-N6: a letter speaks one language. The explanation for the member is written in the
    letter's language; an adverse decision (R-N2) needs one, except that a letter in another
    language than English may leave it empty and print the reason's translated standard text.
    Returns field -> message; empty when the explanation may be printed as given."""
    explanation = (explanation or "").strip()
    language_name = LETTER_LANGUAGES.get(letter_language, letter_language)
    if not explanation:
        if adverse and letter_language == "en":
            return {
                "member_explanation": "Explain this decision to the member: it is printed in "
                "the letter. Notes for the file go in the note for the file."
            }
        return {}
    written_in = explanation_language or "en"
    if written_in != letter_language:
        return {
            "explanation_language": f"The member's letter is in {language_name}: write the "
            f"explanation in {language_name} and say so, or leave it empty to print the "
            f"standard {language_name} text of the reason."
        }
    return {}


# --- Advance notice of a termination or reduction (R-N5) -----------------------------------------

# 42 CFR 431.211: the notice goes out at least 10 days before the date of action.
NOTICE_DAYS = 10


def _change_value(text):
    """A value of Event.changes as stored ('2024-06-03', '12', 'None') back as a date or int."""
    if text in (None, "None", ""):
        return None
    if isinstance(text, str) and len(text) == 10 and text[4] == "-":
        return datetime.date.fromisoformat(text)
    try:
        return int(text)
    except (TypeError, ValueError):
        return text


def parse_changes(changes: dict[str, str]) -> dict[str, tuple]:
    """Event.changes ('old -> new' per field) as (old, new) pairs of dates and numbers."""
    return {
        name: tuple(_change_value(part) for part in value.split(" -> "))
        for name, value in changes.items()
        if isinstance(value, str) and " -> " in value
    }


def reductions(changes: dict[str, tuple]) -> dict[str, datetime.date | None]:
    """R-N5: the fields of a change ((old, new) per field) that take away service in force, each
    with its date of action where the change itself dates it: an end date brought forward (or set
    on an open authorization) -> the new end date; a start moved later -> the old start; fewer
    units -> None (the decider's date). A change that gives what was asked, or more (a later end,
    more units), reduces nothing and is not adverse."""
    found: dict[str, datetime.date | None] = {}
    if "end_date" in changes:
        old, new = changes["end_date"]
        if new is not None and (old is None or new < old):
            found["end_date"] = new
    if "start_date" in changes:
        old, new = changes["start_date"]
        if old is not None and new is not None and new > old:
            found["start_date"] = old
    if "units" in changes:
        old, new = changes["units"]
        if new is not None and (old is None or new < old):
            found["units"] = None
    return found


def earliest_date_of_action(notice_date: datetime.date) -> datetime.date:
    """R-N5: the first day a termination or reduction may take effect without an exception."""
    return notice_date + datetime.timedelta(days=NOTICE_DAYS)


def notice_period_error(
    *, notice_date: datetime.date, date_of_action: datetime.date, exception: str
) -> str:
    """R-N5 (42 CFR 431.211, 431.213-214): a termination or reduction takes effect at least 10
    days after its notice, unless an exception applies (the member's request, death, loss of
    eligibility, whereabouts unknown, an institution). Returns the message, or '' when allowed."""
    earliest = earliest_date_of_action(notice_date)
    if exception or date_of_action >= earliest:
        return ""
    return (
        f"The member's letter is dated {notice_date:%-d %B %Y}: a termination or reduction takes "
        f"effect at least {NOTICE_DAYS} days later, on {earliest:%-d %B %Y} at the earliest, "
        "unless an exception below applies."
    )


def change_is_adverse(changes: dict[str, tuple], requested: dict | None = None) -> bool:
    """R-N5, R-N2: is a change ((old, new) per field, see parse_changes) adverse to the member?
    It is when it takes away service (reductions), gives less than was asked (`requested`: the
    dates, units or provider asked for), or names another provider than asked. A change that
    gives what was asked (an extension, more units, an earlier start) is an approval."""
    if reductions(changes):
        return True
    after = {name: new for name, (_old, new) in changes.items()}
    asked = {
        name: (value, after[name]) for name, value in (requested or {}).items() if name in after
    }
    if reductions(asked):
        return True
    return "provider" in after and (requested or {}).get("provider") != after["provider"]
