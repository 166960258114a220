"""Pure notice rules: R-N5 (a change that gives what was asked is an approval, not an adverse
notice) and the letter each decision gets (R-N2)."""

import datetime

import pytest

from authorizations.rules import change_is_adverse
from notices import rules

D = datetime.date


@pytest.mark.parametrize(
    "changes, requested, adverse",
    [
        # Gives what was asked, or more: an approval.
        ({"end_date": (D(2024, 12, 2), D(2025, 6, 1))}, None, False),  # extension
        ({"end_date": (D(2024, 12, 2), D(2025, 6, 1))}, {"end_date": D(2025, 6, 1)}, False),
        ({"end_date": (D(2024, 12, 2), None)}, None, False),  # made open-ended
        ({"units": (20, 40)}, {"units": 40}, False),  # more units, as asked
        ({"start_date": (D(2024, 6, 3), D(2024, 5, 20))}, {"start_date": D(2024, 5, 20)}, False),
        (
            {
                "start_date": (D(2024, 6, 3), D(2024, 5, 20)),
                "end_date": (D(2024, 12, 2), D(2025, 3, 1)),
            },
            None,
            False,
        ),
        ({"provider": ("Clinic A", "Clinic B")}, {"provider": "Clinic B"}, False),
        # Takes service away: adverse.
        ({"end_date": (D(2024, 12, 2), D(2024, 9, 30))}, None, True),  # shortened
        ({"end_date": (None, D(2024, 9, 30))}, None, True),  # an end set on an open one
        ({"units": (40, 20)}, None, True),
        ({"units": (None, 40)}, None, True),  # a limit set where there was none
        ({"start_date": (D(2024, 6, 3), D(2024, 7, 1))}, None, True),  # start delayed
        # Less than asked, though more than before: adverse.
        ({"end_date": (D(2024, 12, 2), D(2025, 1, 31))}, {"end_date": D(2025, 6, 1)}, True),
        ({"units": (20, 30)}, {"units": 40}, True),
        # Another provider than asked.
        ({"provider": ("Clinic A", "Clinic B")}, None, True),
        ({"provider": ("Clinic A", "Clinic C")}, {"provider": "Clinic B"}, True),
        # Extension with fewer units: still adverse.
        ({"end_date": (D(2024, 12, 2), D(2025, 6, 1)), "units": (40, 20)}, None, True),
    ],
)
def test_r_n5_a_change_that_gives_what_was_asked_is_not_adverse(changes, requested, adverse):
    assert change_is_adverse(changes, requested) is adverse


@pytest.mark.parametrize(
    "event_kind, service_kind, adverse, kind",
    [
        ("modified", "ecm", True, "modification"),
        ("modified", "ecm", False, "change_approval"),
        ("modified", "cs", True, "modification"),
        ("modified", "cs", False, None),  # CS approvals get no letter yet (R-N2)
        ("approved", "ecm", False, "approval"),
        ("approved", "cs", False, None),
        ("denied", "cs", True, "denial"),
        ("terminated", "ecm", True, "termination"),
    ],
)
def test_r_n2_r_n5_the_letter_a_decision_gets(event_kind, service_kind, adverse, kind):
    assert rules.letter_kind(event_kind, service_kind, adverse=adverse) == kind


@pytest.mark.parametrize(
    "kind, appeal",
    [
        ("denial", True),
        ("termination", True),
        ("modification", True),
        ("approval", False),
        ("change_approval", False),
    ],
)
def test_r_n5_only_adverse_letters_carry_an_appeal_date(kind, appeal):
    dates = rules.notice_dates(D(2026, 3, 6), lambda day: day.weekday() < 5, kind=kind)
    assert (dates["appeal_by"] is not None) is appeal
