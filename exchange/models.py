"""Every run of a file exchanged with a partner (R-F1..R-F4), and where each partner's files go."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Direction(models.TextChoices):
    OUT = "out", "Sent"
    IN = "in", "Received"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class FileRun(models.Model):
    """One file for one partner and one period. An outbound file has one run per kind, period and
    partner: a re-run rewrites the same row and the same bytes, never a second copy (R-F4)."""

    kind = models.CharField(max_length=40)
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.OUT)
    period_start = models.DateField()
    period_end = models.DateField()
    organization = models.ForeignKey(
        "providers.Organization",
        on_delete=models.PROTECT,
        related_name="file_runs",
        help_text="The health network (or provider) the file is for or from.",
    )
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED)
    rows_expected = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_to = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-period_start", "kind", "organization_id", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"]),
            models.Index(fields=["status", "updated_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period_start", "organization"],
                condition=Q(direction="out"),
                name="one_outbound_file_per_kind_period_partner",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="file_run_period_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.period_start} for {self.organization_id}"

    @property
    def progress_percent(self) -> int | None:
        if not self.rows_expected:
            return 100 if self.status == RunStatus.DONE else None
        return min(100, round(100 * self.rows_done / self.rows_expected))


class SftpDestination(models.Model):
    """Where a partner's files go by SFTP (R-F4). Without one, files go to the local folder."""

    organization = models.OneToOneField(
        "providers.Organization", on_delete=models.PROTECT, related_name="sftp_destination"
    )
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=22)
    username = models.CharField(max_length=100)
    private_key = models.TextField(help_text="OpenSSH private key (PEM) that signs in.")
    host_key = models.TextField(
        help_text="The server's public host key ('ssh-ed25519 AAAA...'): any other is refused."
    )
    remote_folder = models.CharField(max_length=300, default=".")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "SFTP destination"

    def __str__(self):
        return f"{self.username}@{self.host}:{self.port}"
