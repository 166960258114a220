from django import forms

from common.dates import business_today

from .models import cin_validator


class CinField(forms.CharField):
    """A CIN, trimmed and upper-cased before it is validated, so that '91234567a' is accepted."""

    def to_python(self, value):
        return super().to_python(value).upper()


class MemberSearchForm(forms.Form):
    """Find a member by CIN, by plan member id, or by name and birth date. Sent by POST so that no
    personal data ends up in URLs or access logs."""

    cin = CinField(label="CIN", required=False, max_length=9, validators=[cin_validator])
    member_id = forms.CharField(label="Member id", required=False, max_length=20)
    name = forms.CharField(label="Name", required=False, max_length=160)
    birth_date = forms.DateField(
        label="Birth date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value and value > business_today():
            raise forms.ValidationError("Birth date cannot be in the future.")
        return value

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("cin") or data.get("member_id"):
            return data
        if data.get("name") and data.get("birth_date"):
            return data
        if data.get("name") and not data.get("birth_date"):
            self.add_error("birth_date", "Give the birth date with the name.")
        elif data.get("birth_date") and not data.get("name"):
            self.add_error("name", "Give the name with the birth date.")
        else:
            raise forms.ValidationError("Enter a CIN, a member id, or a name and birth date.")
        return data


class EligibilityDateForm(forms.Form):
    on = forms.DateField(label="Eligibility on", widget=forms.DateInput(attrs={"type": "date"}))
