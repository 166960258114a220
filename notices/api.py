from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action

from . import selectors
from .models import Notice
from .serializers import NoticeSerializer


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Letters of members the caller may see (R-X2)."""

    serializer_class = NoticeSerializer
    queryset = Notice.objects.none()
    filterset_fields = ["authorization", "kind", "language"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        return selectors.visible_notices(self.request.user).order_by("-created_at", "-id")

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        notice = self.get_object()
        return FileResponse(
            notice.pdf.open("rb"),
            as_attachment=True,
            filename=f"notice-{notice.pk}-{notice.kind}.pdf",
            content_type="application/pdf",
        )
