"""Members, their dated eligibility and health network assignment and POFs (R-M1, R-P1)."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from common.dates import business_today

cin_validator = RegexValidator(
    r"^\d{8}[A-Z]$", "A Medi-Cal CIN is 8 digits followed by a capital letter, e.g. 91234567A."
)


def validate_not_future(value):
    if value > business_today():
        raise ValidationError("Birth date cannot be in the future.")


class Language(models.TextChoices):
    """Orange County's Medi-Cal threshold languages (R-M7)."""

    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"
    VIETNAMESE = "vi", "Vietnamese"
    KOREAN = "ko", "Korean"
    CHINESE = "zh", "Chinese"
    FARSI = "fa", "Farsi"
    ARABIC = "ar", "Arabic"


class AlternativeFormat(models.TextChoices):
    NONE = "none", "None"
    LARGE_PRINT = "large_print", "Large print"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    NONBINARY = "X", "Non-binary"
    UNKNOWN = "U", "Unknown"


class Program(models.TextChoices):
    MEDI_CAL = "medi_cal", "Medi-Cal"
    ONECARE = "onecare", "OneCare"
    PACE = "pace", "PACE"


class AgeGroup(models.TextChoices):
    ADULT = "adult", "Adults"
    CHILD = "child", "Children and youth"
    BOTH = "both", "Adults and children"


class PopulationOfFocus(models.Model):
    """DHCS-defined Population of Focus (R-P1). Reference data, editable by admins."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=200)
    age_group = models.CharField(max_length=8, choices=AgeGroup.choices)
    adult_live_from = models.DateField(null=True, blank=True, help_text="Empty: not for adults.")
    child_live_from = models.DateField(null=True, blank=True, help_text="Empty: not for children.")
    # R-P2: a POF served by one organization alone (POF 3: the county; POF 6: Libertana).
    sole_provider = models.ForeignKey(
        "providers.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sole_populations",
    )
    # R-P2: POF 5 is served by CalOptima Health and the health networks.
    served_by_plan_and_networks = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = "population of focus"
        verbose_name_plural = "populations of focus"

    def __str__(self):
        return f"POF {self.code}: {self.name}"

    @property
    def family(self) -> str:
        """'1' for 1a and 1b: the seeds' "POF 1" means either (R-P1 decision)."""
        return self.code.rstrip("abcdefghijklmnopqrstuvwxyz")


class Member(models.Model):
    """A Medi-Cal member (R-M1). Eligibility is never on the member: it is in dated spans."""

    cin = models.CharField("CIN", max_length=9, unique=True, validators=[cin_validator])
    member_id = models.CharField("plan member id", max_length=20, unique=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    birth_date = models.DateField(validators=[validate_not_future])
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    preferred_language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ENGLISH
    )
    alternative_format = models.CharField(
        max_length=16, choices=AlternativeFormat.choices, default=AlternativeFormat.NONE
    )
    phone = models.CharField(max_length=20, blank=True)
    address_line1 = models.CharField(max_length=120, blank=True)
    address_line2 = models.CharField(max_length=120, blank=True)
    city = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=2, blank=True, default="CA")
    zip_code = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["last_name", "first_name", "birth_date"])]

    def __str__(self):
        return f"{self.last_name}, {self.first_name} ({self.member_id})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class DatedQuerySet(models.QuerySet):
    def active_on(self, on):
        """Rows whose [start_date, end_date] contains the date (R-M2: the date is always given)."""
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=on), start_date__lte=on)


class DatedPeriod(models.Model):
    """A start date and an inclusive, optional end date."""

    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")

    objects = DatedQuerySet.as_manager()

    class Meta:
        abstract = True

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "End date cannot be before the start date."})


class EligibilitySpan(DatedPeriod):
    """A dated period of enrolment in a program (R-M1). Spans of one member never overlap."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="eligibility_spans")
    program = models.CharField(max_length=12, choices=Program.choices)

    class Meta:
        ordering = ["member", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="eligibility_span_end_after_start",
            ),
            models.UniqueConstraint(fields=["member", "start_date"], name="eligibility_span_start"),
        ]

    def __str__(self):
        return f"{self.get_program_display()} {self.start_date}..{self.end_date or ''}"


class HealthNetworkAssignment(DatedPeriod):
    """A dated assignment of a member to one health network (R-M1). No overlaps."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="health_network_assignments"
    )
    health_network = models.ForeignKey(
        "providers.Organization",
        on_delete=models.PROTECT,
        related_name="member_assignments",
        limit_choices_to={"is_health_network": True},
    )

    class Meta:
        ordering = ["member", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="hn_assignment_end_after_start",
            ),
            models.UniqueConstraint(fields=["member", "start_date"], name="hn_assignment_start"),
        ]

    def __str__(self):
        return f"{self.health_network} {self.start_date}..{self.end_date or ''}"


class PofSource(models.TextChoices):
    PLAN_DATA = "plan_data", "Plan data"
    IMPORT = "import", "Eligibility file import"
    PROVIDER_ATTESTATION = "provider_attestation", "Provider attestation"
    REFERRAL = "referral", "Referral"


class MemberPopulationOfFocus(DatedPeriod):
    """A member meets a POF for a period (R-M6: a member may hold several)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="populations")
    population = models.ForeignKey(PopulationOfFocus, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=24, choices=PofSource.choices, default=PofSource.PLAN_DATA)

    class Meta:
        ordering = ["member", "population__code", "start_date"]
        verbose_name = "member population of focus"
        verbose_name_plural = "member populations of focus"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="member_pof_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["member", "population", "start_date"], name="member_pof_start"
            ),
        ]

    def __str__(self):
        return f"{self.population.code} {self.start_date}..{self.end_date or ''}"
