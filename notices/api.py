import django_filters
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action

from common.api import ID_REGEX

from . import selectors
from .models import Notice
from .serializers import NoticeSerializer


class NoticeFilter(django_filters.FilterSet):
    """`authorization` is a plain number, not a choice among all authorizations: another
    organization's authorization id then filters to nothing, exactly like a missing id, instead
    of answering 400 for one and 200 for the other (R-X2)."""

    authorization = django_filters.NumberFilter(field_name="authorization_id")

    class Meta:
        model = Notice
        fields = ["authorization", "kind", "language"]


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Letters of the authorizations the caller may see (R-X2: a letter follows its
    authorization, not its member)."""

    serializer_class = NoticeSerializer
    queryset = Notice.objects.none()
    lookup_value_regex = ID_REGEX
    filterset_class = NoticeFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        return selectors.visible_notices(self.request.user).order_by("-created_at", "-id")

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        notice = self.get_object()
        response = FileResponse(
            notice.pdf.open("rb"),
            as_attachment=True,
            filename=f"notice-{notice.pk}-{notice.kind}.pdf",
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"  # a download, never read as another type
        return response
