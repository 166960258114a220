"""The ECM payment report pages (R-$1): the page and its CSV. CalOptima Health staff choose a
provider (or all) and a month; an ECM provider's staff see their own organization's rows only;
everyone else is refused as the review queue refuses (404)."""

import datetime
import re

from django import forms
from django.http import Http404
from django.shortcuts import render

from common import listing
from common.dates import business_today
from common.pagination import paged
from providers.models import Organization

from . import payment

PAGE_SIZE = 50
FIRST_MONTH = datetime.date(2022, 1, 1)  # ECM began in January 2022
MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")  # ASCII digits only


class PaymentReportForm(forms.Form):
    """The month (YYYY-MM, California) and, for CalOptima Health staff, the provider."""

    month = forms.CharField(
        label="Month",
        help_text="Year and month, for example 2026-01.",
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "size": 8, "maxlength": 20}
        ),
    )
    provider = forms.ModelChoiceField(
        label="Provider",
        queryset=payment.report_providers(),
        required=False,
        empty_label="All providers",
    )

    def __init__(self, *args, all_providers: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not all_providers:
            del self.fields["provider"]

    def clean_month(self) -> datetime.date:
        typed = self.cleaned_data["month"].strip()
        found = MONTH.fullmatch(typed)
        if not found:
            raise forms.ValidationError(
                "Write the month as year-month, for example 2026-01 (month 01 to 12)."
            )
        if int(found[1]) < FIRST_MONTH.year:  # before ECM, and year 0000 is no date at all
            raise forms.ValidationError("ECM began in January 2022: choose 2022-01 or later.")
        month = datetime.date(int(found[1]), int(found[2]), 1)
        if month < FIRST_MONTH:
            raise forms.ValidationError("ECM began in January 2022: choose 2022-01 or later.")
        if month > business_today().replace(day=1):
            raise forms.ValidationError(
                "That month has not begun yet: choose this month or one before."
            )
        return month


def _report_form(request) -> PaymentReportForm:
    """The report's form as asked (bound when the month or provider is in the query), else the
    previous month in California. Refuses whoever may not read the report."""
    if not payment.may_read_report(request.user):
        raise Http404
    all_providers = payment.sees_all_providers(request.user)
    asked = "month" in request.GET or "provider" in request.GET
    return PaymentReportForm(
        request.GET if asked else None,
        all_providers=all_providers,
        initial={"month": payment.previous_month().strftime("%Y-%m")},
    )


def _choice(request, form) -> tuple[datetime.date, Organization | None]:
    """The month and provider the rows are for (None: all): a provider's staff always get their
    own organization, whatever provider they ask for."""
    if form.is_bound:
        month = form.cleaned_data["month"]
        chosen = form.cleaned_data.get("provider")
    else:
        month, chosen = payment.previous_month(), None
    if payment.own_provider_id(request.user) is not None:
        return month, request.user.organization
    return month, chosen


def _context(form) -> dict:
    return {
        "form": form,
        "all_providers": "provider" in form.fields,
        "payable_units": payment.PAYABLE_UNITS,
    }


def payment_report(request):
    """Per provider and month: members in force, units and whether the month is payable."""
    form = _report_form(request)
    context = _context(form)
    if form.is_bound and not form.is_valid():
        return render(request, "activities/payment_report.html", context)
    month, provider = _choice(request, form)
    provider_id = provider.pk if provider else None
    paging = paged(request, payment.payment_rows(month, provider_id), PAGE_SIZE)
    totals = payment.provider_totals(month, provider_id)
    context.update(
        paging,
        month=month,
        rows=list(payment.with_payable(paging["page"], month)),
        totals=totals,
        one_provider=provider.name if provider else "",
        grand_total=_grand_total(totals),
        csv_query=f"month={month:%Y-%m}" + (f"&provider={provider_id}" if provider_id else ""),
    )
    return render(request, "activities/payment_report.html", context)


def _grand_total(totals) -> dict | None:
    if len(totals) < 2:
        return None
    return {
        name: sum(getattr(t, name) for t in totals)
        for name in ("members", "payable_members", "units")
    }


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


PAYMENT_CSV = (
    ("provider", lambda r: r["provider_name"]),
    ("member_last_name", lambda r: r["last_name"]),
    ("member_first_name", lambda r: r["first_name"]),
    ("cin", lambda r: r["cin"]),
    ("month", lambda r: r["month"].strftime("%Y-%m")),
    ("in_force_from", lambda r: r["in_force_from"].isoformat()),
    ("in_force_to", lambda r: r["in_force_to"].isoformat()),
    ("authorizations", lambda r: r["authorizations"]),
    ("units", lambda r: r["units"]),
    ("outreach_engagement_units", lambda r: r["outreach_units"]),
    ("payable", lambda r: _yes_no(r["payable"])),
)


def payment_report_csv(request):
    """Every row of the report as asked, streamed as CSV (an export, R-X3). A bad month answers
    with the page and the message beside the field."""
    form = _report_form(request)
    if form.is_bound and not form.is_valid():
        return render(request, "activities/payment_report.html", _context(form), status=400)
    month, provider = _choice(request, form)
    provider_id = provider.pk if provider else None
    rows = payment.with_payable(
        listing.export_rows(payment.payment_rows(month, provider_id)), month
    )
    return listing.csv_response(rows, PAYMENT_CSV, f"ecm-payment-{month:%Y-%m}.csv")
