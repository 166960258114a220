"""File runs in the browser, for CalOptima Health system admins only (R-F1..R-F4): the list with
each run's progress, "Run a file now", "Run again", a run's status for the progress bar, and the
download of a finished file. Everyone else gets a 404, as for any page that is not theirs."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from common.audit.models import Event, Outcome
from common.audit.services import record
from common.forms import apply_errors
from common.pagination import paged

from . import selectors, services
from .files import OUTBOUND
from .forms import RunFilterForm, RunNowForm
from .models import FileRun, RunStatus

PER_PAGE = 25
POLL_SECONDS = 1.5  # how often the page asks for the progress of a queued or running run
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


def _system_admins_only(request) -> None:
    if not getattr(request.user, "is_system_admin", False):
        raise Http404


def _run_or_404(request, pk: int) -> FileRun:
    _system_admins_only(request)
    return get_object_or_404(selectors.file_runs(request.user), pk=pk)


# --- What a run shows ----------------------------------------------------------------------------


def _when(instant) -> str:
    """A time as the pages show it: California time, the short format."""
    if instant is None:
        return ""
    return formats.date_format(timezone.localtime(instant), "SHORT_DATETIME_FORMAT")


def progress(run: FileRun) -> dict:
    """The progress bar of a run: rows written of expected, and its accessible name."""
    done = f"{run.rows_done:,}"
    if run.rows_expected is None:
        text = f"{done} of a total not counted yet" if run.status in ACTIVE else f"{done}"
    else:
        text = f"{done} of {run.rows_expected:,}"
    return {
        "value": run.rows_done,
        "max": run.rows_expected,  # None: an indeterminate bar while the rows are counted
        "text": text,
        "label": f"Rows written, {text}",
    }


def status_of(run: FileRun) -> dict:
    """What the page's script needs to update a run's row (static/js/file_runs.js)."""
    outbound = OUTBOUND.get(run.kind)
    done = run.status == RunStatus.DONE
    return {
        "id": run.pk,
        "title": outbound.title if outbound else run.kind,
        "network": run.organization.name,
        "file_name": run.file_name,
        "status": run.status,
        "status_label": run.get_status_display(),
        "active": run.status in ACTIVE,
        "progress": progress(run),
        "sha256": run.sha256[:12],
        "started": _when(run.started_at),
        "finished": _when(run.finished_at),
        "error": run.error if run.status == RunStatus.FAILED else "",
        "download_url": reverse("exchange:download", args=[run.pk]) if done else "",
    }


def _decorate(runs) -> list[FileRun]:
    runs = list(runs)
    for run in runs:
        outbound = OUTBOUND.get(run.kind)
        run.title = outbound.title if outbound else run.kind
        run.progress = progress(run)
        run.active = run.status in ACTIVE
    return runs


# --- Pages ---------------------------------------------------------------------------------------


def runs(request):
    """The runs, newest first, with filters; POST: run a file now (one run, or one per HN)."""
    _system_admins_only(request)
    networks = selectors.health_networks()
    form = RunNowForm(request.POST or None, networks=networks)
    if request.method == "POST" and _run_now(request, form):
        return HttpResponseRedirect(reverse("exchange:runs"))
    filters = RunFilterForm(request.GET or None, networks=networks, auto_id="filter_%s")
    found = selectors.file_runs(request.user)
    if filters.is_bound and not filters.is_valid():
        found = found.none()
    elif filters.is_bound:
        found = _filtered(found, filters.cleaned_data)
    context = {"form": form, "filters": filters, **paged(request, found, PER_PAGE)}
    page = context["page"]
    page.object_list = _decorate(page.object_list)
    context["any_active"] = any(run.active for run in page.object_list)
    context["poll_ms"] = int(POLL_SECONDS * 1000)
    context["next"] = request.get_full_path()
    context["period_defaults"] = json.dumps(form.defaults())
    return render(request, "exchange/runs.html", context, status=400 if form.errors else 200)


def _filtered(found, data: dict):
    if data.get("kind"):
        found = found.filter(kind=data["kind"])
    if data.get("network"):
        found = found.filter(organization_id=data["network"])
    if data.get("status"):
        found = found.filter(status=data["status"])
    return found


def _run_now(request, form: RunNowForm) -> bool:
    """Queue the run(s) the form asks for; False (errors on the form) if none could be."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    networks = data["organization"]
    try:
        queued, skipped = services.request_runs(
            kind=data["kind"],
            period_start=data["period_start"],
            organizations=networks,
            user=request.user,
        )
    except ValidationError as exc:  # the same for every network: said once, beside the field
        apply_errors(form, exc)
        return False
    if len(networks) == 1 and skipped:  # one network, already under way: said on the form
        apply_errors(form, skipped[0][1])
        return False
    # Of all the networks, one whose run is under way is skipped and named.
    skipped = [f"{network.name}: {' '.join(error.messages)}" for network, error in skipped]
    if not queued:
        form.add_error(None, skipped)
        return False
    title = OUTBOUND[data["kind"]].title
    run = queued[0]
    where = run.organization.name if len(queued) == 1 else f"{len(queued)} health networks"
    period = f"{run.period_start:%Y-%m-%d} to {run.period_end:%Y-%m-%d}"
    messages.success(request, f"Queued: {title} for {where}, {period}.")
    for line in skipped:
        messages.warning(request, f"Not queued again: {line}")
    return True


@require_POST
def rerun(request, pk: int):
    """Run a file again for its kind, period and health network (R-F4: the same row and file)."""
    run = _run_or_404(request, pk)
    try:
        services.rerun(run=run, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        title = OUTBOUND[run.kind].title if run.kind in OUTBOUND else run.kind
        messages.success(request, f"Queued again: {title} for {run.organization.name}.")
    return HttpResponseRedirect(_back(request))


def _back(request) -> str:
    """The runs page the button was on (its filters and page), else the first page."""
    wanted = request.POST.get("next", "")
    home = reverse("exchange:runs")
    safe = url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})
    return wanted if safe and wanted.startswith(home) else home


@require_GET
def run_status(request, pk: int):
    """A run's progress for the page's script (polled while it is queued or running)."""
    response = JsonResponse(status_of(_run_or_404(request, pk)))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def download(request, pk: int):
    """A finished file as it was delivered, as an attachment. Every download, and every refused
    one, is recorded in the audit trail with who, which file, which HN and when (R-X3)."""
    try:
        run = _run_or_404(request, pk)
        path = services.archived_path(run) if run.status == RunStatus.DONE else None
        if path is None or not path.is_file():
            raise Http404
    except Http404:
        _record_download(pk, None, Outcome.REFUSED, 404)
        raise
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=run.file_name, content_type="text/csv"
    )
    response["X-Content-Type-Options"] = "nosniff"
    _record_download(pk, run, Outcome.ALLOWED, 200)
    return response


def _record_download(pk, run: FileRun | None, outcome: str, status_code: int) -> None:
    """The audit row: the request gives who and when; the row names the file and its HN."""
    record(
        Event.DOWNLOAD,
        outcome=outcome,
        status_code=status_code,
        object_type="exchange.filerun",
        object_pk=str(pk)[:255],
        object_id=pk if pk < 2**63 else None,
        object_repr=f"{run.file_name} for {run.organization.name}" if run else "",
    )
