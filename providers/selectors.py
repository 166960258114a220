"""What the providers app reads for others: the directory, health networks, users in scope."""

from django.db.models import Prefetch, QuerySet

from .models import EcmPanelEntry, Offering, Organization, PanelChangeRequest, Service, User


def health_networks_by_name() -> dict[str, Organization]:
    """Health networks keyed by lower-cased name, for imports."""
    return {o.name.lower(): o for o in Organization.objects.health_networks()}


def caloptima_health() -> Organization:
    return Organization.objects.get(is_caloptima=True)


def services() -> QuerySet[Service]:
    return Service.objects.all()


def directory(
    *, service_code: str = "", population_code: str = "", accepting: bool | None = None
) -> QuerySet[Organization]:
    """Active provider organizations with their offerings (capacity) and ECM panel, filtered by
    service, POF and accepting-referrals. Loaded in a fixed number of queries."""
    qs = Organization.objects.active().filter(offerings__isnull=False)
    offering_filter = {}
    if service_code:
        offering_filter["service__code"] = service_code
    if accepting is not None:
        offering_filter["accepting_referrals"] = accepting
    if offering_filter:
        qs = qs.filter(**{f"offerings__{k}": v for k, v in offering_filter.items()})
    if population_code:
        qs = qs.filter(panel_entries__population__code=population_code)
    offerings = Offering.objects.select_related("service").order_by("service__available_from")
    if offering_filter:
        offerings = offerings.filter(**offering_filter)
    return (
        qs.distinct()
        .order_by("name")
        .prefetch_related(
            Prefetch("offerings", queryset=offerings),
            Prefetch(
                "panel_entries",
                queryset=EcmPanelEntry.objects.select_related("population").order_by(
                    "population__code"
                ),
            ),
        )
    )


def organization_users(user) -> QuerySet[User]:
    """R-X1: the users a site administrator manages: their own organization's, nobody else's."""
    if not user.is_authenticated or user.organization_id is None:
        return User.objects.none()
    return (
        User.objects.filter(organization_id=user.organization_id)
        .select_related("auth_token")
        .order_by("last_name", "first_name", "username")
    )


def panel_requests_for(user) -> QuerySet[PanelChangeRequest]:
    """System admins see every panel change request; others their organization's (R-P3)."""
    qs = PanelChangeRequest.objects.select_related(
        "organization", "population", "requested_by", "decided_by"
    )
    if user.is_system_admin:
        return qs
    return qs.filter(organization_id=user.organization_id)


def offering_of(organization, service) -> Offering | None:
    """The organization's offering of a service (with capacity), or None."""
    if organization is None:
        return None
    return Offering.objects.filter(organization=organization, service=service).first()


def ecm_panel_of(organization) -> set[str]:
    """The POF codes on an organization's ECM panel (R-P2)."""
    return set(
        EcmPanelEntry.objects.filter(organization=organization).values_list(
            "population__code", flat=True
        )
    )


def referral_providers(service) -> QuerySet[Organization]:
    """Active organizations accepting referrals for a service: the ones a referrer may choose."""
    return Organization.objects.active().filter(
        offerings__service=service, offerings__accepting_referrals=True
    )


def offerings_of_service(service) -> QuerySet[Offering]:
    return Offering.objects.filter(service=service, organization__active=True).select_related(
        "organization"
    )


def offerings_of_organization(organization) -> QuerySet[Offering]:
    if organization is None:
        return Offering.objects.none()
    return Offering.objects.filter(organization=organization).select_related("service")


def organization_by_name(name: str) -> Organization | None:
    return Organization.objects.filter(name__iexact=(name or "").strip()).first()


def service_by_code(code: str) -> Service | None:
    return Service.objects.filter(code=(code or "").strip()).first()


def services_with_providers(service_ids) -> set[int]:
    """Of these services, the ids some active organization accepts referrals for (one query)."""
    return set(
        Offering.objects.filter(
            service_id__in=service_ids, accepting_referrals=True, organization__active=True
        ).values_list("service_id", flat=True)
    )
