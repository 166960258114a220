"""Pure member rules: eligibility for a date (R-M2..R-M6), PCP change dates (R-M8). No database."""

import datetime
from dataclasses import dataclass, field

from common.dates import age_on

ONECARE_ECM_END = datetime.date(2024, 1, 1)
CHILD_AGE_LIMIT = 21  # DHCS: "children and youth" are under 21


@dataclass(frozen=True)
class ProgramEcmRule:
    """A program that cannot receive ECM from a date (None: always). Rules over time are data."""

    program: str
    no_ecm_from: datetime.date | None
    rule_id: str
    text: str


# R-M4, R-M5: who cannot receive ECM, and from when. Community Supports stay open to both.
PROGRAM_ECM_RULES = (
    ProgramEcmRule(
        "pace",
        None,
        "R-M4",
        "PACE members do not receive ECM: PACE already coordinates their care.",
    ),
    ProgramEcmRule(
        "onecare",
        ONECARE_ECM_END,
        "R-M5",
        "OneCare members are not eligible for ECM from 1 January 2024.",
    ),
)


@dataclass(frozen=True)
class Span:
    program: str
    start_date: datetime.date
    end_date: datetime.date | None


@dataclass(frozen=True)
class HeldPopulation:
    code: str
    adult_live_from: datetime.date | None
    child_live_from: datetime.date | None
    name: str = ""

    @property
    def label(self) -> str:
        """How a user reads it: the code with the population's name (R-P1)."""
        return f"POF {self.code} ({self.name})" if self.name else f"POF {self.code}"


@dataclass(frozen=True)
class Reason:
    """Why a member is or is not eligible. `blocking` reasons are certain refusals; the others are
    for review (missing POF evidence, for example)."""

    code: str
    text: str
    service_kind: str  # "ecm", "cs" or "all"
    blocking: bool


@dataclass(frozen=True)
class Verdict:
    on: datetime.date
    program: str | None
    health_network: str | None
    populations: tuple[str, ...]
    ecm_eligible: bool
    cs_eligible: bool
    reasons: tuple[Reason, ...] = field(default=())
    population_labels: tuple[str, ...] = field(default=())  # "POF 2 (Individuals at risk ...)"

    def blocking_reasons(self, service_kind: str) -> list[Reason]:
        return [r for r in self.reasons if r.blocking and r.service_kind in (service_kind, "all")]


def covers(start: datetime.date, end: datetime.date | None, on: datetime.date) -> bool:
    return start <= on and (end is None or on <= end)


def periods_overlap(a_start, a_end, b_start, b_end) -> bool:
    """Inclusive date periods; None as end means open-ended."""
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


def pof_live_for(pop: HeldPopulation, is_child: bool) -> datetime.date | None:
    return pop.child_live_from if is_child else pop.adult_live_from


def decide_eligibility(
    *,
    on: datetime.date,
    birth_date: datetime.date,
    spans: list[Span],
    populations: list[HeldPopulation],
    health_network: str | None,
) -> Verdict:
    """ECM and Community Supports eligibility on a given date (R-M2 to R-M6).

    `populations` are the POFs the member holds on `on`. ECM needs active Medi-Cal managed care on
    the date (R-M3), a program that allows ECM on the date (R-M4, R-M5) and a POF live on the date
    for the member's age group (R-M3, R-P1).
    Community Supports need active enrolment in any program.
    """
    when = on.strftime("%-d %B %Y")
    reasons: list[Reason] = []
    active = [s for s in spans if covers(s.start_date, s.end_date, on)]
    program = active[0].program if active else None
    is_child = age_on(birth_date, on) < CHILD_AGE_LIMIT

    if program is None:
        reasons.append(
            Reason("R-M3", f"No active Medi-Cal managed care enrolment on {when}.", "all", True)
        )
        return Verdict(on, None, health_network, (), False, False, tuple(reasons))

    ecm = True
    for rule in PROGRAM_ECM_RULES:
        if rule.program == program and (rule.no_ecm_from is None or on >= rule.no_ecm_from):
            reasons.append(Reason(rule.rule_id, rule.text, "ecm", True))
            ecm = False

    live = []
    for pop in populations:
        live_from = pof_live_for(pop, is_child)
        if live_from is not None and live_from <= on:
            live.append(pop.code)
    if not populations:
        reasons.append(
            Reason("R-M3", f"No Population of Focus on record for {when}.", "ecm", False)
        )
        ecm = False
    elif not live:
        group = "children and youth" if is_child else "adults"
        held = ", ".join(p.label for p in populations)
        reasons.append(Reason("R-P1", f"{held} is not live for {group} on {when}.", "ecm", False))
        ecm = False

    if ecm:
        through = ", ".join(p.label for p in populations if p.code in live)
        reasons.append(Reason("R-M6", f"Eligible for ECM through {through}.", "ecm", False))
    reasons.append(
        Reason("R-C2", "Enrolled on the date: Community Supports may be requested.", "cs", False)
    )
    return Verdict(
        on,
        program,
        health_network,
        tuple(p.code for p in populations),
        ecm,
        True,
        tuple(reasons),
        tuple(p.label for p in populations),
    )


def pcp_change_effective_date(
    requested_on: datetime.date, seen_assigned_pcp: bool
) -> datetime.date:
    """R-M8: before the 16th and not seen the PCP -> first of this month; else next."""
    first = requested_on.replace(day=1)
    if requested_on.day < 16 and not seen_assigned_pcp:
        return first
    return (first + datetime.timedelta(days=32)).replace(day=1)


# R-X2: before a member is in the user's scope (a referral by CIN and birth date), eligibility is
# said as eligible or not and why, in words that name no program, health network or POF.
_PLAIN_TEXTS = {
    ("R-M3", True): "No active enrolment on {when}: no service can be requested for that date.",
    ("R-M4", True): "Not eligible for ECM on {when}: the member's coverage does not include ECM.",
    ("R-M5", True): "Not eligible for ECM on {when}: the member's coverage does not include ECM.",
    ("R-M3", False): "No Population of Focus on record for {when}: CalOptima Health will review.",
    ("R-P1", False): "No Population of Focus open to the member's age group on {when}: "
    "CalOptima Health will review.",
    ("R-M6", False): "Eligible for ECM on {when}.",
    ("R-C2", False): "Enrolled on {when}: Community Supports may be requested.",
}


def plain_verdict(verdict: Verdict) -> Verdict:
    """The verdict without program, health network or POF codes, its reasons in plain words."""
    when = verdict.on.strftime("%-d %B %Y")
    reasons = tuple(
        Reason(
            r.code,
            _PLAIN_TEXTS.get(
                (r.code, r.blocking), "CalOptima Health will review eligibility."
            ).format(when=when),
            r.service_kind,
            r.blocking,
        )
        for r in verdict.reasons
    )
    return Verdict(verdict.on, None, None, (), verdict.ecm_eligible, verdict.cs_eligible, reasons)
