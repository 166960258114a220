from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from common.forms import apply_errors

from . import selectors, services
from .forms import (
    CapacityForm,
    DirectoryFilterForm,
    NewUserForm,
    PanelChangeRequestForm,
    PanelDecisionForm,
    RoleForm,
    role_choices,
)
from .models import MAX_OPEN_SLOTS


def directory(request):
    form = DirectoryFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "service_code": data["service"].code if data["service"] else "",
            "population_code": data["population"].code if data["population"] else "",
            "accepting": True if data["accepting"] else None,
        }
    organizations = selectors.directory(**filters)
    return render(
        request, "providers/directory.html", {"form": form, "organizations": organizations}
    )


def _require_user_manager(user):
    if not (user.is_site_admin or user.is_system_admin):
        raise Http404


def _users_page(request, *, form=None, role_error=None, status=200):
    people = selectors.organization_users(request.user)
    return render(
        request,
        "providers/users.html",
        {
            "form": form or NewUserForm(actor=request.user),
            "people": people,
            "role_choices": role_choices(request.user, request.user.organization),
            "role_error": role_error or (None, ""),
            "can_edit_capacity": services.can_edit_capacity(
                request.user, request.user.organization_id
            ),
        },
        status=status,
    )


def users(request):
    """R-X1: a site administrator sees and manages their own organization's users."""
    _require_user_manager(request.user)
    form = NewUserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.invite_user(
                actor=request.user, site_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                f"Account {created.username} created. An invitation to set a password was sent "
                f"to {created.email}.",
            )
            return redirect("providers:users")
    return _users_page(request, form=form, status=400 if form.errors else 200)


def _managed_user(request, pk):
    return get_object_or_404(selectors.organization_users(request.user), pk=pk)


@require_POST
def user_role(request, pk):
    """R-X1: a refused role is explained beside that person's role select."""
    _require_user_manager(request.user)
    person = _managed_user(request, pk)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"role": "Choose a role."})
        changed = services.change_role(
            actor=request.user, user_id=person.pk, role=form.cleaned_data["role"]
        )
    except ValidationError as exc:
        return _users_page(request, role_error=(person.pk, " ".join(exc.messages)), status=400)
    messages.success(request, f"{changed.username} is now {changed.get_role_display()}.")
    return redirect("providers:users")


@require_POST
def user_active(request, pk):
    _require_user_manager(request.user)
    person = _managed_user(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(actor=request.user, user_id=person.pk, active=active)
        messages.success(
            request, f"{person.username} {'reactivated' if active else 'deactivated'}."
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("providers:users")


@require_POST
def user_invite(request, pk):
    """R-X1: send a person who has not set a password yet a new invitation link."""
    _require_user_manager(request.user)
    person = _managed_user(request, pk)
    try:
        services.resend_invitation(
            actor=request.user, user_id=person.pk, site_url=request.build_absolute_uri("/")
        )
        messages.success(request, f"A new invitation was sent to {person.email}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("providers:users")


@require_POST
def user_token(request, pk):
    """R-X1: a site administrator revokes the API token of a person of their organization."""
    _require_user_manager(request.user)
    person = _managed_user(request, pk)
    if services.revoke_api_token(actor=request.user, user_id=person.pk):
        messages.success(request, f"The API token of {person.username} was revoked.")
    else:
        messages.info(request, f"{person.username} has no API token.")
    return redirect("providers:users")


def _own_offerings(request):
    """The offerings whose capacity the user keeps current (R-R3); 404 for anyone else."""
    if not services.can_edit_capacity(request.user, request.user.organization_id):
        raise Http404
    return selectors.offerings_of_organization(request.user.organization)


def _capacity_page(request, *, failed=None, status=200):
    """Each offering with its own form; a refused one keeps what was typed, the error beside it."""
    rows = [
        failed
        if failed is not None and failed[0].pk == o.pk
        else (
            o,
            CapacityForm(
                initial={"accepting_referrals": o.accepting_referrals, "open_slots": o.open_slots},
                prefix=f"o{o.pk}",
            ),
        )
        for o in _own_offerings(request)
    ]
    context = {
        "rows": rows,
        "max_open_slots": MAX_OPEN_SLOTS,
        "max_open_slots_text": f"{MAX_OPEN_SLOTS:,}",
    }
    return render(request, "providers/capacity.html", context, status=status)


def capacity_list(request):
    """R-R3: the organization's offerings, open slots and accepting referrals, edited in place."""
    return _capacity_page(request)


@require_POST
def capacity(request, pk):
    offering = get_object_or_404(_own_offerings(request), pk=pk)
    form = CapacityForm(request.POST, prefix=f"o{offering.pk}")
    if form.is_valid():
        try:
            services.update_capacity(
                actor=request.user, offering_id=offering.pk, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Capacity for {offering.service} updated.")
            return redirect(f"{reverse('providers:capacity_list')}#offering-{offering.pk}")
    return _capacity_page(request, failed=(offering, form), status=400)


def panel_requests(request):
    """R-P3: ECM site administrators ask for panel changes; system admins decide them."""
    user = request.user
    can_request = bool(
        user.is_site_admin and user.organization and user.organization.is_ecm_provider
    )
    if not (can_request or user.is_system_admin):
        raise Http404
    form = PanelChangeRequestForm(request.POST or None) if can_request else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.request_panel_change(user=user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Your request was sent to CalOptima Health.")
            return redirect("providers:panel_requests")
    panel = (
        user.organization.panel_entries.select_related("population") if user.organization else []
    )
    return render(
        request,
        "providers/panel_requests.html",
        {
            "form": form,
            "requests": selectors.panel_requests_for(user),
            "panel": panel,
            "decision_form": PanelDecisionForm(),
        },
    )


@require_POST
def panel_decide(request, pk):
    if not request.user.is_system_admin:
        raise Http404
    get_object_or_404(selectors.panel_requests_for(request.user), pk=pk)
    form = PanelDecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        services.decide_panel_change(
            user=request.user,
            request_id=pk,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
        messages.success(request, "Decision recorded.")
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("providers:panel_requests")
