from django import forms
from django.contrib.auth.forms import PasswordResetForm

from common.outbox import services as outbox
from members.models import PopulationOfFocus

from . import tasks
from .models import MAX_OPEN_SLOTS, PanelChangeRequest, Role, Service
from .rules import role_problem
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


def role_choices(actor, organization):
    """The roles the actor may give in the organization: never one the organization cannot hold
    (a utilization reviewer outside CalOptima Health, R-X1), and no system admin from a site
    administrator."""
    return [
        (v, label)
        for v, label in Role.choices
        if (actor.is_system_admin or v in SITE_ADMIN_ASSIGNABLE)
        and role_problem(v, organization) is None
    ]


class NewUserForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(help_text="The invitation link goes here; they set their password.")
    role = forms.ChoiceField()

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(actor, actor.organization)


class RoleForm(forms.Form):
    """The role select on each row of the users page. Choices are not checked here: the service
    refuses a role the organization cannot hold with the reason, shown beside the row's select."""

    role = forms.CharField()


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
    open_slots = forms.IntegerField(
        min_value=0,
        max_value=MAX_OPEN_SLOTS,
        error_messages={
            "invalid": "Open slots must be a whole number.",
            "required": "Give the number of open slots (0 if none).",
            "min_value": "Open slots must be zero or more.",
            "max_value": f"At most {MAX_OPEN_SLOTS:,} open slots.",
        },
    )


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
