"""API error shape: JSON with field-level messages; domain ValidationError -> 400, absent -> 404.
The schema documents these error answers on every operation (AutoSchema below), so that a client
(and schemathesis in tests/trust) can rely on every status code and body the API gives."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, OverflowError):
        # SQLite cannot bind an integer beyond 64 bits (a filter given 99999999999999999999):
        # the input is wrong, not the server.
        exc = exceptions.ValidationError({"detail": ["A number in the request is out of range."]})
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """handler404: under /api/ the same JSON 404 as a missing record (an id that is not a number
    never reaches a view: the routers only match digits); elsewhere the site's 404 page."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


DETAIL = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})
ERRORS = {
    # Field errors keyed by field name (values are lists of messages or nested objects).
    "400": OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: messages by field."),
    "401": OpenApiResponse(DETAIL, description="Not signed in."),
    "403": OpenApiResponse(DETAIL, description="Not allowed."),
    "404": OpenApiResponse(DETAIL, description="No such record in the caller's scope (R-X2)."),
    "429": OpenApiResponse(DETAIL, description="Too many requests."),
}
CONFLICT = OpenApiResponse(OpenApiTypes.OBJECT, description="Conflicts with the current state.")


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the error answers of calaim.api.exception_handler."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        extra = dict(ERRORS)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            extra["409"] = CONFLICT
        for code, response in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
