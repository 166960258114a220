"""The compliance view (R-X3): CalOptima Health system admins search the trail and download it as
CSV. Everyone else gets a 404, as for any page that is not theirs. Reading the trail is recorded
by the middleware like any other read."""

import csv

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from common.pagination import paged

from . import selectors
from .forms import TrailFilterForm

PER_PAGE = 50
CSV_COLUMNS = (
    ("time_utc", lambda e: e.timestamp.isoformat()),
    ("request_id", lambda e: e.cid or ""),
    ("event", lambda e: e.event),
    ("outcome", lambda e: e.outcome),
    ("channel", lambda e: e.channel),
    ("user", lambda e: e.username),
    ("user_id", lambda e: e.actor_id or ""),
    ("organization_id", lambda e: e.organization_id or ""),
    ("organization", lambda e: e.organization_name),
    ("role", lambda e: e.role),
    ("object_type", lambda e: e.object_type),
    ("object_id", lambda e: e.object_pk),
    ("object", lambda e: e.record_name),  # a file run: "FILE_NAME for HN"
    ("member_id", lambda e: e.member_id or ""),
    ("members_listed", lambda e: " ".join(map(str, e.member_ids or []))),
    ("changed_fields", lambda e: " ".join(e.changed_fields)),
    ("client_address", lambda e: e.remote_addr or ""),
    ("method", lambda e: e.method),
    ("path", lambda e: e.path),
    ("status", lambda e: e.status_code or ""),
)


def _compliance_only(request):
    if not getattr(request.user, "is_system_admin", False):
        raise Http404


def _filters(request):
    form = TrailFilterForm(request.GET or None)
    return form, (form.cleaned_data if form.is_valid() else None)


def trail(request):
    _compliance_only(request)
    if request.method == "POST":
        form, data = TrailFilterForm(request.POST), None
        if form.is_valid():
            query = {k: v for k, v in form.cleaned_data.items() if v not in ("", None)}
            return HttpResponseRedirect(f"{reverse('audit:trail')}?{urlencode(query)}")
    else:
        form, data = _filters(request)
    if form.is_bound and data is None:
        rows = selectors.trail().none()
    else:
        rows = selectors.trail(**(data or {}))
    context = {"form": form, **paged(request, rows, PER_PAGE)}
    page = context["page"]
    page.object_list = list(page.object_list)
    labels = _role_labels()
    for event in page.object_list:
        event.role_label = labels.get(event.role, event.role)
    return render(request, "audit/trail.html", context)


def _role_labels() -> dict:
    """Role names as the user model labels them (no import of the app that defines roles)."""
    field = get_user_model()._meta.get_field("role")
    return {str(k): str(v) for k, v in field.flatchoices}


class _Echo:
    def write(self, value):
        return value


def _safe(value) -> str:
    """No spreadsheet formulas: a cell that starts like one is quoted."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def download(request):
    _compliance_only(request)
    form, data = _filters(request)
    if form.is_bound and data is None:
        raise Http404
    rows = selectors.trail(**(data or {}))
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow([name for name, _ in CSV_COLUMNS])
        for event in rows.iterator(chunk_size=2000):
            yield writer.writerow([_safe(get(event)) for _, get in CSV_COLUMNS])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    response["Cache-Control"] = "no-store"
    return response
