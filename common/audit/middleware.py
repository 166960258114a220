"""One place that records access to member information (R-X3): after the view answers, the route's
entry in the registry says what was done to which kind of record; the URL gives its id, a subquery
inside the INSERT finds its member, and the status code gives the outcome (a 404 for a record out
of scope is a refused view). One INSERT per recorded request, in autocommit, before the response
leaves: if it cannot be written the request fails rather than go unrecorded."""

from . import context, services
from .models import AuditEvent, Channel, Outcome
from .registry import route_for

MAX_LISTED_MEMBERS = 500


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = context.Scope(
            request_id=context.new_request_id(),
            channel=_channel(request),
            client_address=context.client_address(request),
            method=request.method,
            path=request.path[:300],
            request=request,
        )
        with context.scope(scope):
            response = self.get_response(request)
            self._record(request, response, scope)
        response["X-Request-ID"] = scope.request_id
        return response

    def _record(self, request, response, scope):
        match = getattr(request, "resolver_match", None)
        outcome = services.outcome_of(response.status_code)
        user = getattr(request, "user", None)
        if response.status_code >= 300 and not getattr(user, "is_authenticated", False):
            outcome = Outcome.REFUSED  # sent to sign in
        rows = [dict(note, event="lookup") for note in scope.notes]
        route = route_for(match.view_name) if match else None
        event = route.event(request.method) if route else None
        if event:
            rows.insert(0, _row(route, event, match, response))
        for row in rows:
            AuditEvent.objects.create(
                outcome=outcome,
                status_code=response.status_code,
                **context.scope_fields(scope),
                **row,
            )


def _channel(request) -> str:
    if request.path.startswith("/api/"):
        return Channel.API
    if request.path.startswith("/admin/"):
        return Channel.ADMIN
    return Channel.BROWSER


def _row(route, event, match, response) -> dict:
    from django.apps import apps

    row = {"event": event, "object_type": route.model}
    raw = match.kwargs.get(route.pk) if route.pk else None
    if raw is not None:
        row["object_pk"] = str(raw)[:255]
        if str(raw).isdigit() and len(str(raw)) < 19:
            row["object_id"] = int(raw)
            model = apps.get_model(route.model)
            row["member_id"] = context.member_of(model, pk=int(raw))
    if route.members:
        row["member_ids"] = _listed_members(response, route.members)
    return row


def _listed_members(response, key) -> list[int] | None:
    """Member ids of an API list page, when the response carries its data (cheap: no query)."""
    data = getattr(response, "data", None)
    rows = data.get("results") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        return None
    ids = []
    for item in rows[:MAX_LISTED_MEMBERS]:
        value = item.get(key) if isinstance(item, dict) else None
        if isinstance(value, dict):
            value = value.get("id")
        if isinstance(value, int):
            ids.append(value)
    return sorted(set(ids))
