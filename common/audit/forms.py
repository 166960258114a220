from django import forms
from django.apps import apps
from django.conf import settings
from django.db.models import Q

from .models import Event, Outcome

DATE = forms.DateInput(attrs={"type": "date"})


class TrailFilterForm(forms.Form):
    """Search the trail. A CIN is turned into the member's id before it reaches a URL: the form is
    posted, and the page it redirects to carries ids only (no personal data in URLs)."""

    member = forms.CharField(
        label="Member", required=False, max_length=20, help_text="Member record id, CIN or plan id."
    )
    user = forms.CharField(label="User name", required=False, max_length=150)
    organization = forms.CharField(label="Organization", required=False, max_length=200)
    event = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any")] + list(Event.choices)
    )
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "Any")] + list(Outcome.choices)
    )
    start = forms.DateField(label="From (California date)", required=False, widget=DATE)
    end = forms.DateField(label="To (California date)", required=False, widget=DATE)

    def clean_member(self):
        value = self.cleaned_data["member"].strip()
        if not value or value.isdigit():
            return value
        model = apps.get_model(settings.AUDIT_MEMBER_MODEL)
        wanted = Q()
        for name in settings.AUDIT_MEMBER_LOOKUP_FIELDS:
            wanted |= Q(**{name: value.upper()}) | Q(**{name: value})
        found = model._base_manager.filter(wanted).values_list("pk", flat=True).first()
        if found is None:
            raise forms.ValidationError("No member has this CIN or plan id.")
        return str(found)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end date is before the start date.")
        return data
