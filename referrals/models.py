"""Closed-loop referrals for ECM and Community Supports (R-R1..R-R5): the referral, its status
history, attachments, messages, and public self-referrals awaiting intake."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from members.models import Language


class Source(models.TextChoices):
    SELF = "self", "Self (member or family)"
    HEALTH_CARE_PROVIDER = "health_care_provider", "Health care provider"
    CS_PROVIDER = "cs_provider", "Community Supports provider"
    HEALTH_NETWORK = "health_network", "Health network"
    COUNTY = "county", "County"
    COMMUNITY_ORGANIZATION = "community_organization", "Community organization"
    OTHER = "other", "Other"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    EXPEDITED = "expedited", "Expedited"


class Status(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    IN_REVIEW = "in_review", "In review at CalOptima Health"
    SENT = "sent", "Sent to provider"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    AUTHORIZATION_REQUESTED = "authorization_requested", "Authorization requested"
    AUTHORIZED = "authorized", "Authorized"
    DENIED = "denied", "Denied"
    SERVICE_STARTED = "service_started", "Service started"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = [
    Status.SUBMITTED,
    Status.IN_REVIEW,
    Status.SENT,
    Status.ACCEPTED,
    Status.AUTHORIZATION_REQUESTED,
    Status.AUTHORIZED,
    Status.SERVICE_STARTED,
]


class Referral(models.Model):
    """A request that a member receive ECM or a Community Support, followed to the end (R-R2)."""

    # NULL until the row has its id (the number is derived from it); unique once set.
    reference = models.CharField(  # noqa: DJ001
        max_length=20, unique=True, null=True, editable=False
    )
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey("providers.Service", on_delete=models.PROTECT, related_name="+")
    populations = models.ManyToManyField(
        "members.PopulationOfFocus", blank=True, related_name="+", verbose_name="POFs claimed"
    )
    source = models.CharField(max_length=24, choices=Source.choices)
    referring_organization = models.ForeignKey(
        "providers.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referring_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referrer_contact = models.CharField(
        max_length=200, blank=True, help_text="For a public self-referral: who asked, and how."
    )
    receiving_organization = models.ForeignKey(
        "providers.Organization", on_delete=models.PROTECT, related_name="referrals_received"
    )
    self_referral = models.BooleanField(
        default=False, help_text="A CS provider refers its own client (R-R3)."
    )
    requested_provider = models.ForeignKey(
        "providers.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The provider the referrer asked for when the referral goes to CalOptima Health "
        "for assignment (R-R4).",
    )
    resent_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resent_as",
        help_text="The declined referral this one re-sends to another provider.",
    )
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    expedited_justification = models.TextField(blank=True)
    requested_start_date = models.DateField()
    reason = models.TextField()
    notes = models.TextField(blank=True)
    member_consent = models.BooleanField(default=False)
    authorized_representative = models.CharField(max_length=200, blank=True)
    needs_review = models.BooleanField(default=False)
    review_notes = models.TextField(blank=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.SUBMITTED)
    status_changed_at = models.DateTimeField()
    decline_reason = models.TextField(blank=True)
    closed_reason = models.TextField(blank=True)
    # NULL when the client sent none: unique only among the keys given.
    idempotency_key = models.CharField(  # noqa: DJ001
        max_length=120, unique=True, null=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "receiving_organization"]),
            models.Index(fields=["member", "service", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(urgency="expedited") | ~Q(expedited_justification=""),
                name="expedited_needs_justification",
            )
        ]

    def __str__(self):
        return self.reference or f"referral {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class StatusChange(models.Model):
    """One step in a referral's history: who, when, from, to, note (R-R2)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=24, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"


ATTACHMENT_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


def attachment_path(instance, filename):
    # No personal data in stored paths: the referral id and a random name, with the extension of
    # the type the content was checked to be (never the uploader's name or extension).
    import uuid

    extension = ATTACHMENT_EXTENSIONS.get(instance.content_type, "")
    return f"referrals/{instance.referral_id}/{uuid.uuid4().hex}{extension}"


class Attachment(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class Message(models.Model):
    """A message about a referral among the parties who can see it (R-R5)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "providers.Organization", null=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"message {self.pk} on {self.referral_id}"


class ThreadRead(models.Model):
    """When a user last read a referral's messages: drives unread counts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "referral"], name="one_thread_read")]

    def __str__(self):
        return f"{self.user_id} read {self.referral_id}"


class SelfReferral(models.Model):
    """A public self-referral (R-R1): lands at CalOptima Health for intake, where staff match it to
    a member (creating the referral) or reject it."""

    class IntakeStatus(models.TextChoices):
        PENDING = "pending", "Awaiting intake"
        MATCHED = "matched", "Matched to a member"
        REJECTED = "rejected", "Rejected"

    confirmation_number = models.CharField(max_length=20, unique=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    birth_date = models.DateField()
    cin = models.CharField("CIN", max_length=9, blank=True)
    phone = models.CharField(max_length=20)
    language = models.CharField(max_length=2)
    service = models.ForeignKey("providers.Service", on_delete=models.PROTECT, related_name="+")
    submitted_by = models.CharField(
        max_length=120, blank=True, help_text="Someone asking for the member, if not the member."
    )
    consent = models.BooleanField()
    status = models.CharField(
        max_length=10, choices=IntakeStatus.choices, default=IntakeStatus.PENDING
    )
    referral = models.OneToOneField(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="self_referral_form"
    )
    intake_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.confirmation_number

    @property
    def language_name(self) -> str:
        """The preferred language's name for staff (R-M7): 'Spanish', not 'es'."""
        return Language(self.language).label if self.language in Language.values else self.language

    @property
    def needs_interpreter(self) -> bool:
        """R-M7: interpreter services are offered to members who prefer a language not English."""
        return self.language != Language.ENGLISH
