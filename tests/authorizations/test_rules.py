"""Authorization rules, table-driven, named by rule id."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from authorizations.rules import (
    decision_due_at,
    earliest_reauthorization,
    ecm_default_end,
    is_business_day,
    responsible_party,
)

PT = ZoneInfo("America/Los_Angeles")
UTC = datetime.UTC


def dt(s: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(s)


@pytest.mark.parametrize(
    "created_at, party",
    [
        (dt("2022-12-31T23:59:59-08:00"), "health_network"),
        (dt("2023-01-01T00:00:00-08:00"), "caloptima_health"),
        # UTC instants on both sides of Pacific midnight: 08:00 UTC is 00:00 PST.
        (dt("2023-01-01T07:59:59+00:00"), "health_network"),
        (dt("2023-01-01T08:00:00+00:00"), "caloptima_health"),
        # Already 1 January in UTC, still 31 December in California.
        (dt("2023-01-01T03:00:00+00:00"), "health_network"),
        (dt("2022-06-30T12:00:00-07:00"), "health_network"),
        (dt("2024-02-29T09:00:00-08:00"), "caloptima_health"),
        # Other offsets: the instant, not the wall clock, is compared.
        (dt("2023-01-01T02:59:59-05:00"), "health_network"),
        (dt("2023-01-01T03:00:00-05:00"), "caloptima_health"),
    ],
)
def test_r_a1_responsible_party_around_the_cutover(created_at, party):
    assert responsible_party(created_at) == party


def test_r_a1_cutover_date_is_one_setting(settings):
    settings.CALAIM_CUTOVER_DATE = datetime.date(2024, 1, 1)
    assert responsible_party(dt("2023-06-01T00:00:00-07:00")) == "health_network"


def test_r_a1_naive_instants_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        responsible_party(datetime.datetime(2023, 1, 1))


@pytest.mark.parametrize(
    "received_at, urgency, due",
    [
        # Expedited: 72 hours after receipt, weekends and holidays included.
        # 72 elapsed hours across the DST change of 8 March: 11:00 PDT.
        ("2026-03-06T10:00:00-08:00", "expedited", "2026-03-09T11:00:00-07:00"),
        ("2026-11-25T16:30:00-08:00", "expedited", "2026-11-28T16:30:00-08:00"),
        # Standard received on a Friday: 5 business days end Fri 13 March; the 7-day cap (same
        # California wall-clock time a week later) is sooner.
        ("2026-03-06T10:00:00-08:00", "standard", "2026-03-13T10:00:00-07:00"),
        # Received on a Saturday: 5th business day is Friday 13 March, before the cap (Sat 14).
        ("2026-03-07T10:00:00-08:00", "standard", "2026-03-13T23:59:59.999999-07:00"),
        # Received on a Sunday: Mon..Fri; end of Friday is before the cap (Sunday 10:00).
        ("2026-03-08T10:00:00-07:00", "standard", "2026-03-13T23:59:59.999999-07:00"),
        # Saturday before Thanksgiving: Thu 26 and Fri 27 are state holidays, so the 5th business
        # day is Tue 1 Dec; the 7-day cap (Sat 28) is sooner.
        ("2026-11-21T09:00:00-08:00", "standard", "2026-11-28T09:00:00-08:00"),
        # Sunday before Cesar Chavez Day (Tue 31 March): Mon, Wed, Thu, Fri, Mon -> cap Sun 5 Apr.
        ("2026-03-29T08:00:00-07:00", "standard", "2026-04-05T08:00:00-07:00"),
        # Saturday 27 June before Independence Day observed (Fri 3 July): Mon..Thu, then Mon 6 July
        # would be the 5th business day; the cap (Sat 4 July) is sooner.
        ("2026-06-27T12:00:00-07:00", "standard", "2026-07-04T12:00:00-07:00"),
        # A receipt late on Friday in California that is already Saturday in UTC counts as Friday.
        ("2026-03-07T06:30:00+00:00", "standard", "2026-03-13T22:30:00-07:00"),
    ],
)
def test_r_a8_decision_due_at(received_at, urgency, due):
    assert decision_due_at(dt(received_at), urgency) == dt(due)


@pytest.mark.parametrize("received_at", ["2026-03-06T10:00:00-08:00", "2026-11-21T09:00:00-08:00"])
def test_r_a8_standard_never_later_than_seven_calendar_days(received_at):
    received = dt(received_at)
    assert decision_due_at(received, "standard") <= received + datetime.timedelta(days=7)


@pytest.mark.parametrize(
    "day, business",
    [
        (datetime.date(2026, 11, 26), False),  # Thanksgiving
        (datetime.date(2026, 11, 27), False),  # Day after Thanksgiving (California)
        (datetime.date(2026, 3, 31), False),  # Cesar Chavez Day (California)
        (datetime.date(2026, 11, 28), False),  # Saturday
        (datetime.date(2026, 11, 30), True),
    ],
)
def test_r_a8_business_days_skip_weekends_and_state_holidays(day, business):
    assert is_business_day(day) is business


def test_r_a8_unknown_urgency_is_refused():
    with pytest.raises(ValueError):
        decision_due_at(dt("2026-03-06T10:00:00-08:00"), "whenever")


@pytest.mark.parametrize(
    "start, end, reauth",
    [
        (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30), datetime.date(2026, 7, 1)),
        (datetime.date(2026, 8, 31), datetime.date(2027, 2, 27), datetime.date(2027, 2, 28)),
        (datetime.date(2027, 8, 31), datetime.date(2028, 2, 28), datetime.date(2028, 2, 29)),
    ],
)
def test_r_a5_ecm_period_and_reauthorization(start, end, reauth):
    assert ecm_default_end(start) == end
    assert earliest_reauthorization(start) == reauth
