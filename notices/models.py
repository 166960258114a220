"""Notice of Action and approval letters (R-N1..R-N4): one stored PDF per decision."""

from django.db import models


class Kind(models.TextChoices):
    APPROVAL = "approval", "Approval notice"
    CHANGE_APPROVAL = "change_approval", "Approval notice: change granted"
    DENIAL = "denial", "Notice of Action: denial"
    MODIFICATION = "modification", "Notice of Action: modification"
    TERMINATION = "termination", "Notice of Action: termination"


def letter_path(instance, filename):
    # No personal data in stored paths.
    return f"notices/{instance.authorization_id}/{instance.event_id}-{instance.kind}.pdf"


class Notice(models.Model):
    authorization = models.ForeignKey(
        "authorizations.Authorization", on_delete=models.PROTECT, related_name="notices"
    )
    event = models.OneToOneField(
        "authorizations.Event",
        on_delete=models.PROTECT,
        related_name="notice",
        help_text="The decision this letter is about: one letter per decision.",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    language = models.CharField(max_length=2)
    large_print = models.BooleanField(default=False)
    sender = models.ForeignKey("providers.Organization", on_delete=models.PROTECT, related_name="+")
    notice_date = models.DateField()
    send_by = models.DateField(help_text="Two business days after the decision (R-N4).")
    appeal_by = models.DateField(
        null=True,
        blank=True,
        help_text="60 days after the notice date (R-N4); none when not adverse.",
    )
    effective_date = models.DateField(
        null=True, blank=True, help_text="The date of action printed on the letter (R-N5)."
    )
    pdf = models.FileField(upload_to=letter_path)
    checksum = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} for authorization {self.authorization_id}"
