"""Monthly Population of Focus list, one per health network (R-P4, R-F3).

For the month starting on `start` (the 1st): every member assigned to the network on the 1st who
holds a POF on the 1st, one row per member and POF. When a member holds the same POF through two
overlapping periods, the one that started last is the row (one row per member and POF)."""

from django.db.models import DateField, Exists, OuterRef, Value

from members.models import HealthNetworkAssignment, MemberPopulationOfFocus

from .base import MONTHLY, Column, OutboundFile
from .sql import active_on

COLUMNS = (
    Column("listed_on", "date (YYYY-MM-DD)", "The 1st of the month the list is for."),
    Column("member_cin", "text (9)", "The member's Medi-Cal CIN: 8 digits and a letter."),
    Column("member_id", "text", "The member's CalOptima Health member id."),
    Column("member_last_name", "text", "The member's last name."),
    Column("member_first_name", "text", "The member's first name."),
    Column("member_birth_date", "date (YYYY-MM-DD)", "The member's birth date."),
    Column("pof_code", "code", "The DHCS Population of Focus code (1a, 1b, 2 ... 9)."),
    Column("pof_name", "text", "The population's name."),
    Column("pof_start_date", "date (YYYY-MM-DD)", "The first day the member holds this POF."),
    Column("pof_end_date", "date (YYYY-MM-DD)", "The last day; empty: open-ended."),
)


def rows(network, start, end):
    """One row per member of the network on the 1st and POF they hold on the 1st."""
    on = start
    assigned = HealthNetworkAssignment.objects.filter(
        active_on(on), member=OuterRef("member_id"), health_network=network
    )
    later_same = MemberPopulationOfFocus.objects.filter(
        active_on(on),
        member=OuterRef("member_id"),
        population=OuterRef("population_id"),
        start_date__gt=OuterRef("start_date"),
    )
    return (
        MemberPopulationOfFocus.objects.filter(active_on(on))
        .filter(Exists(assigned), ~Exists(later_same))
        .annotate(listed_on=Value(on, output_field=DateField()))
        .order_by("member__cin", "population__code")
        .values_list(
            "listed_on",
            "member__cin",
            "member__member_id",
            "member__last_name",
            "member__first_name",
            "member__birth_date",
            "population__code",
            "population__name",
            "start_date",
            "end_date",
        )
    )


FILE = OutboundFile(
    kind="pof_list",
    title="Population of Focus list",
    rule="R-P4",
    cadence=MONTHLY,
    name_pattern="POF_LIST_{network}_{start:%Y%m}.csv",
    columns=COLUMNS,
    rows=rows,
)
