"""The periods a scheduled file covers, as California dates (common.dates.BUSINESS_TZ).

Weekly files cover Monday..Sunday; monthly files cover the 1st..the last day of a month. Every
function takes a California date (never an instant), so a beat firing at 00:30 Pacific on the 1st
asks for `business_today()` and gets the month starting that day, whatever the UTC date is."""

import calendar
import datetime

from django.core.exceptions import ValidationError

from common.dates import business_today

from .files.base import MONTHLY, WEEKLY

ONE_DAY = datetime.timedelta(days=1)
EARLIEST = datetime.date(2022, 1, 1)  # ECM and Community Supports began (CalAIM)


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The Monday..Sunday week holding a date."""
    start = day - datetime.timedelta(days=day.weekday())
    return start, start + datetime.timedelta(days=6)


def previous_week(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The whole Monday..Sunday week before the one holding `today` (R-F1: Monday 02:00 run)."""
    start, _ = week_of(today)
    return week_of(start - ONE_DAY)


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 1st..last day of the month holding a date."""
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def month_starting(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The month that starts on `today` if it is the 1st, else the next month to start (R-F2)."""
    if today.day == 1:
        return month_of(today)
    return month_of(month_of(today)[1] + ONE_DAY)


def previous_month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The whole month before the one holding `today` (reconciliation: the month just ended)."""
    return month_of(today.replace(day=1) - ONE_DAY)


def period_for(cadence: str, on_date: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of a cadence that holds a date."""
    if cadence == WEEKLY:
        return week_of(on_date)
    if cadence == MONTHLY:
        return month_of(on_date)
    raise ValueError(f"unknown cadence {cadence!r}")


def period_error(
    cadence: str, start: datetime.date, today: datetime.date | None = None
) -> str | None:
    """Why a date cannot start a period of this cadence, or None. A period starts on a Monday
    (weekly) or the 1st (monthly), not before ECM began (2022-01-01) and not after the next
    period to start (the month starting is the eligibility file's month, R-F2)."""
    if cadence == WEEKLY and start.weekday() != 0:
        return f"A weekly file starts on a Monday; {start:%A %Y-%m-%d} is not one."
    if cadence == MONTHLY and start.day != 1:
        return f"A monthly file starts on the 1st of a month; {start:%Y-%m-%d} is not."
    if start < EARLIEST:
        return f"Files start from {EARLIEST:%Y-%m-%d}, when ECM began."
    latest = period_for(cadence, today or business_today())[1] + ONE_DAY
    if start > latest:
        return f"That period has not begun: the latest a file can start is {latest:%Y-%m-%d}."
    return None


def checked_period(
    cadence: str, start: datetime.date, today: datetime.date | None = None
) -> tuple[datetime.date, datetime.date]:
    """The period that starts on `start`, or a ValidationError keyed "period_start"."""
    error = period_error(cadence, start, today)
    if error:
        raise ValidationError({"period_start": error})
    return period_for(cadence, start)
