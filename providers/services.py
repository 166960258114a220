"""What the providers app does: POF panel changes (R-P3), users managed by site administrators
(R-X1), capacity updates. One transaction each; bad input raises ValidationError naming the
field."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from common.outbox import services as outbox

from . import tasks
from .models import MAX_OPEN_SLOTS, EcmPanelEntry, Offering, PanelChangeRequest, Role, User
from .rules import role_problem


@transaction.atomic
def request_panel_change(*, user, population, action: str, expertise_statement: str):
    """R-P3: an ECM organization's site administrator asks to add or remove a POF."""
    org = user.organization
    if not (user.is_site_admin and org and org.is_ecm_provider):
        raise PermissionDenied(
            "Only an ECM provider's site administrator can ask for panel changes."
        )
    if not (expertise_statement or "").strip():
        raise ValidationError({"expertise_statement": "Describe the organization's expertise."})
    on_panel = EcmPanelEntry.objects.filter(organization=org, population=population).exists()
    if action == PanelChangeRequest.Action.ADD and on_panel:
        raise ValidationError({"population": f"POF {population.code} is already on the panel."})
    if action == PanelChangeRequest.Action.REMOVE and not on_panel:
        raise ValidationError({"population": f"POF {population.code} is not on the panel."})
    # R-P2: POF 3 and POF 6 have a sole provider; POF 5 is the plan's and the networks'.
    if action == PanelChangeRequest.Action.ADD and population.sole_provider_id not in (
        None,
        org.pk,
    ):
        raise ValidationError(
            {"population": f"POF {population.code} is served by {population.sole_provider} alone."}
        )
    if (
        action == PanelChangeRequest.Action.ADD
        and population.served_by_plan_and_networks
        and not (org.is_caloptima or org.is_health_network)
    ):
        raise ValidationError(
            {
                "population": f"POF {population.code} is served by CalOptima Health and the "
                "health networks."
            }
        )
    try:
        with transaction.atomic():
            return PanelChangeRequest.objects.create(
                organization=org,
                population=population,
                action=action,
                expertise_statement=expertise_statement.strip(),
                requested_by=user,
            )
    except IntegrityError:
        raise ValidationError(
            {"population": f"A request for POF {population.code} is already pending."}
        ) from None


@transaction.atomic
def decide_panel_change(*, user, request_id: int, approve: bool, note: str = ""):
    """R-P3: a system admin approves or rejects; the panel changes only on approval."""
    if not user.is_system_admin:
        raise PermissionDenied("Only a system admin decides panel changes.")
    req = PanelChangeRequest.objects.select_for_update().get(pk=request_id)
    if req.status != PanelChangeRequest.Status.PENDING:
        raise ValidationError({"status": f"This request was already {req.get_status_display()}."})
    if not approve and not note.strip():
        raise ValidationError({"decision_note": "Give the reason for the rejection."})
    if approve:
        if req.action == PanelChangeRequest.Action.ADD:
            EcmPanelEntry.objects.get_or_create(
                organization=req.organization, population=req.population
            )
        else:
            EcmPanelEntry.objects.filter(
                organization=req.organization, population=req.population
            ).delete()
    req.status = (
        PanelChangeRequest.Status.APPROVED if approve else PanelChangeRequest.Status.REJECTED
    )
    req.decided_by = user
    req.decided_at = timezone.now()
    req.decision_note = note.strip()
    req.save()
    return req


def _require_site_admin_of(actor, target_org_id):
    """R-X1: a site administrator acts on their own organization only."""
    if not (actor.is_site_admin or actor.is_system_admin):
        raise PermissionDenied("Only a site administrator manages users.")
    if actor.is_site_admin and actor.organization_id != target_org_id:
        raise PermissionDenied("Site administrators manage their own organization's users only.")


def _protect_system_admin(actor, user, field: str):
    """A site administrator can neither grant the system admin role nor take it away (R-X1)."""
    if user.is_system_admin and not actor.is_system_admin:
        raise ValidationError({field: "Only a system admin changes a system admin's account."})


SITE_ADMIN_ASSIGNABLE = {
    Role.CARE_COORDINATOR,
    Role.PROVIDER_STAFF,
    Role.UTILIZATION_REVIEWER,
    Role.HEALTH_NETWORK_STAFF,
    Role.SITE_ADMIN,
}


def _check_role(actor, role, organization):
    if role not in Role.values:
        raise ValidationError({"role": f"'{role}' is not a role."})
    if actor.is_site_admin and role not in SITE_ADMIN_ASSIGNABLE:
        raise ValidationError({"role": "A site administrator cannot grant the system admin role."})
    problem = role_problem(role, organization)
    if problem:
        raise ValidationError({"role": problem})


@transaction.atomic
def invite_user(
    *, actor, username: str, email: str, first_name: str, last_name: str, role: str, site_url: str
) -> User:
    """A site administrator adds a person to their own organization (one account each, R-X1).
    The person gets a one-time link by email and sets their own password; until then the account
    has no usable password."""
    org = actor.organization
    _require_site_admin_of(actor, org.pk if org else None)
    _check_role(actor, role, org)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "This username is taken."})
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        organization=org,
        is_staff=role == Role.SYSTEM_ADMIN,
        is_superuser=role == Role.SYSTEM_ADMIN,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    _queue_invitation(user, actor, site_url)
    return user


def _queue_invitation(user, actor, site_url: str) -> None:
    """Through the outbox: the row commits with the account and the email goes after the commit."""
    outbox.enqueue(tasks.send_invitation.name, user.pk, actor.pk, site_url)


@transaction.atomic
def resend_invitation(*, actor, user_id: int, site_url: str) -> User:
    """A new link for a person who has not set a password yet (earlier links keep their expiry)."""
    user = User.objects.select_for_update().get(pk=user_id)
    _require_site_admin_of(actor, user.organization_id)
    if user.has_usable_password():
        raise ValidationError({"password": "This person has already set a password."})
    if not user.is_active:
        raise ValidationError({"is_active": "Reactivate the account first."})
    _queue_invitation(user, actor, site_url)
    return user


@transaction.atomic
def change_role(*, actor, user_id: int, role: str) -> User:
    user = User.objects.select_for_update().get(pk=user_id)
    _require_site_admin_of(actor, user.organization_id)
    _protect_system_admin(actor, user, "role")
    _check_role(actor, role, user.organization)
    if user.pk == actor.pk and role != actor.role:
        raise ValidationError({"role": "You cannot change your own role."})
    user.role = role
    user.is_staff = user.is_superuser = role == Role.SYSTEM_ADMIN
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    return user


@transaction.atomic
def set_active(*, actor, user_id: int, active: bool) -> User:
    user = User.objects.select_for_update().get(pk=user_id)
    _require_site_admin_of(actor, user.organization_id)
    _protect_system_admin(actor, user, "is_active")
    if user.pk == actor.pk and not active:
        raise ValidationError({"is_active": "You cannot deactivate your own account."})
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        Token.objects.filter(user=user).delete()  # a deactivated person's API token is revoked
    return user


def can_edit_capacity(actor, organization_id) -> bool:
    """Provider staff and site administrators of the organization keep its published capacity
    current (R-R3); a system admin may correct anyone's."""
    if actor.is_system_admin:
        return True
    return (
        organization_id is not None
        and actor.organization_id == organization_id
        and actor.role in (Role.PROVIDER_STAFF, Role.SITE_ADMIN)
    )


@transaction.atomic
def update_capacity(*, actor, offering_id: int, accepting_referrals: bool, open_slots: int):
    """Provider staff or a site administrator publishes the organization's capacity (R-R3):
    open slots from zero to MAX_OPEN_SLOTS."""
    offering = Offering.objects.select_for_update().get(pk=offering_id)
    if not can_edit_capacity(actor, offering.organization_id):
        raise PermissionDenied("Only the organization's provider staff edit its capacity.")
    if open_slots is None or open_slots < 0:
        raise ValidationError({"open_slots": "Open slots must be zero or more."})
    if open_slots > MAX_OPEN_SLOTS:
        raise ValidationError({"open_slots": f"At most {MAX_OPEN_SLOTS:,} open slots."})
    offering.accepting_referrals = accepting_referrals
    offering.open_slots = open_slots
    offering.save(update_fields=["accepting_referrals", "open_slots", "updated_at"])
    return offering


# --- Capacity follows accepted referrals (R-R3; issue 10, part B) ------------------------------

NO_OPEN_SLOT = (
    "{organization} shows no open slots for {service}. Publish the capacity you have on the "
    "Capacity page, or decline the referral."
)


@transaction.atomic
def take_slot(*, organization, service) -> Offering | None:
    """An accepted referral takes one open slot of the receiver's offering of the service. At
    0 open slots it is refused (the published capacity must say there is room): a ValidationError
    on `open_slots`. None when the organization publishes no offering of the service."""
    offering = (
        Offering.objects.select_for_update()
        .filter(organization=organization, service=service)
        .first()
    )
    if offering is None:
        return None
    if offering.open_slots <= 0:
        raise ValidationError(
            {
                "open_slots": NO_OPEN_SLOT.format(
                    organization=organization, service=service.name.lower()
                )
            }
        )
    offering.open_slots -= 1
    offering.save(update_fields=["open_slots", "updated_at"])
    return offering


@transaction.atomic
def release_slot(*, organization, service) -> Offering | None:
    """A referral that held a slot is closed: the slot is open again (never above the maximum)."""
    offering = (
        Offering.objects.select_for_update()
        .filter(organization=organization, service=service)
        .first()
    )
    if offering is None:
        return None
    offering.open_slots = min(offering.open_slots + 1, MAX_OPEN_SLOTS)
    offering.save(update_fields=["open_slots", "updated_at"])
    return offering


@transaction.atomic
def issue_api_token(*, user) -> Token:
    """A new API token for the user (it replaces theirs); it expires after API_TOKEN_TTL_HOURS."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def revoke_api_token(*, actor, user_id: int) -> bool:
    """The user revokes their own token; a site administrator their organization's users'."""
    if actor.pk != user_id:
        user = User.objects.get(pk=user_id)
        _require_site_admin_of(actor, user.organization_id)
    deleted, _ = Token.objects.filter(user_id=user_id).delete()
    return bool(deleted)
