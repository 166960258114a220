import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from common import limits
from common.limits import limit_help
from providers.models import Organization, Role, Service, User

from . import rules
from .models import (
    Authorization,
    ClosureRequest,
    NoticeException,
    ReasonCode,
    ResponsibleParty,
    Status,
    Urgency,
)

DATE = forms.DateInput(attrs={"type": "date"})


class AuthorizationFilter(django_filters.FilterSet):
    """Filters for authorization lists and the review queue, in the browser and the API."""

    responsible_party = django_filters.ChoiceFilter(choices=ResponsibleParty.choices)
    status = django_filters.ChoiceFilter(choices=Status.choices)
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="code", field_name="service"
    )
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    health_network = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.health_networks(),
        method="filter_network",
        label="Health network",
    )
    provider = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.filter(is_ecm_provider=True)
        | Organization.objects.filter(is_cs_provider=True)
    )
    reviewer = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(role=Role.UTILIZATION_REVIEWER)
    )

    class Meta:
        model = Authorization
        fields = ["responsible_party", "status", "service", "urgency"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.form.fields.values():
            if hasattr(f, "empty_label"):
                f.empty_label = "Any"

    def filter_network(self, queryset, name, value):
        """The member's network for new requests, the authorizing network for legacy ones."""
        if value is None:
            return queryset
        return queryset.filter(Q(member_network=value) | Q(health_network=value))


class DecisionForm(forms.Form):
    """A reviewer's decision (R-A6). The explanation for the member is printed in the letter, in
    the letter's language (R-N3, R-N6); the note for the file never is."""

    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("modify", "Modify"), ("deny", "Deny")],
        widget=forms.RadioSelect,
    )
    reason_code = forms.ChoiceField(
        choices=[("", "—")] + list(ReasonCode.choices),
        required=False,
        label="Reason",
        help_text="Required to modify or deny; the member's letter states it in these words.",
    )
    start_date = forms.DateField(widget=DATE, required=False)
    end_date = forms.DateField(widget=DATE, required=False)
    units = forms.IntegerField(min_value=0, required=False)
    provider = forms.ModelChoiceField(Organization.objects.active(), required=False)

    def __init__(self, *args, letter_language: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        name = rules.LETTER_LANGUAGES.get(letter_language, "English")
        fields = _explanation_fields()
        explanation = fields["member_explanation"]
        if letter_language == "en":
            explanation.help_text = (
                "Printed in the member's letter. Required to deny, or for a change that gives "
                f"less than asked. {limit_help(limits.TEXT)}"
            )
            fields["explanation_language"].widget = forms.HiddenInput()
        else:
            explanation.help_text = (
                f"The member's letter is in {name}: write it in {name}, or leave it empty and "
                f"the letter prints the standard {name} text of the reason. "
                f"{limit_help(limits.TEXT)}"
            )
            language = fields["explanation_language"]
            language.choices = [(letter_language, name), ("en", "English")]
            language.initial = None
            language.label = "Explanation written in"
            language.widget = forms.RadioSelect(choices=language.choices)
        self.fields.update(fields)
        self.fields["note"] = _bounded_text(
            limits.TEXT, label="Note for the file", help="Never printed; staff only."
        )
        self.order_fields(["decision", "reason_code", "member_explanation", "explanation_language"])

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("modify", "deny") and not data.get("reason_code"):
            self.add_error("reason_code", "Give the reason for a modification or a denial.")
        return data


def _bounded_text(limit: int, *, label: str, required: bool = False, rows: int = 2, help=""):
    """A free-text field that shows its limit (maxlength and help text) and refuses more."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": limit}),
        help_text=" ".join(filter(None, [help, limit_help(limit)])),
    )


MAX_UNITS = 2**31 - 1  # what the database holds: more is refused beside the field, not a 500

NOTICE_EXCEPTION_HELP = (
    "A termination or reduction takes effect at least 10 days after the member's letter, unless "
    "one of these applies (R-N5)."
)


def _notice_exception_field():
    return forms.ChoiceField(
        choices=[("", "None: at least 10 days' notice")] + list(NoticeException.choices),
        required=False,
        label="Less notice allowed because",
        help_text=NOTICE_EXCEPTION_HELP,
    )


def _explanation_fields():
    return {
        "member_explanation": _bounded_text(
            limits.TEXT,
            label="Explanation for the member",
            rows=3,
            help="Printed in the member's letter, in the letter's language.",
        ),
        "explanation_language": forms.ChoiceField(
            choices=list(rules.LETTER_LANGUAGES.items()),
            required=False,
            initial="en",
            label="Explanation written in",
        ),
    }


class ClosureRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=ClosureRequest.Kind.choices, label="Request")
    reason = _bounded_text(limits.TEXT, label="Reason", required=True)
    end_date = forms.DateField(widget=DATE, required=False, label="End date / last day")
    new_start_date = forms.DateField(widget=DATE, required=False)
    new_units = forms.IntegerField(min_value=0, max_value=MAX_UNITS, required=False)
    notice_exception = _notice_exception_field()


class ClosureDecisionForm(forms.Form):
    """Approve or reject a change or end request (R-A2); prefixed: it shares the page."""

    prefix = "closure"

    note = _bounded_text(limits.TEXT, label="Note for the file", help="Never printed.")
    notice_exception = _notice_exception_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_explanation_fields())


class LegacyChangeForm(forms.Form):
    """R-A2: the HN ends or changes its own legacy authorization in one step."""

    prefix = "change"

    kind = forms.ChoiceField(choices=ClosureRequest.Kind.choices, label="Change")
    end_date = forms.DateField(widget=DATE, required=False, label="End date / last day")
    new_start_date = forms.DateField(widget=DATE, required=False)
    new_units = forms.IntegerField(min_value=0, max_value=MAX_UNITS, required=False)
    reason_code = forms.ChoiceField(
        choices=[("", "—")] + list(ReasonCode.choices),
        label="Reason",
        help_text="The member's letter states it in these words.",
    )
    notice_exception = _notice_exception_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_explanation_fields())
        self.fields["note"] = _bounded_text(
            limits.TEXT, label="Note for the file", help="Never printed."
        )


class QueueFilter(AuthorizationFilter):
    """The review queue holds CalOptima Health's pending requests only: no status or party.
    `due=overdue` keeps the requests past their decision time (R-A8; the home page's count)."""

    due = django_filters.ChoiceFilter(
        choices=[("overdue", "Overdue")], method="filter_due", label="Due", empty_label="Any"
    )

    def filter_due(self, queryset, name, value):
        return queryset.filter(due_at__lt=timezone.now()) if value == "overdue" else queryset

    class Meta(AuthorizationFilter.Meta):
        fields = ["service", "urgency"]
        exclude = ["responsible_party", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("responsible_party", "status"):
            self.filters.pop(name, None)
            self.form.fields.pop(name, None)
