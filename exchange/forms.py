"""The file runs page's two forms: the filters of the list and "Run a file now" (R-F1..R-F4).

The forms check only what a form can (a known choice, a date); the rules of a period (a Monday
for a weekly file, the 1st for a monthly one) and of a partner are the service's, and its errors
come back beside the field (common.forms.apply_errors)."""

import datetime

from django import forms

from common.dates import business_today

from . import periods, services
from .files import OUTBOUND
from .models import RunStatus

ALL_NETWORKS = "all"


def kind_choices() -> list[tuple[str, str]]:
    """The outbound files in the registry's order (the weekly log first)."""
    return [(kind, f.title) for kind, f in OUTBOUND.items()]


def default_period_start(kind: str, today: datetime.date | None = None) -> datetime.date | None:
    """The period the schedule runs the file for (exchange.services.SCHEDULED_PERIOD): the week
    before this one for the weekly log (R-F1), the month starting for the eligibility file and
    the POF list (R-F2, R-P4), the month just ended for the reconciliation (R-A7)."""
    outbound = OUTBOUND.get(kind)
    if outbound is None:
        return None
    today = today or business_today()
    scheduled = services.SCHEDULED_PERIOD.get(kind)
    if scheduled is not None:
        return scheduled(today)[0]
    return periods.period_for(outbound.cadence, today)[0]


def _network_choices(networks) -> list[tuple[str, str]]:
    return [(str(n.pk), n.name) for n in networks]


class RunFilterForm(forms.Form):
    """Filters of the runs list (GET). A value that is not a choice is refused beside its box."""

    kind = forms.ChoiceField(label="File", required=False)
    network = forms.ChoiceField(label="Health network", required=False)
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any")] + list(RunStatus.choices)
    )

    def __init__(self, *args, networks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Any")] + kind_choices()
        self.fields["network"].choices = [("", "Any")] + _network_choices(networks)


class RunNowForm(forms.Form):
    """Run a file for a period and a health network, or for every health network (one run each).
    `networks`: the health networks to choose from, read once by the view."""

    kind = forms.ChoiceField(label="File")
    period_start = forms.DateField(
        label="Period start",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A Monday for a weekly file (the week Monday to Sunday); the 1st of the month "
        "for a monthly file.",
    )
    organization = forms.ChoiceField(label="Health network")

    def __init__(self, *args, networks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.networks = {str(n.pk): n for n in networks}
        choices = kind_choices()
        self.fields["kind"].choices = choices
        self.fields["organization"].choices = [
            ("", "Choose a health network"),
            (ALL_NETWORKS, "All health networks (one run each)"),
            *_network_choices(networks),
        ]
        if not self.is_bound and choices:
            kind = self.initial.get("kind") or choices[0][0]
            self.initial.setdefault("kind", kind)
            self.initial.setdefault("period_start", default_period_start(kind))

    def clean_organization(self) -> list:
        """The health networks to run the file for: one, or all of them."""
        value = self.cleaned_data["organization"]
        if value == ALL_NETWORKS:
            return list(self.networks.values())
        return [self.networks[value]]

    def defaults(self) -> dict[str, str]:
        """Each file's default period start, for the script that fills the date on a change."""
        return {kind: default_period_start(kind).isoformat() for kind, _ in kind_choices()}
