"""Authorizations of ECM and Community Supports (R-A1..R-A8), their history, and service closure
and discharge requests."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .rules import CALOPTIMA_HEALTH, HEALTH_NETWORK


class ResponsibleParty(models.TextChoices):
    HEALTH_NETWORK = HEALTH_NETWORK, "Health network"
    CALOPTIMA_HEALTH = CALOPTIMA_HEALTH, "CalOptima Health"


class Urgency(models.TextChoices):
    STANDARD = "standard", "Standard"
    EXPEDITED = "expedited", "Expedited"


class Status(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    MODIFIED = "modified", "Modified"
    DENIED = "denied", "Denied"
    TERMINATED = "terminated", "Terminated"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


IN_FORCE = [Status.APPROVED, Status.MODIFIED]


class ReasonCode(models.TextChoices):
    """Why a request was denied, modified or ended (R-A6), in words a member understands."""

    NOT_ELIGIBLE = "not_eligible", "You are not eligible for this service on the date asked."
    NOT_MEDICALLY_APPROPRIATE = (
        "not_medically_appropriate",
        "The information we have does not show that this service is medically appropriate for you.",
    )
    NOT_COST_EFFECTIVE = (
        "not_cost_effective",
        "This service is not a cost-effective alternative to the care covered for you.",
    )
    DUPLICATIVE = "duplicative", "You already receive a service that does the same thing."
    NOT_AVAILABLE_YET = "not_available_yet", "This service was not yet offered on the date asked."
    INSUFFICIENT_INFORMATION = (
        "insufficient_information",
        "We did not receive the information needed to approve the request.",
    )
    PROVIDER_CHANGE = "provider_change", "Another provider will deliver the service."
    DATES_OR_UNITS = "dates_or_units", "We approved different dates or amounts than asked."
    SERVICE_ENDED = "service_ended", "The service is no longer needed or has ended."
    OTHER = "other", "Another reason, explained below."


class NoticeException(models.TextChoices):
    """Why a termination or reduction may take effect sooner than 10 days after its notice
    (R-N5: 42 CFR 431.213-214)."""

    MEMBER_REQUEST = "member_request", "The member asked for it or signed a statement"
    DEATH = "death", "The member has died"
    LOSS_OF_ELIGIBILITY = "loss_of_eligibility", "The member is no longer eligible"
    WHEREABOUTS_UNKNOWN = "whereabouts_unknown", "The member's whereabouts are unknown"
    INSTITUTION = "institution", "The member was admitted to an institution"


class Authorization(models.Model):
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="authorizations"
    )
    service = models.ForeignKey("providers.Service", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        "providers.Organization", on_delete=models.PROTECT, related_name="authorizations"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorizations",
    )
    created_at = models.DateTimeField(help_text="When the authorization was created (R-A1).")
    received_at = models.DateTimeField(help_text="When the request was received (R-A8).")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    units = models.PositiveIntegerField(null=True, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.STANDARD)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authorizations_assigned",
    )
    reason_code = models.CharField(max_length=32, choices=ReasonCode.choices, blank=True)
    decision_notes = models.TextField(blank=True)
    hn_authorization_number = models.CharField(max_length=40, blank=True)
    responsible_party = models.CharField(max_length=20, choices=ResponsibleParty.choices)
    health_network = models.ForeignKey(
        "providers.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legacy_authorizations",
        help_text="For legacy authorizations: the HN that created it (R-A1, R-A2).",
    )
    member_network = models.ForeignKey(
        "providers.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The member's health network when the request came in (queue filter, R-A7).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["responsible_party", "health_network"]),
            models.Index(fields=["member", "service", "provider"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["health_network", "hn_authorization_number"],
                condition=~Q(hn_authorization_number=""),
                name="one_hn_authorization_number",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="authorization_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(responsible_party="caloptima_health") | Q(health_network__isnull=False),
                name="legacy_authorization_names_its_hn",
            ),
        ]

    def __str__(self):
        return f"authorization {self.pk}"

    @property
    def is_legacy(self) -> bool:
        return self.responsible_party == ResponsibleParty.HEALTH_NETWORK

    @property
    def responsible_label(self) -> str:
        """The label shown on every authorization (S3 Q11)."""
        if self.is_legacy and self.health_network_id:
            return f"Health network: {self.health_network.name}"
        return "CalOptima Health"


class Event(models.Model):
    """One step in an authorization's history: a decision, an assignment, a closure."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", "Requested"
        IMPORTED = "imported", "Imported from the HN file"
        ASSIGNED = "assigned", "Assigned"
        APPROVED = "approved", "Approved"
        MODIFIED = "modified", "Modified"
        DENIED = "denied", "Denied"
        TERMINATED = "terminated", "Terminated"
        CLOSURE_REQUESTED = "closure_requested", "Change requested"
        CLOSURE_REJECTED = "closure_rejected", "Change request rejected"

    authorization = models.ForeignKey(
        Authorization, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Status.choices, blank=True)
    reason_code = models.CharField(max_length=32, choices=ReasonCode.choices, blank=True)
    note = models.TextField(blank=True, help_text="Note for the file: never printed (R-N6).")
    member_explanation = models.TextField(
        blank=True, help_text="The explanation printed in the member's letter (R-N4, R-N6)."
    )
    explanation_language = models.CharField(
        max_length=2, blank=True, help_text="The language member_explanation is written in."
    )
    effective_date = models.DateField(
        null=True, blank=True, help_text="The date of action of a termination or reduction (R-N5)."
    )
    notice_exception = models.CharField(
        max_length=24,
        choices=NoticeException.choices,
        blank=True,
        help_text="Why less than 10 days' notice is allowed (R-N5).",
    )
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.kind} on {self.authorization_id}"

    @property
    def change_lines(self) -> list[str]:
        """'End date: 2023-03-31 → 2024-06-30' for each change, as people read it."""
        return [
            f"{name.replace('_', ' ').capitalize()}: "
            + " → ".join("open" if part == "None" else part for part in value.split(" -> "))
            for name, value in sorted(self.changes.items())
            if value is not None
        ]

    @property
    def is_decision(self) -> bool:
        return self.kind in (
            self.Kind.APPROVED,
            self.Kind.MODIFIED,
            self.Kind.DENIED,
            self.Kind.TERMINATED,
        )


class ClosureRequest(models.Model):
    """Service closure and discharge (R-A2, S3 Q10): provider staff ask to change or end an
    authorization; the responsible party decides."""

    class Kind(models.TextChoices):
        MODIFY = "modify", "Change dates or units"
        END = "end", "End the service (discharge)"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    authorization = models.ForeignKey(
        Authorization, on_delete=models.CASCADE, related_name="closure_requests"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    reason = models.TextField()
    end_date = models.DateField(null=True, blank=True)
    new_start_date = models.DateField(null=True, blank=True)
    new_units = models.PositiveIntegerField(null=True, blank=True)
    notice_exception = models.CharField(
        max_length=24,
        choices=NoticeException.choices,
        blank=True,
        help_text="Why less than 10 days' notice is allowed (R-N5).",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["authorization"],
                condition=Q(state="pending"),
                name="one_pending_closure_request",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.authorization_id}"
