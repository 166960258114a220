"""ECM activities that provider staff log against an ECM authorization in force (R-F1), and from
which the weekly activity log and the payment report (R-$1) are made."""

from django.conf import settings
from django.db import models
from django.db.models import Q

MIN_UNITS = 1
MAX_UNITS = 96  # 15-minute units: a whole day


class ActivityType(models.TextChoices):
    """The seven ECM core components (R-F1), with outreach and engagement split in two."""

    OUTREACH_ATTEMPT = "outreach_attempt", "Outreach attempt"
    ENGAGEMENT = "engagement", "Engagement"
    ASSESSMENT = "assessment", "Comprehensive assessment and care management plan"
    COORDINATION = "coordination", "Enhanced coordination of care"
    HEALTH_PROMOTION = "health_promotion", "Health promotion"
    TRANSITIONAL_CARE = "transitional_care", "Comprehensive transitional care"
    FAMILY_SUPPORTS = "family_supports", "Member and family supports"
    COMMUNITY_REFERRAL = (
        "community_referral",
        "Coordination of and referral to community and social support services",
    )


class Method(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"
    TEXT = "text", "Text message"
    MAIL = "mail", "Mail"


class Outcome(models.TextChoices):
    """Of an outreach attempt only."""

    REACHED = "reached", "Reached"
    NOT_REACHED = "not_reached", "Not reached"


class Source(models.TextChoices):
    LOGGED = "logged", "Logged in CalAIM Connect"
    OUTREACH_TRACKER = "outreach_tracker", "Outreach Tracker File"


class EcmActivity(models.Model):
    """One ECM activity on one date. Member and provider are the authorization's, kept on the row
    so that the weekly log, the payment report and the lists read one table by index."""

    authorization = models.ForeignKey(
        "authorizations.Authorization", on_delete=models.PROTECT, related_name="ecm_activities"
    )
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    provider = models.ForeignKey(
        "providers.Organization", on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(help_text="The California date the activity took place.")
    activity_type = models.CharField(max_length=24, choices=ActivityType.choices)
    method = models.CharField(max_length=12, choices=Method.choices)
    units = models.PositiveSmallIntegerField(help_text="15-minute units, 1 to 96.")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.LOGGED)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = "ECM activity"
        verbose_name_plural = "ECM activities"
        indexes = [
            models.Index(fields=["member", "date"]),
            models.Index(fields=["provider", "date"]),
            models.Index(fields=["authorization", "date"]),
            models.Index(fields=["date", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(units__gte=MIN_UNITS, units__lte=MAX_UNITS),
                name="ecm_activity_units_in_range",
            ),
            models.CheckConstraint(
                condition=Q(activity_type=ActivityType.OUTREACH_ATTEMPT) | Q(outcome=""),
                name="ecm_activity_outcome_only_for_outreach",
            ),
        ]

    def __str__(self):
        return f"{self.get_activity_type_display()} on {self.date}"
