"""Monthly reconciliation file of authorizations, one per health network (R-A7, R-F3).

Every authorization CalOptima Health is responsible for (R-A1, R-A3) that was created, or had a
step in its history (a decision, an assignment, a change), during the month in California time,
with its state when the file is made. **Decision:** an authorization goes to the health network
the member is assigned to on the month's last day (the network that answers for the member now);
for a member with no assignment that day (left the plan), to `Authorization.member_network`, the
member's network when the request came in. A re-run after later changes shows the later state."""

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, TruncDate

from authorizations.models import Authorization, Event, ResponsibleParty
from common.dates import BUSINESS_TZ
from members.models import HealthNetworkAssignment

from .base import MONTHLY, Column, OutboundFile
from .sql import active_on, california_day_bounds

COLUMNS = (
    Column("authorization_id", "integer", "CalAIM Connect's id of the authorization."),
    Column("member_cin", "text (9)", "The member's Medi-Cal CIN: 8 digits and a letter."),
    Column("member_id", "text", "The member's CalOptima Health member id."),
    Column("member_last_name", "text", "The member's last name."),
    Column("member_first_name", "text", "The member's first name."),
    Column("member_birth_date", "date (YYYY-MM-DD)", "The member's birth date."),
    Column("service_code", "code", "The service's code (ECM or a Community Support)."),
    Column("service_kind", "code", "ecm or cs."),
    Column("service_name", "text", "The service's name."),
    Column("provider_name", "text", "The provider authorized (or asked) to deliver it."),
    Column("provider_npi", "text (10)", "The provider's NPI; empty when not on file."),
    Column(
        "status",
        "code",
        "The state when the file is made: pending, approved, modified, denied, terminated, "
        "expired or withdrawn.",
    ),
    Column("start_date", "date (YYYY-MM-DD)", "The first day authorized (or asked for)."),
    Column("end_date", "date (YYYY-MM-DD)", "The last day; empty: open-ended."),
    Column("units", "integer", "Units authorized; empty when the service has none."),
    Column("created_on", "date (YYYY-MM-DD)", "The California date the authorization was made."),
    Column(
        "last_changed_on",
        "date (YYYY-MM-DD)",
        "The California date of its last step in the month (its creation date if none).",
    ),
)


def rows(network, start, end):
    """One row per CalOptima Health authorization created or changed in [start, end] for the
    network's members, ordered by id."""
    since, until = california_day_bounds(start, end)
    in_month = Event.objects.filter(authorization=OuterRef("pk"), at__gte=since, at__lt=until)
    assigned_at_end = HealthNetworkAssignment.objects.filter(
        active_on(end), member=OuterRef("member_id")
    )
    network_members = Exists(assigned_at_end.filter(health_network=network)) | (
        Q(member_network=network) & ~Exists(assigned_at_end)
    )
    return (
        Authorization.objects.filter(responsible_party=ResponsibleParty.CALOPTIMA_HEALTH)
        .filter(Q(created_at__gte=since, created_at__lt=until) | Exists(in_month))
        .filter(network_members)
        .annotate(
            created_on=TruncDate("created_at", tzinfo=BUSINESS_TZ),
            last_changed_on=Coalesce(
                TruncDate(Subquery(in_month.order_by("-at").values("at")[:1]), tzinfo=BUSINESS_TZ),
                TruncDate("created_at", tzinfo=BUSINESS_TZ),
            ),
        )
        .order_by("pk")
        .values_list(
            "pk",
            "member__cin",
            "member__member_id",
            "member__last_name",
            "member__first_name",
            "member__birth_date",
            "service__code",
            "service__kind",
            "service__name",
            "provider__name",
            "provider__npi",
            "status",
            "start_date",
            "end_date",
            "units",
            "created_on",
            "last_changed_on",
        )
    )


FILE = OutboundFile(
    kind="reconciliation",
    title="Authorization reconciliation file",
    rule="R-A7",
    cadence=MONTHLY,
    name_pattern="AUTH_RECONCILIATION_{network}_{start:%Y%m}.csv",
    columns=COLUMNS,
    rows=rows,
)
