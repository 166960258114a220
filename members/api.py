from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import ID_REGEX

from . import selectors
from .models import PopulationOfFocus
from .serializers import (
    EligibilityQuerySerializer,
    EligibilitySerializer,
    MemberDetailSerializer,
    MemberListSerializer,
    MemberSearchSerializer,
    PopulationOfFocusSerializer,
)


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Members the caller's organization has a part in (R-X2). Search is a POST so that CINs and
    names never travel in URLs."""

    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        return selectors.visible_members(self.request.user).order_by(
            "last_name", "first_name", "id"
        )

    def get_serializer_class(self):
        return MemberListSerializer if self.action in ("list", "search") else MemberDetailSerializer

    def get_object(self):
        return selectors.member_detail(self.request.user, self.kwargs["pk"])

    @extend_schema(request=MemberSearchSerializer, responses=MemberListSerializer(many=True))
    @action(detail=False, methods=["post"])
    def search(self, request):
        query = MemberSearchSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(
            selectors.search_members(request.user, **query.validated_data)
        )
        return self.get_paginated_response(MemberListSerializer(page, many=True).data)

    @extend_schema(parameters=[EligibilityQuerySerializer], responses=EligibilitySerializer)
    @action(detail=True, methods=["get"])
    def eligibility(self, request, pk=None):
        member = self.get_object()  # a missing member is a 404 whatever the query
        query = EligibilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        verdict = selectors.eligibility_on(member, query.validated_data["date"])
        return Response(EligibilitySerializer(verdict).data)


class PopulationOfFocusViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = PopulationOfFocus.objects.all()
    serializer_class = PopulationOfFocusSerializer
    lookup_field = "code"
    pagination_class = None
