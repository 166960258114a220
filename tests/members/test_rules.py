"""Pure member rules, table-driven, named by rule id."""

import datetime

import pytest

from members.rules import HeldPopulation, Span, decide_eligibility, pcp_change_effective_date

D = datetime.date
ADULT = D(1970, 5, 17)
CHILD = D(2015, 5, 17)
POF_1A = HeldPopulation("1a", D(2022, 1, 1), None)
POF_2 = HeldPopulation("2", D(2022, 1, 1), D(2023, 7, 1))
POF_5 = HeldPopulation("5", D(2023, 1, 1), None)


def verdict(on, spans, pops=(POF_1A,), birth=ADULT):
    return decide_eligibility(
        on=on, birth_date=birth, spans=list(spans), populations=list(pops), health_network="HN"
    )


@pytest.mark.parametrize(
    "on, spans, expected_program",
    [
        (D(2023, 6, 30), [Span("medi_cal", D(2022, 1, 1), D(2023, 6, 30))], "medi_cal"),
        (D(2023, 7, 1), [Span("medi_cal", D(2022, 1, 1), D(2023, 6, 30))], None),
        (D(2021, 12, 31), [Span("medi_cal", D(2022, 1, 1), None)], None),
        (
            D(2024, 2, 1),
            [
                Span("medi_cal", D(2022, 1, 1), D(2023, 12, 31)),
                Span("onecare", D(2024, 1, 1), None),
            ],
            "onecare",
        ),
    ],
)
def test_r_m2_eligibility_is_for_the_given_date(on, spans, expected_program):
    assert verdict(on, spans).program == expected_program


def test_r_m2_decide_needs_an_explicit_date():
    with pytest.raises(TypeError):
        decide_eligibility(birth_date=ADULT, spans=[], populations=[], health_network=None)


@pytest.mark.parametrize(
    "spans, pops, on, ecm, cs, blocking_codes",
    [
        # R-M3: active Medi-Cal and a live POF
        ([Span("medi_cal", D(2022, 1, 1), None)], [POF_1A], D(2024, 5, 1), True, True, []),
        # R-M3: no enrolment on the date: no ECM, no CS, a certain refusal
        (
            [Span("medi_cal", D(2022, 1, 1), D(2023, 1, 31))],
            [POF_1A],
            D(2024, 5, 1),
            False,
            False,
            ["R-M3"],
        ),
        # R-M3: enrolled, but no POF on record: not eligible, for review (not blocking)
        ([Span("medi_cal", D(2022, 1, 1), None)], [], D(2024, 5, 1), False, True, []),
        # R-P1: POF 5 not live before 2023
        ([Span("medi_cal", D(2022, 1, 1), None)], [POF_5], D(2022, 6, 1), False, True, []),
    ],
)
def test_r_m3_ecm_needs_managed_care_and_a_pof(spans, pops, on, ecm, cs, blocking_codes):
    v = verdict(on, spans, pops)
    assert (v.ecm_eligible, v.cs_eligible) == (ecm, cs)
    assert [r.code for r in v.reasons if r.blocking] == blocking_codes


@pytest.mark.parametrize("on", [D(2022, 3, 1), D(2024, 3, 1), D(2026, 11, 25)])
def test_r_m4_pace_members_get_community_supports_but_no_ecm(on):
    v = verdict(on, [Span("pace", D(2022, 1, 1), None)])
    assert v.ecm_eligible is False
    assert v.cs_eligible is True
    assert [r.code for r in v.blocking_reasons("ecm")] == ["R-M4"]
    assert v.blocking_reasons("cs") == []


@pytest.mark.parametrize(
    "on, ecm",
    [
        (D(2023, 12, 31), True),  # decision: before 2024 OneCare is ECM-eligible like Medi-Cal
        (D(2024, 1, 1), False),
        (D(2025, 6, 1), False),
    ],
)
def test_r_m5_onecare_ecm_ends_2024_community_supports_stay(on, ecm):
    v = verdict(on, [Span("onecare", D(2022, 1, 1), None)])
    assert v.ecm_eligible is ecm
    assert v.cs_eligible is True
    assert ("R-M5" in [r.code for r in v.blocking_reasons("ecm")]) is (not ecm)


def test_r_m6_several_pofs_same_ecm():
    v = verdict(D(2024, 1, 1), [Span("medi_cal", D(2022, 1, 1), None)], [POF_1A, POF_2])
    assert v.ecm_eligible is True
    assert v.populations == ("1a", "2")


@pytest.mark.parametrize(
    "on, ecm",
    [(D(2023, 6, 30), False), (D(2023, 7, 1), True)],  # R-P1: POF 2 live for children 2023-07-01
)
def test_r_p1_child_pofs_go_live_later(on, ecm):
    v = verdict(on, [Span("medi_cal", D(2022, 1, 1), None)], [POF_2], birth=CHILD)
    assert v.ecm_eligible is ecm


@pytest.mark.parametrize(
    "requested_on, seen, expected",
    [
        (D(2026, 3, 1), False, D(2026, 3, 1)),
        (D(2026, 3, 15), False, D(2026, 3, 1)),
        (D(2026, 3, 16), False, D(2026, 4, 1)),
        (D(2026, 3, 10), True, D(2026, 4, 1)),
        (D(2026, 12, 20), False, D(2027, 1, 1)),
        (D(2026, 12, 5), True, D(2027, 1, 1)),
        (D(2026, 1, 31), False, D(2026, 2, 1)),
    ],
)
def test_r_m8_pcp_change_effective_date(requested_on, seen, expected):
    assert pcp_change_effective_date(requested_on, seen) == expected
