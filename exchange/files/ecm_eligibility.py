"""Monthly outbound ECM member eligibility file, one per health network (R-F2).

For the month starting on `start` (the 1st): every member assigned to the network on the 1st who
is ECM-eligible on the 1st, as `members.rules.decide_eligibility` decides it (R-M3..R-M5, R-P1):
an eligibility span active on the 1st in a program that allows ECM on that date (never PACE;
OneCare only before 2024-01-01: `members.rules.PROGRAM_ECM_RULES`, read as data here), and at
least one POF held on the 1st that is live on the 1st for the member's age group on that date
(under 21: children and youth). The whole file is one query (EXISTS and scalar subqueries)."""

import datetime

from django.db.models import DateField, Exists, IntegerField, OuterRef, Q, Subquery, Value

from authorizations.models import IN_FORCE, Authorization
from members.models import (
    EligibilitySpan,
    HealthNetworkAssignment,
    Member,
    MemberPopulationOfFocus,
    Program,
)
from members.rules import CHILD_AGE_LIMIT, PROGRAM_ECM_RULES
from providers.models import ServiceKind

from .base import MONTHLY, Column, OutboundFile
from .sql import JoinedCodes, active_on

COLUMNS = (
    Column("eligible_on", "date (YYYY-MM-DD)", "The 1st of the month the file is for."),
    Column("member_cin", "text (9)", "The member's Medi-Cal CIN: 8 digits and a letter."),
    Column("member_id", "text", "The member's CalOptima Health member id."),
    Column("member_last_name", "text", "The member's last name."),
    Column("member_first_name", "text", "The member's first name."),
    Column("member_birth_date", "date (YYYY-MM-DD)", "The member's birth date."),
    Column("program", "code", "medi_cal or onecare (before 2024): the program on the 1st."),
    Column(
        "pofs",
        "codes joined by ;",
        "The Populations of Focus the member holds on the 1st that are live for the member's age "
        "group, in code order (e.g. 1a;3).",
    ),
    Column(
        "ecm_authorization_id",
        "integer",
        "The ECM authorization in force on the 1st (approved or modified, dates covering the "
        "1st; the latest-starting one if several); empty when none.",
    ),
    Column("ecm_provider_name", "text", "That authorization's ECM provider; empty when none."),
    Column("ecm_provider_npi", "text (10)", "That provider's NPI; empty when none or not on file."),
    Column("ecm_start_date", "date (YYYY-MM-DD)", "That authorization's first day."),
    Column(
        "ecm_end_date", "date (YYYY-MM-DD)", "That authorization's last day; empty: open-ended."
    ),
)


def ecm_programs(on: datetime.date) -> list[str]:
    """Programs whose members may receive ECM on a date (R-M4, R-M5), from the rules' table."""
    barred = {
        rule.program
        for rule in PROGRAM_ECM_RULES
        if rule.no_ecm_from is None or on >= rule.no_ecm_from
    }
    return [program for program in Program.values if program not in barred]


def child_born_after(on: datetime.date) -> datetime.date:
    """A member born after this date is under 21 on `on` (members.rules.CHILD_AGE_LIMIT)."""
    year = on.year - CHILD_AGE_LIMIT
    try:
        return on.replace(year=year)
    except ValueError:  # 29 February
        return datetime.date(year, 2, 28)


def live_populations(on: datetime.date):
    """The member's POFs held on `on` and live on `on` for their age group (R-M3, R-P1)."""
    cutoff = child_born_after(on)
    live = Q(member__birth_date__gt=cutoff, population__child_live_from__lte=on) | Q(
        member__birth_date__lte=cutoff, population__adult_live_from__lte=on
    )
    return MemberPopulationOfFocus.objects.filter(active_on(on), live, member=OuterRef("pk"))


def rows(network, start, end):
    """One row per ECM-eligible member of the network on the 1st, ordered by CIN."""
    on = start
    span = EligibilitySpan.objects.filter(active_on(on), member=OuterRef("pk"))
    assigned = HealthNetworkAssignment.objects.filter(
        active_on(on), member=OuterRef("pk"), health_network=network
    )
    pofs = live_populations(on)
    authorization = (
        Authorization.objects.filter(
            active_on(on),
            member=OuterRef("pk"),
            service__kind=ServiceKind.ECM,
            status__in=IN_FORCE,
        )
        .select_related(None)
        .order_by("-start_date", "-pk")
    )
    return (
        Member.objects.filter(
            Exists(assigned),
            Exists(span.filter(program__in=ecm_programs(on))),
            Exists(pofs),
        )
        .annotate(
            eligible_on=Value(on, output_field=DateField()),
            program=Subquery(span.values("program")[:1]),
            pofs=Subquery(
                pofs.order_by()
                .values("member")
                .annotate(c=JoinedCodes("population__code"))
                .values("c")
            ),
            ecm_authorization_id=Subquery(
                authorization.values("pk")[:1], output_field=IntegerField()
            ),
            ecm_provider_name=Subquery(authorization.values("provider__name")[:1]),
            ecm_provider_npi=Subquery(authorization.values("provider__npi")[:1]),
            ecm_start_date=Subquery(authorization.values("start_date")[:1]),
            ecm_end_date=Subquery(authorization.values("end_date")[:1]),
        )
        .order_by("cin")
        .values_list(
            "eligible_on",
            "cin",
            "member_id",
            "last_name",
            "first_name",
            "birth_date",
            "program",
            "pofs",
            "ecm_authorization_id",
            "ecm_provider_name",
            "ecm_provider_npi",
            "ecm_start_date",
            "ecm_end_date",
        )
    )


FILE = OutboundFile(
    kind="ecm_eligibility",
    title="ECM member eligibility file",
    rule="R-F2",
    cadence=MONTHLY,
    name_pattern="ECM_ELIGIBILITY_{network}_{start:%Y%m}.csv",
    columns=COLUMNS,
    rows=rows,
)
