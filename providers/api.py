from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from common.api import ID_REGEX

from . import selectors
from .serializers import DirectoryQuerySerializer, OrganizationSerializer, ServiceSerializer


# The directory filters apply to the list only (a single organization ignores them).
@extend_schema_view(list=extend_schema(parameters=[DirectoryQuerySerializer]))
class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """The provider directory: by service, POF and accepting-referrals, with capacity."""

    serializer_class = OrganizationSerializer
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        if self.action != "list":
            return selectors.directory()
        query = DirectoryQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.directory(
            service_code=data["service"].code if data.get("service") else "",
            population_code=data["population"].code if data.get("population") else "",
            accepting=data.get("accepting"),
        )


class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.services()
    serializer_class = ServiceSerializer
    lookup_field = "code"
    pagination_class = None
