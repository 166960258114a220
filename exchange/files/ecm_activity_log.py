"""Weekly ECM activity log, one per health network (R-F1).

Every ECM activity dated in the Monday..Sunday week (California dates, as logged) of a member
whose health network assignment on the activity's date is this network. **Decision:** the
assignment on the activity date governs, not the assignment on the run date: a member who moves
to another network mid-week is reported to each network for the days they were its member, and
never to a network for days the member was not assigned to it (R-X2)."""

from django.db.models import Exists, OuterRef

from activities.models import EcmActivity
from members.models import HealthNetworkAssignment

from .base import WEEKLY, Column, OutboundFile
from .sql import active_on

COLUMNS = (
    Column("activity_id", "integer", "CalAIM Connect's id of the activity (stable across runs)."),
    Column("activity_date", "date (YYYY-MM-DD)", "The California date of the activity."),
    Column("member_cin", "text (9)", "The member's Medi-Cal CIN: 8 digits and a letter."),
    Column("member_id", "text", "The member's CalOptima Health member id."),
    Column("member_last_name", "text", "The member's last name."),
    Column("member_first_name", "text", "The member's first name."),
    Column("member_birth_date", "date (YYYY-MM-DD)", "The member's birth date."),
    Column("authorization_id", "integer", "The ECM authorization the activity was logged on."),
    Column("provider_name", "text", "The ECM provider that did the activity."),
    Column("provider_npi", "text (10)", "The provider's NPI; empty when not on file."),
    Column(
        "activity_type",
        "code",
        "outreach_attempt, engagement, assessment, coordination, health_promotion, "
        "transitional_care, family_supports or community_referral (the ECM core components).",
    ),
    Column("method", "code", "in_person, phone, video, text or mail."),
    Column("units", "integer", "15-minute units, 1 to 96."),
    Column("outcome", "code", "reached or not_reached for an outreach attempt; else empty."),
    Column("source", "code", "logged (in CalAIM Connect) or outreach_tracker (from that file)."),
)

FIELDS = (
    "pk",
    "date",
    "member__cin",
    "member__member_id",
    "member__last_name",
    "member__first_name",
    "member__birth_date",
    "authorization_id",
    "provider__name",
    "provider__npi",
    "activity_type",
    "method",
    "units",
    "outcome",
    "source",
)


def rows(network, start, end):
    """One row per activity in [start, end] of the network's members on the activity's date."""
    assigned = HealthNetworkAssignment.objects.filter(
        active_on(OuterRef("date")), member=OuterRef("member_id"), health_network=network
    )
    return (
        EcmActivity.objects.filter(date__gte=start, date__lte=end)
        .filter(Exists(assigned))
        .order_by("date", "pk")
        .values_list(*FIELDS)
    )


FILE = OutboundFile(
    kind="ecm_activity_log",
    title="ECM activity log",
    rule="R-F1",
    cadence=WEEKLY,
    name_pattern="ECM_ACTIVITY_LOG_{network}_{start:%Y%m%d}_{end:%Y%m%d}.csv",
    columns=COLUMNS,
    rows=rows,
)
