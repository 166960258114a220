"""Who and where, for the rows written while a request (or a file command) runs.

The middleware opens a `Scope` per request; the library's change rows, the sign-in signals and
look-ups noted by selectors read it. Outside any scope (a task, the shell) rows carry no user."""

import contextlib
import ipaddress
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Subquery

from .models import ACTION_EVENTS, Channel
from .registry import member_models

_current: ContextVar["Scope | None"] = ContextVar("calaim_audit_scope", default=None)


@dataclass
class Scope:
    request_id: str
    channel: str
    client_address: str | None = None
    method: str = ""
    path: str = ""
    request: object = None  # the HttpRequest: its user is read when a row is written (DRF sets it)
    actor: object = None  # a user given explicitly (file commands)
    notes: list[dict] = field(default_factory=list)  # extra rows the middleware writes


def current() -> Scope | None:
    return _current.get()


@contextlib.contextmanager
def scope(new: Scope):
    token = _current.set(new)
    try:
        yield new
    finally:
        _current.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the first address of the header the proxy sets
    (the same setting as the public rate limit). Anything that is not an address is dropped."""
    key = getattr(settings, "RATELIMIT_IP_META_KEY", "REMOTE_ADDR") or "REMOTE_ADDR"
    value = (request.META.get(key) or request.META.get("REMOTE_ADDR") or "").split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def who(user) -> dict:
    """The snapshot columns for a user: their name, organization and role at the time."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {
            "actor": None,
            "actor_email": None,
            "username": "",
            "organization_id": None,
            "organization_name": "",
            "role": "",
        }
    organization_id = getattr(user, "organization_id", None)
    return {
        "actor": user,
        "actor_email": getattr(user, "email", "") or None,
        "username": user.get_username(),
        "organization_id": organization_id,
        "organization_name": _organization_name(user, organization_id),
        "role": getattr(user, "role", "") or "",
    }


def _organization_name(user, organization_id):
    """The name if the user's organization is loaded, else a subquery inside the INSERT."""
    if organization_id is None:
        return ""
    fk = user._meta.get_field("organization")
    if fk.is_cached(user):
        return str(user.organization)
    return Subquery(fk.related_model._base_manager.filter(pk=organization_id).values("name")[:1])


def scope_fields(current_scope: Scope | None = None) -> dict:
    """Columns every row written inside the scope shares."""
    s = current_scope or current()
    if s is None:
        return {"channel": Channel.SYSTEM}
    user = s.actor or getattr(s.request, "user", None)
    return {
        **who(user),
        "cid": s.request_id,
        "channel": s.channel,
        "remote_addr": s.client_address,
        "method": s.method,
        "path": s.path,
    }


def member_of(model, pk=None, instance=None):
    """The member id of a record of a registered model: a value when the instance has it at hand,
    else a subquery resolved inside the INSERT (no extra round trip)."""
    path = member_models().get(model._meta.label_lower)
    if path is None:
        return None
    parts = path.split("__")
    if instance is not None:
        if len(parts) == 1:
            return instance.pk if path == "pk" else getattr(instance, path)
        fk = model._meta.get_field(parts[0])
        if fk.is_cached(instance):
            related = getattr(instance, parts[0])
            return getattr(related, parts[1]) if related is not None else None
        related_pk = getattr(instance, fk.attname)
        if related_pk is None:
            return None
        return Subquery(fk.related_model._base_manager.filter(pk=related_pk).values(parts[1])[:1])
    if path == "pk":
        return pk
    return Subquery(model._base_manager.filter(pk=pk).values(path)[:1])


def change_fields(instance, action) -> dict:
    """Columns of a change row written by the library's signals."""
    return {
        **scope_fields(),
        "event": ACTION_EVENTS.get(action, ""),
        "member_id": member_of(type(instance), instance=instance),
    }
