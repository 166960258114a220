"""Periods of the scheduled files in California time (R-F1, R-F2, R-F3): edges of weeks and
months, daylight-saving weeks, and the beat firing just after midnight Pacific."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from common.dates import business_date
from exchange import periods
from exchange.files.base import MONTHLY, WEEKLY

PT = ZoneInfo("America/Los_Angeles")
UTC = datetime.UTC
d = datetime.date


def pacific(*parts) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=PT)


@pytest.mark.parametrize(
    "instant, week",
    [
        # A week that crosses a month end: Monday 28 September .. Sunday 4 October 2026.
        (pacific(2026, 10, 5, 2, 0), (d(2026, 9, 28), d(2026, 10, 4))),
        # The week daylight saving time begins (Sunday 8 March 2026, 02:00 -> 03:00).
        (pacific(2026, 3, 9, 2, 0), (d(2026, 3, 2), d(2026, 3, 8))),
        # The week it ends (Sunday 1 November 2026, 02:00 -> 01:00): that week, not the next.
        (pacific(2026, 11, 2, 2, 0), (d(2026, 10, 26), d(2026, 11, 1))),
        # A year end: Monday 4 January 2027 runs Monday 28 December .. Sunday 3 January.
        (pacific(2027, 1, 4, 2, 0), (d(2026, 12, 28), d(2027, 1, 3))),
    ],
)
def test_r_f1_monday_beat_picks_the_week_before_in_california(instant, week):
    """The beat fires Monday 02:00 Pacific (09:00 or 10:00 UTC): the whole week before."""
    assert periods.previous_week(business_date(instant)) == week


def test_r_f1_daylight_saving_weeks_hold_seven_california_days():
    for monday in (d(2026, 3, 2), d(2026, 10, 26)):
        start, end = periods.week_of(monday)
        assert (start, (end - start).days) == (monday, 6)
    # Sunday 23:30 Pacific on the day DST begins is Monday 06:30 UTC, still that Sunday here.
    late_sunday = pacific(2026, 3, 8, 23, 30)
    assert late_sunday.astimezone(UTC).date() == d(2026, 3, 9)
    assert periods.week_of(business_date(late_sunday)) == (d(2026, 3, 2), d(2026, 3, 8))
    # ... and on the day it ends, Monday 07:30 UTC.
    late_sunday = pacific(2026, 11, 1, 23, 30)
    assert late_sunday.astimezone(UTC).date() == d(2026, 11, 2)
    assert periods.week_of(business_date(late_sunday)) == (d(2026, 10, 26), d(2026, 11, 1))


@pytest.mark.parametrize(
    "instant, utc_hour, month",
    [
        # 00:30 Pacific on the 1st is 08:30 UTC (PST) or 07:30 UTC (PDT) on the 1st: the month
        # starting that day, never the one before.
        (pacific(2026, 12, 1, 0, 30), 8, (d(2026, 12, 1), d(2026, 12, 31))),
        (pacific(2026, 4, 1, 0, 30), 7, (d(2026, 4, 1), d(2026, 4, 30))),
        (pacific(2027, 1, 1, 0, 30), 8, (d(2027, 1, 1), d(2027, 1, 31))),
        (pacific(2028, 2, 1, 0, 30), 8, (d(2028, 2, 1), d(2028, 2, 29))),  # a leap February
    ],
)
def test_r_f2_first_of_month_after_midnight_pacific_is_the_month_starting(instant, utc_hour, month):
    assert instant.astimezone(UTC).hour == utc_hour
    assert periods.month_starting(business_date(instant)) == month


def test_r_f2_last_evening_of_a_month_is_already_the_next_day_in_utc():
    """23:30 Pacific on 30 November is 07:30 UTC on 1 December: still November here, and the
    month starting next is December."""
    instant = pacific(2026, 11, 30, 23, 30)
    assert instant.astimezone(UTC).date() == d(2026, 12, 1)
    assert business_date(instant) == d(2026, 11, 30)
    assert periods.month_starting(business_date(instant)) == (d(2026, 12, 1), d(2026, 12, 31))


@pytest.mark.parametrize(
    "today, month",
    [
        (d(2026, 12, 1), (d(2026, 11, 1), d(2026, 11, 30))),
        (d(2027, 1, 1), (d(2026, 12, 1), d(2026, 12, 31))),
        (d(2028, 3, 1), (d(2028, 2, 1), d(2028, 2, 29))),
    ],
)
def test_r_a7_reconciliation_covers_the_month_just_ended(today, month):
    assert periods.previous_month(today) == month


@pytest.mark.parametrize(
    "cadence, start, field_error",
    [
        (WEEKLY, d(2026, 11, 17), "starts on a Monday"),  # a Tuesday
        (MONTHLY, d(2026, 11, 2), "starts on the 1st"),
        (WEEKLY, d(2021, 12, 27), "when ECM began"),
        (MONTHLY, d(2021, 12, 1), "when ECM began"),
        (WEEKLY, d(2026, 12, 7), "has not begun"),  # today is Wednesday 25 November 2026
        (MONTHLY, d(2027, 1, 1), "has not begun"),
    ],
)
def test_period_start_is_checked_for_its_cadence(cadence, start, field_error):
    with pytest.raises(ValidationError) as raised:
        periods.checked_period(cadence, start, today=d(2026, 11, 25))
    assert field_error in " ".join(raised.value.message_dict["period_start"])


@pytest.mark.parametrize(
    "cadence, start, period",
    [
        (WEEKLY, d(2026, 11, 23), (d(2026, 11, 23), d(2026, 11, 29))),  # the week under way
        (WEEKLY, d(2026, 11, 30), (d(2026, 11, 30), d(2026, 12, 6))),  # the next to start
        (MONTHLY, d(2026, 12, 1), (d(2026, 12, 1), d(2026, 12, 31))),  # the month starting
        (WEEKLY, d(2022, 1, 3), (d(2022, 1, 3), d(2022, 1, 9))),
    ],
)
def test_period_starts_accepted(cadence, start, period):
    assert periods.checked_period(cadence, start, today=d(2026, 11, 25)) == period
