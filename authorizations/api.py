from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api import ID_REGEX
from notices import services as notice_services

from . import selectors, services
from .forms import AuthorizationFilter
from .models import Authorization
from .serializers import (
    AuthorizationDetailSerializer,
    AuthorizationSerializer,
    ClosureDecisionSerializer,
    ClosureRequestSerializer,
    DecideSerializer,
    LegacyChangeSerializer,
)


class AuthorizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Authorizations in scope, with `responsible_party` (R-A1). CalOptima Health reviewers decide;
    providers and HNs ask for changes through closure requests (R-A2)."""

    filterset_class = AuthorizationFilter
    queryset = Authorization.objects.none()
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Authorization.objects.none()
        return selectors.authorization_list(self.request.user)

    def get_serializer_class(self):
        return AuthorizationSerializer if self.action == "list" else AuthorizationDetailSerializer

    def get_object(self):
        return selectors.authorization_detail(self.request.user, self.kwargs["pk"])

    @extend_schema(request=DecideSerializer, responses=AuthorizationDetailSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        authorization = self.get_object()
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            notice_services.decide(
                user=request.user, authorization_id=authorization.pk, **data.validated_data
            )
        except ValidationError as exc:
            if hasattr(exc, "current"):  # another reviewer decided first: the current state
                return Response(
                    {
                        **exc.message_dict,
                        "current": AuthorizationDetailSerializer(self.get_object()).data,
                    },
                    status=status.HTTP_409_CONFLICT,
                )
            raise
        return Response(AuthorizationDetailSerializer(self.get_object()).data)

    @extend_schema(request=None, responses=AuthorizationDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        services.assign(user=request.user, authorization_id=self.get_object().pk)
        return Response(AuthorizationDetailSerializer(self.get_object()).data)

    @extend_schema(request=ClosureRequestSerializer, responses={201: ClosureRequestSerializer})
    @action(detail=True, methods=["post"], url_path="closure-requests")
    def closure_requests(self, request, pk=None):
        authorization = self.get_object()
        data = ClosureRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        closure = services.request_closure(
            user=request.user, authorization_id=authorization.pk, **data.validated_data
        )
        return Response(ClosureRequestSerializer(closure).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ClosureDecisionSerializer, responses=AuthorizationDetailSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path=rf"closure-requests/(?P<closure_id>{ID_REGEX})/decide",
    )
    def decide_closure(self, request, pk=None, closure_id=None):
        authorization = self.get_object()
        closure = authorization.closure_requests.filter(pk=closure_id).first()
        if closure is None:
            from django.http import Http404

            raise Http404
        data = ClosureDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice_services.decide_closure(
            user=request.user, closure_id=closure.pk, **data.validated_data
        )
        return Response(AuthorizationDetailSerializer(self.get_object()).data)

    @extend_schema(request=LegacyChangeSerializer, responses=AuthorizationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="change")
    def change_legacy(self, request, pk=None):
        """R-A2: the HN that created a legacy authorization ends or changes it in one step (10
        days' notice or an exception, R-N5); the letter follows from the HN (R-N1)."""
        authorization = self.get_object()
        data = LegacyChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice_services.change_legacy(
            user=request.user, authorization_id=authorization.pk, **data.validated_data
        )
        return Response(AuthorizationDetailSerializer(self.get_object()).data)
