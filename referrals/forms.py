import django_filters
from django import forms

from common.dates import business_today
from common.limits import MESSAGE, TEXT, limit_help
from members.forms import CinField
from members.models import Language, PopulationOfFocus, cin_validator, validate_not_future
from members.selectors import member_by_identity
from providers.models import Organization, Service

from . import rules, services
from .models import Referral, Status, Urgency

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


class MemberStepForm(forms.Form):
    """Step 1: the member by exact CIN and birth date, and the date the service should start."""

    cin = CinField(label="CIN", max_length=9, validators=[cin_validator])
    birth_date = forms.DateField(widget=DATE, validators=[validate_not_future])
    requested_start_date = forms.DateField(
        label="Requested start date",
        widget=DATE,
        help_text="Eligibility is checked for this date.",
    )

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
    expedited_justification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for an expedited referral: why the standard timeframe could harm the "
        "member.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason for referral")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    member_consent = forms.BooleanField(
        required=False, label="The member (or their representative) consents to this referral"
    )
    authorized_representative = forms.CharField(
        required=False,
        max_length=200,
        help_text="Name and relationship, if one acts for the member.",
    )
    attachments = MultipleFileField(
        required=False, help_text="PDF, PNG or JPEG, at most 10 MB each."
    )

    def __init__(self, *args, providers=None, service=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.service, self.user = service, user
        field = self.fields["receiving_organization"]
        field.queryset = providers if providers is not None else Organization.objects.none()
        is_housing_nav = service is not None and service.code == "CS_HOUSING_NAVIGATION"
        if service is None or service.kind != "ecm":
            del self.fields["populations"]
        if is_housing_nav:
            del self.fields["receiving_organization"]
        elif service is not None and service.kind == "ecm":
            field.empty_label = "No preference: CalOptima Health assigns a provider"
            field.help_text = "Only providers whose ECM panel includes a claimed POF can take it."
        else:
            field.required = True
            field.empty_label = "Choose a provider"
            field.help_text = "Only providers that are accepting referrals are listed."
        org = getattr(user, "organization", None)
        if not (is_housing_nav and org is not None and org.is_cs_provider):
            del self.fields["self_referral"]

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


class SelfReferralForm(forms.Form):
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80)
    birth_date = forms.DateField(widget=DATE)
    cin = CinField(
        label="Medi-Cal CIN (if you know it)",
        required=False,
        max_length=9,
        validators=[cin_validator],
        help_text="On the Medi-Cal benefits card: 8 digits and a letter.",
    )
    phone = forms.CharField(max_length=20, help_text="Where CalOptima Health can reach you.")
    language = forms.ChoiceField(choices=Language.choices, label="Preferred language")
    service = forms.ModelChoiceField(
        Service.objects.all(), to_field_name="code", label="What are you asking for?"
    )
    submitted_by = forms.CharField(
        required=False,
        max_length=120,
        label="Asking for someone else? Your name and relationship",
    )
    consent = forms.BooleanField(
        required=False,
        label="I agree that CalOptima Health may use this information to contact me about this "
        "request.",
    )

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value > business_today():
            raise forms.ValidationError("Birth date cannot be in the future.")
        return value


class IntakeMatchForm(forms.Form):
    cin = CinField(label="Member CIN", max_length=9, validators=[cin_validator])
    birth_date = forms.DateField(widget=DATE)


class IntakeRejectForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason")
