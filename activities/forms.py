import django_filters
from django import forms

from common import limits

from .models import MAX_UNITS, MIN_UNITS, ActivityType, EcmActivity, Method, Outcome
from .rules import units_problem

CHOOSE = [("", "Choose…")]
CONFIRM_LABEL = "Log it anyway"


class ActivityForm(forms.Form):
    """The fast entry form: keyboard only (Enter in a field submits), the date first and focused.
    Its checks are the service's (rules.py): the form only turns text into values."""

    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date", "autofocus": True}, format="%Y-%m-%d"),
        help_text="The California date of the activity.",
    )
    activity_type = forms.ChoiceField(label="Type", choices=CHOOSE + ActivityType.choices)
    method = forms.ChoiceField(choices=CHOOSE + Method.choices)
    units = forms.IntegerField(
        help_text=f"15-minute units, {MIN_UNITS} to {MAX_UNITS} (96 is a whole day).",
        widget=forms.NumberInput(
            attrs={"min": MIN_UNITS, "max": MAX_UNITS, "inputmode": "numeric"}
        ),
        error_messages={"invalid": units_problem("")},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        required=False,
        choices=[("", "Not applicable")] + Outcome.choices,
        help_text="Outreach attempts only: was the member reached?",
    )
    note = forms.CharField(
        required=False,
        strip=False,
        widget=forms.TextInput(attrs={"maxlength": limits.TEXT, "autocomplete": "off"}),
        help_text=limits.limit_help(limits.TEXT),
    )

    def __init__(self, *args, confirming: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if confirming:
            self.add_confirm()

    def add_confirm(self) -> None:
        """The "Log it anyway" box, shown beside the duplicate warning."""
        if "confirm_duplicate" not in self.fields:
            self.fields["confirm_duplicate"] = forms.BooleanField(
                required=False, label=CONFIRM_LABEL
            )

    def focus_first_error(self) -> None:
        """The focus goes to the first field in error (else the date), for a keyboard user."""
        in_error = [name for name in self.fields if name in self.errors]
        if not in_error:
            return
        self.fields["date"].widget.attrs.pop("autofocus", None)
        self.fields[in_error[0]].widget.attrs["autofocus"] = True


class ActivityFilter(django_filters.FilterSet):
    """API list filters. `authorization` and `member` are plain numbers, not choices among all
    records: another organization's id then filters to nothing, exactly like a missing id (R-X2)."""

    authorization = django_filters.NumberFilter(field_name="authorization_id")
    member = django_filters.NumberFilter(field_name="member_id")
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")
    activity_type = django_filters.ChoiceFilter(choices=ActivityType.choices)

    class Meta:
        model = EcmActivity
        fields = ["authorization", "member", "date_after", "date_before", "activity_type"]
