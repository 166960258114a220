import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.utils.translation import get_language, gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from common.dates import business_today
from common.limits import MESSAGE, SHORT_TEXT, TEXT, limit_help
from common.phones import normalize_phone
from members.forms import CinField
from members.models import Language, PopulationOfFocus, cin_validator, validate_not_future
from members.selectors import member_by_identity
from providers.models import Organization, Service

from . import rules, services
from .models import Referral, SelfReferral, Status, Urgency

DATE = forms.DateInput(attrs={"type": "date"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def bounded_text(limit: int, *, help_text: str = "", rows: int | None = None, **kwargs):
    """Free text bounded by common.limits: maxlength on the input, the limit said beside it, more
    refused beside the field with the text kept."""
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    too_long = f"Up to {limit:,} characters; this has %(show_value)s. Shorten it and try again."
    return forms.CharField(
        max_length=limit,
        widget=widget,
        help_text=f"{help_text} {limit_help(limit)}".strip(),
        error_messages={"max_length": too_long, **kwargs.pop("error_messages", {})},
        **kwargs,
    )


class MemberStepForm(forms.Form):
    """Step 1: the member by exact CIN and birth date, and the date the service should start."""

    cin = CinField(label="CIN", max_length=9, validators=[cin_validator])
    birth_date = forms.DateField(widget=DATE, validators=[validate_not_future])
    requested_start_date = forms.DateField(
        label="Requested start date",
        widget=DATE,
        help_text="Eligibility is checked for this date. At most a year ahead.",
    )

    def clean_requested_start_date(self):
        value = self.cleaned_data["requested_start_date"]
        problem = rules.start_date_problem(value, business_today())
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        member = member_by_identity(cin=data["cin"], birth_date=data["birth_date"])
        if member is None:
            self.add_error("cin", "No member has this CIN with this birth date.")
        data["member"] = member
        return data


class ServiceStepForm(forms.Form):
    service = forms.ModelChoiceField(
        Service.objects.all(),
        widget=forms.RadioSelect,
        to_field_name="code",
        help_text="Housing navigation and housing deposits are separate services: each needs its "
        "own referral and its own authorization (R-C3).",
    )

    def __init__(self, *args, member=None, on=None, plain=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.member, self.on, self.plain = member, on, plain

    def clean_service(self):
        """Certain refusals (R-M3..R-M5, R-C1) are shown here, beside the service, not at review;
        in plain words for a user who may not see the member yet (R-X2)."""
        service = self.cleaned_data["service"]
        if self.member is not None and self.on is not None:
            errors: dict[str, str] = {}
            services.eligibility_problems(
                member=self.member, service=service, on=self.on, errors=errors, plain=self.plain
            )
            if errors:
                raise forms.ValidationError(list(errors.values()))
        return service


class DetailsStepForm(forms.Form):
    receiving_organization = forms.ModelChoiceField(
        Organization.objects.none(), required=False, label="Provider", empty_label=None
    )
    populations = forms.ModelMultipleChoiceField(
        PopulationOfFocus.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Populations of Focus claimed",
    )
    self_referral = forms.BooleanField(
        required=False,
        label="Self-referral: my organization will fulfil this for its own client",
    )
    urgency = forms.ChoiceField(choices=Urgency.choices, initial=Urgency.ROUTINE)
    expedited_justification = bounded_text(
        TEXT,
        rows=2,
        required=False,
        help_text="Required for an expedited referral: why the standard timeframe could harm the "
        "member.",
    )
    reason = bounded_text(TEXT, rows=3, label="Reason for referral")
    notes = bounded_text(TEXT, rows=2, required=False)
    member_consent = forms.BooleanField(
        required=False, label="The member (or their representative) consents to this referral"
    )
    authorized_representative = bounded_text(
        SHORT_TEXT,
        required=False,
        help_text="Name and relationship, if one acts for the member.",
    )
    attachments = MultipleFileField(
        required=False, help_text="PDF, PNG or JPEG, at most 10 MB each."
    )

    def __init__(
        self, *args, providers=None, service=None, user=None, held=None, on=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.service, self.user, self.warnings = service, user, {}
        field = self.fields["receiving_organization"]
        field.queryset = providers if providers is not None else Organization.objects.none()
        org = getattr(user, "organization", None)
        is_housing_nav = service is not None and service.code == "CS_HOUSING_NAVIGATION"
        # R-R4: a health network's referral goes to CalOptima Health, which assigns the provider.
        self.health_network = services.assigned_by_caloptima(user)
        # No organization accepts this service today: CalOptima Health assigns (no dead end).
        self.no_provider = (
            service is not None and service.kind == "cs" and not is_housing_nav
        ) and services.no_provider_accepting(service)
        if service is None or service.kind != "ecm":
            del self.fields["populations"]
        elif held is not None:
            self._mark_unheld(held, on)
        if is_housing_nav or self.no_provider:
            del self.fields["receiving_organization"]
        elif self.health_network:
            field.label = "Requested provider"
            field.empty_label = "No preference: CalOptima Health assigns a provider"
            field.help_text = "Optional: passed on to CalOptima Health as the provider you ask for."
        elif service is not None and service.kind == "ecm":
            field.empty_label = "No preference: CalOptima Health assigns a provider"
            field.help_text = "Only providers whose ECM panel includes a claimed POF can take it."
        else:
            field.required = True
            field.empty_label = "Choose a provider"
            field.help_text = "Only providers that are accepting referrals are listed."
        if not (is_housing_nav and org is not None and org.is_cs_provider):
            del self.fields["self_referral"]

    def _mark_unheld(self, held: set[str], on) -> None:
        """Say which POFs the member's records show on the date, before any is claimed: another
        may be claimed (a warning, not a refusal), and CalOptima Health checks the evidence."""
        field = self.fields["populations"]
        field.label_from_instance = lambda p: (
            f"{p} (in the member's records)" if p.code in held else str(p)
        )
        when = f" on {on:%-d %B %Y}" if on else ""
        shown = f"POF {', '.join(sorted(held))}" if held else "no POF"
        field.help_text = (
            f"The member's records show {shown}{when}. Claiming another flags the referral for "
            "CalOptima Health to check the evidence."
        )

    def warn(self, warnings: dict[str, str]) -> None:
        """Show warnings beside their fields (help text, so aria-describedby reads them too)."""
        self.warnings = {f: w for f, w in warnings.items() if f in self.fields}
        for name, warning in self.warnings.items():
            field = self.fields[name]
            field.help_text = f"Check: {warning} {field.help_text}".strip()
            self[name].help_text = field.help_text  # a bound field copies it when made

    def clean_attachments(self):
        """Each file is judged by its content and size here, beside the field, before review."""
        uploads = self.cleaned_data.get("attachments") or []
        problems = []
        for upload in uploads:
            _, problem = rules.check_upload(upload)
            if problem:
                problems.append(f"{upload.name} {problem}")
        if problems:
            raise forms.ValidationError(problems)
        return uploads

    def clean(self):
        data = super().clean()
        if data.get("urgency") == Urgency.EXPEDITED and not data.get("expedited_justification"):
            self.add_error(
                "expedited_justification", "An expedited referral needs a justification."
            )
        if not data.get("member_consent"):
            self.add_error("member_consent", "The member (or their representative) must consent.")
        routing = {"receiving_organization", "populations", "self_referral"}
        if self.service is not None and self.user is not None and not routing & set(self.errors):
            problems = services.routing_problems(
                user=self.user,
                service=self.service,
                populations=data.get("populations") or [],
                receiving_organization=data.get("receiving_organization"),
                self_referral=data.get("self_referral", False),
            )
            for field, problem in problems.items():
                self.add_error(field if field in self.fields else None, problem)
        return data


class ReviewStepForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    confirm_duplicate = forms.BooleanField(
        required=False, label="I have looked at the open referral and a second one is needed"
    )


class ReferralFilter(django_filters.FilterSet):
    """Filters for referral lists, in the browser and the API."""

    status = django_filters.ChoiceFilter(choices=Status.choices)
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(),
        to_field_name="code",
        field_name="service",
        empty_label="Any",
    )
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    created_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="Created from", widget=DATE
    )
    created_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="Created to", widget=DATE
    )
    ordering = django_filters.OrderingFilter(
        fields=(("created_at", "created"), ("status_changed_at", "updated"), ("status", "status")),
        label="Sort by",
    )

    class Meta:
        model = Referral
        fields = ["status", "service", "urgency"]


class MoveForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    provider = forms.ModelChoiceField(Organization.objects.active(), required=False)


def _too_long(limit: int) -> dict[str, str]:
    """A refusal beside the field that says the limit and the count; what was typed stays."""
    return {
        "max_length": f"Up to {limit:,} characters; this has %(show_value)s. Shorten it and "
        "try again."
    }


class ActionForm(forms.Form):
    """One action on the referral page (accept, decline, close, ...): its note, a required reason
    for decline and close, and the provider for 'assign'. Ids carry the action's name (one page
    holds several); field names stay plain, as the inbox posts them."""

    note = forms.CharField(
        required=False,
        max_length=TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=limit_help(TEXT),
        error_messages={"required": "Give the reason.", **_too_long(TEXT)},
    )
    provider = forms.ModelChoiceField(
        Organization.objects.none(),
        label="Provider",
        error_messages={"required": "Choose the provider to send it to."},
    )

    def __init__(self, *args, action: str, note_label: str, reason_required=False, providers=None):
        super().__init__(*args, auto_id=f"{action}-%s")
        self.action = action
        self.fields["note"].label = note_label
        self.fields["note"].required = reason_required
        if providers is None:
            del self.fields["provider"]
        else:
            self.fields["provider"].queryset = providers


class MessageForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Message",
        max_length=MESSAGE,
        help_text=limit_help(MESSAGE),
        error_messages={"required": "Write a message.", **_too_long(MESSAGE)},
    )


class ResendForm(forms.Form):
    """Send a declined referral to another provider: only the provider is chosen (R-R2)."""

    receiving_organization = forms.ModelChoiceField(
        Organization.objects.none(),
        label="Provider",
        required=False,
        error_messages={"required": "Choose the provider to send it to."},
    )

    def __init__(self, *args, referral, providers, routed_to_caloptima=False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["receiving_organization"]
        field.queryset = providers
        if referral.service.code == services.HOUSING_NAVIGATION:
            del self.fields["receiving_organization"]  # R-R3: CalOptima Health assigns it
        elif routed_to_caloptima:
            field.empty_label = "No preference"
            field.help_text = (
                "Referrals from a health network go to CalOptima Health for provider "
                "assignment; the provider chosen here is passed on as the one you asked for."
            )
        elif referral.service.kind == "ecm":
            field.empty_label = "No preference: CalOptima Health assigns a provider"
            field.help_text = "Only providers whose ECM panel includes a claimed POF can take it."
        else:
            field.required = True
            field.empty_label = "Choose a provider"
            field.help_text = (
                "Providers offering this service with open slots; the one that declined is not "
                "listed."
            )


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Add an attachment", help_text="PDF, PNG or JPEG, at most 10 MB.")

    def clean_file(self):
        """The whole file is judged here, so that a refusal shows beside the field."""
        upload = self.cleaned_data["file"]
        _, problem = rules.check_upload(upload)
        if problem:
            raise forms.ValidationError(f"{upload.name} {problem}")
        return upload


# --- R-R1: the public self-referral form, in English and Spanish (R-M7) --------------------------

# Each language in its own words, so that a reader finds theirs whatever the page's language.
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Español",
    "vi": "Tiếng Việt",
    "ko": "한국어",
    "zh": "中文",
    "fa": "فارسی",
    "ar": "العربية",
}
RIGHT_TO_LEFT = {"fa", "ar"}
# The catalogue's names (data, R-C4) as the public form shows them; a service added later is shown
# by its English name until it is translated here and in locale/.
SERVICE_NAMES = (
    gettext_noop("Enhanced Care Management"),
    gettext_noop("Housing transition navigation services"),
    gettext_noop("Housing deposits"),
    gettext_noop("Housing tenancy and sustaining services"),
    gettext_noop("Recuperative care (medical respite)"),
    gettext_noop("Short-term post-hospitalization housing"),
    gettext_noop("Day habilitation programs"),
    gettext_noop("Personal care and homemaker services"),
    gettext_noop("Medically tailored meals"),
    gettext_noop("Sobering centers"),
    gettext_noop("Respite services"),
    gettext_noop("Nursing facility transition/diversion to assisted living facilities"),
    gettext_noop("Community transition services/nursing facility transition to a home"),
    gettext_noop("Environmental accessibility adaptations (home modifications)"),
    gettext_noop("Asthma remediation"),
    gettext_noop("Transitional rent"),
)


class LanguageSelect(forms.Select):
    """Options marked with their language (and direction): a screen reader says each name right."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["lang"] = value
            if value in RIGHT_TO_LEFT:
                option["attrs"]["dir"] = "rtl"
        return option


class TranslatedServiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return gettext(obj.name)


class SelfReferralForm(forms.Form):
    """Labels and messages in the page's language; names bounded by their columns, the limit shown
    beside each; the phone number checked and stored in one form (common.phones)."""

    first_name = forms.CharField(
        label=_("First name"), widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    # ISO value whatever the page's language: a date input shows nothing for 31/12/1975.
    birth_date = forms.DateField(
        label=_("Birth date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "autocomplete": "bday"}),
    )
    cin = CinField(
        label=_("Medi-Cal CIN (if you know it)"),
        required=False,
        max_length=9,
        validators=[RegexValidator(cin_validator.regex, services.SELF_REFERRAL_ERRORS["cin"])],
        help_text=_("On the Medi-Cal benefits card: 8 digits and a letter."),
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=20,
        help_text=_("Where CalOptima Health can reach you, for example (714) 555-0100."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=[(code, LANGUAGE_NAMES.get(code, label)) for code, label in Language.choices],
        widget=LanguageSelect,
        help_text=_("CalOptima Health will call you in this language. Interpreters are free."),
    )
    service = TranslatedServiceField(
        Service.objects.all(), to_field_name="code", label=_("What are you asking for?")
    )
    submitted_by = forms.CharField(
        required=False, label=_("Asking for someone else? Your name and relationship")
    )
    consent = forms.BooleanField(
        required=False,
        label=_(
            "I agree that CalOptima Health may use this information to contact me about this "
            "request."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = get_language()
        for name in ("first_name", "last_name", "submitted_by"):  # the model's columns
            field = self.fields[name]
            field.max_length = SelfReferral._meta.get_field(name).max_length
            field.validators.append(MaxLengthValidator(field.max_length))
            field.widget.attrs["maxlength"] = str(field.max_length)
            field.help_text = gettext("Up to %(limit)d characters.") % {"limit": field.max_length}

    def add_error(self, field, error):
        """A field in error names its message (then its help) for screen readers."""
        super().add_error(field, error)
        for name in self.errors.keys() & self.fields.keys():
            ids = [f"id_{name}_error"] + ([f"id_{name}_helptext"] if self[name].help_text else [])
            self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value > business_today():
            raise forms.ValidationError(services.SELF_REFERRAL_ERRORS["future_birth_date"])
        return value

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data["phone"])
        except ValidationError:
            raise forms.ValidationError(
                services.SELF_REFERRAL_ERRORS["phone"], code="invalid_phone"
            ) from None


class IntakeMatchForm(forms.Form):
    cin = CinField(label="Member CIN", max_length=9, validators=[cin_validator])
    birth_date = forms.DateField(widget=DATE)


class IntakeRejectForm(forms.Form):
    note = bounded_text(
        TEXT, rows=2, label="Reason", error_messages={"required": "Say why it is rejected."}
    )
