from django import forms
from django.contrib.auth.forms import PasswordResetForm

from common.outbox import services as outbox
from members.models import PopulationOfFocus

from . import tasks
from .models import PanelChangeRequest, Role, Service
from .services import SITE_ADMIN_ASSIGNABLE


class DirectoryFilterForm(forms.Form):
    service = forms.ModelChoiceField(
        Service.objects.all(), required=False, to_field_name="code", empty_label="Any service"
    )
    population = forms.ModelChoiceField(
        PopulationOfFocus.objects.all(),
        required=False,
        to_field_name="code",
        label="Population of Focus",
        empty_label="Any POF",
    )
    accepting = forms.BooleanField(label="Accepting referrals only", required=False)


def _role_choices(actor):
    if actor.is_system_admin:
        return Role.choices
    return [(v, label) for v, label in Role.choices if v in SITE_ADMIN_ASSIGNABLE]


class NewUserForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="The invitation link goes here; they set their password.")
    role = forms.ChoiceField()

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(actor)


class RoleForm(forms.Form):
    role = forms.ChoiceField()

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices(actor)


class PanelChangeRequestForm(forms.Form):
    population = forms.ModelChoiceField(
        PopulationOfFocus.objects.all(), label="Population of Focus"
    )
    action = forms.ChoiceField(choices=PanelChangeRequest.Action.choices)
    expertise_statement = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The organization's experience and staff qualifications for this population.",
    )


class PanelDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class CapacityForm(forms.Form):
    accepting_referrals = forms.BooleanField(required=False)
    open_slots = forms.IntegerField(min_value=0)


class CodeForm(forms.Form):
    """The second step of sign-in: a code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with the email sent through the outbox: a mail server or broker that is
    down never turns the request into an error or loses the email."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        outbox.enqueue(
            tasks.send_password_reset.name,
            context["user"].pk,
            context["domain"],
            context["protocol"] == "https",
        )
