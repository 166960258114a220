"""activities/rules.py (R-F1), table-driven: no database."""

import datetime

import pytest

from activities import rules

D = datetime.date
TODAY = D(2026, 3, 15)
START, END = D(2026, 1, 1), D(2026, 6, 30)


@pytest.mark.parametrize(
    "on, end, problem",
    [
        (TODAY, END, None),
        (START, END, None),  # the first day
        (D(2026, 3, 16), END, "future"),
        (D(2025, 12, 31), END, "inside"),
        (D(2026, 3, 1), D(2026, 2, 28), "inside"),  # after an end date in the past
        (D(2026, 2, 28), D(2026, 2, 28), None),  # the last day
        (D(2026, 3, 10), None, None),  # an open-ended authorization
        (D(2026, 3, 16), None, "future"),
    ],
)
def test_r_f1_date_problem(on, end, problem):
    found = rules.date_problem(on, today=TODAY, start=START, end=end)
    assert (found is None) if problem is None else (problem in found)


@pytest.mark.parametrize(
    "units, ok",
    [(1, True), (96, True), (0, False), (97, False), (-3, False), ("4", False), (4.0, False),
     (None, False), (True, False)],
)  # fmt: skip
def test_r_f1_units_problem(units, ok):
    assert (rules.units_problem(units) is None) == ok


@pytest.mark.parametrize(
    "activity_type, outcome, ok",
    [
        ("outreach_attempt", "reached", True),
        ("outreach_attempt", "not_reached", True),
        ("outreach_attempt", "", False),
        ("outreach_attempt", "maybe", False),
        ("engagement", "", True),
        ("engagement", "reached", False),
        ("community_referral", "not_reached", False),
    ],
)
def test_r_f1_outcome_problem(activity_type, outcome, ok):
    assert (rules.outcome_problem(activity_type, outcome) is None) == ok


@pytest.mark.parametrize(
    "kind, in_force, problem",
    [
        ("ecm", True, None),
        ("cs", True, "ECM authorization only"),
        ("ecm", False, "in force"),
        ("cs", False, "ECM authorization only"),
    ],
)
def test_r_f1_authorization_problem(kind, in_force, problem):
    found = rules.authorization_problem(service_kind=kind, in_force=in_force)
    assert (found is None) if problem is None else (problem in found)
