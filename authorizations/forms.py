import django_filters
from django import forms
from django.db.models import Q

from providers.models import Organization, Role, Service, User

from .models import Authorization, ClosureRequest, ReasonCode, ResponsibleParty, Status, Urgency

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
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Explanation for the member",
    )
    start_date = forms.DateField(widget=DATE, required=False)
    end_date = forms.DateField(widget=DATE, required=False)
    units = forms.IntegerField(min_value=0, required=False)
    provider = forms.ModelChoiceField(Organization.objects.active(), required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("modify", "deny") and not data.get("reason_code"):
            self.add_error("reason_code", "Give the reason for a modification or a denial.")
        return data


class ClosureRequestForm(forms.Form):
    kind = forms.ChoiceField(choices=ClosureRequest.Kind.choices, label="Request")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))
    end_date = forms.DateField(widget=DATE, required=False, label="End date / last day")
    new_start_date = forms.DateField(widget=DATE, required=False)
    new_units = forms.IntegerField(min_value=0, required=False)


class ClosureDecisionForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class QueueFilter(AuthorizationFilter):
    """The review queue holds CalOptima Health's pending requests only: no status or party."""

    class Meta(AuthorizationFilter.Meta):
        fields = ["service", "urgency"]
        exclude = ["responsible_party", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("responsible_party", "status"):
            self.filters.pop(name, None)
            self.form.fields.pop(name, None)
