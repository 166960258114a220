"""The provider roster: organizations, services they offer, ECM panels, capacity, and users
(R-P2, R-P3, R-C1, R-X1)."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from . import rules


def validate_npi(value):
    if not rules.npi_is_valid(value):
        raise ValidationError(
            "An NPI is 10 digits whose last digit is the Luhn check digit (with the 80840 prefix)."
        )


# The most open slots an offering can publish: more is a typing slip, not capacity.
MAX_OPEN_SLOTS = 10_000


class OrganizationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def health_networks(self):
        return self.filter(is_health_network=True)


class Organization(models.Model):
    """A party in CalAIM. It may be several kinds (most HNs are also ECM providers)."""

    name = models.CharField(max_length=200, unique=True)
    is_caloptima = models.BooleanField("CalOptima Health", default=False)
    is_health_network = models.BooleanField("health network", default=False)
    is_county = models.BooleanField("county", default=False)
    is_ecm_provider = models.BooleanField("ECM provider", default=False)
    is_cs_provider = models.BooleanField("Community Supports provider", default=False)
    is_referring_organization = models.BooleanField("referring organization", default=False)
    npi = models.CharField("NPI", max_length=10, blank=True, validators=[validate_npi])
    address = models.CharField(max_length=250, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    active = models.BooleanField(default=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_caloptima"], condition=Q(is_caloptima=True), name="one_caloptima_health"
            )
        ]

    def __str__(self):
        return self.name

    KIND_FIELDS = (
        ("is_caloptima", "CalOptima Health"),
        ("is_health_network", "Health network"),
        ("is_county", "County"),
        ("is_ecm_provider", "ECM provider"),
        ("is_cs_provider", "Community Supports provider"),
        ("is_referring_organization", "Referring organization"),
    )

    @property
    def kinds(self) -> list[str]:
        return [label for field, label in self.KIND_FIELDS if getattr(self, field)]


class ServiceKind(models.TextChoices):
    ECM = "ecm", "Enhanced Care Management"
    CS = "cs", "Community Supports"


class Service(models.Model):
    """ECM or a Community Support, available from its date (R-C1). Data, not code (R-C4)."""

    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=3, choices=ServiceKind.choices)
    available_from = models.DateField()
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["kind", "available_from", "name"]

    def __str__(self):
        return self.name


class Offering(models.Model):
    """A service an organization offers, with its published capacity (R-R3)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="offerings"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="offerings")
    accepting_referrals = models.BooleanField(default=True)
    open_slots = models.PositiveIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(MAX_OPEN_SLOTS)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization__name", "service__name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "service"], name="one_offering")
        ]

    def __str__(self):
        return f"{self.organization} offers {self.service}"


class EcmPanelEntry(models.Model):
    """A Population of Focus an organization serves as ECM provider (R-P2)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="panel_entries"
    )
    population = models.ForeignKey(
        "members.PopulationOfFocus", on_delete=models.PROTECT, related_name="panel_entries"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "population__code"]
        verbose_name = "ECM panel entry"
        verbose_name_plural = "ECM panel entries"
        constraints = [
            models.UniqueConstraint(fields=["organization", "population"], name="one_panel_entry")
        ]

    def __str__(self):
        return f"{self.organization}: POF {self.population.code}"


class PanelChangeRequest(models.Model):
    """An ECM provider's request to add or remove a POF on its panel; an admin decides (R-P3)."""

    class Action(models.TextChoices):
        ADD = "add", "Add"
        REMOVE = "remove", "Remove"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="panel_change_requests"
    )
    population = models.ForeignKey("members.PopulationOfFocus", on_delete=models.PROTECT)
    action = models.CharField(max_length=6, choices=Action.choices)
    expertise_statement = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        "providers.User", on_delete=models.PROTECT, related_name="panel_requests_made"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        "providers.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="panel_requests_decided",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "population"],
                condition=Q(status="pending"),
                name="one_pending_panel_request",
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} POF {self.population.code} for {self.organization}"


class Role(models.TextChoices):
    CARE_COORDINATOR = "care_coordinator", "Care coordinator"
    PROVIDER_STAFF = "provider_staff", "Provider staff"
    UTILIZATION_REVIEWER = "utilization_reviewer", "Utilization reviewer"
    HEALTH_NETWORK_STAFF = "health_network_staff", "Health network staff"
    SITE_ADMIN = "site_admin", "Site administrator"
    SYSTEM_ADMIN = "system_admin", "System admin"


class User(AbstractUser):
    """One person, one account (no shared accounts, R-X1), in one organization with a role."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=24, choices=Role.choices, default=Role.CARE_COORDINATOR)

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def clean(self):
        super().clean()
        problem = rules.role_problem(self.role, self.organization)
        if problem:
            raise ValidationError({"role": problem})

    @property
    def is_caloptima_staff(self) -> bool:
        """CalOptima Health staff see every record (R-X2)."""
        return self.is_superuser or bool(self.organization and self.organization.is_caloptima)

    @property
    def is_system_admin(self) -> bool:
        return self.is_superuser or self.role == Role.SYSTEM_ADMIN

    @property
    def is_site_admin(self) -> bool:
        return self.role == Role.SITE_ADMIN

    @property
    def requires_two_factor(self) -> bool:
        return rules.two_factor_required(
            role=self.role,
            is_caloptima=bool(self.organization and self.organization.is_caloptima),
            is_superuser=self.is_superuser,
        )
