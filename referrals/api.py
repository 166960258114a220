from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from authorizations import services as authorization_services
from common.api import ID_REGEX
from members.selectors import visible_members

from . import selectors, services
from .forms import ReferralFilter
from .models import Referral, Status
from .serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    MessageSerializer,
    ReferralCreateSerializer,
    ReferralDetailSerializer,
    ReferralListSerializer,
    TransitionSerializer,
)

IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Sending the same key again returns the first referral and creates nothing.",
)


class ReferralViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Referrals the caller's organization made or received (R-X2); CalOptima Health sees all."""

    filterset_class = ReferralFilter
    queryset = Referral.objects.none()  # for the schema; requests use get_queryset
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        if self.action == "retrieve":
            return selectors.visible_referrals(self.request.user)
        return selectors.referral_list(self.request.user, unread_for=self.request.user)

    def get_serializer_class(self):
        return ReferralListSerializer if self.action == "list" else ReferralDetailSerializer

    def get_object(self):
        return selectors.referral_detail(self.request.user, self.kwargs["pk"])

    @extend_schema(
        request=ReferralCreateSerializer,
        responses={201: ReferralDetailSerializer, 200: ReferralDetailSerializer},
        parameters=[IDEMPOTENCY],
    )
    def create(self, request):
        key = request.headers.get("Idempotency-Key") or None
        if key and len(key) > services.IDEMPOTENCY_KEY_MAX_LENGTH:
            raise ValidationError(
                {"Idempotency-Key": f"At most {services.IDEMPOTENCY_KEY_MAX_LENGTH} characters."}
            )
        data = ReferralCreateSerializer(data=request.data, members=visible_members(request.user))
        data.is_valid(raise_exception=True)
        try:
            referral, created = services.create_referral(
                user=request.user, idempotency_key=key, **data.validated_data
            )
        except services.DuplicateReferral as exc:
            body = {"confirm_duplicate": exc.messages}
            if exc.visible:  # R-X2: another organization's referral is never named
                body["existing"] = {"id": exc.existing.pk, "reference": exc.existing.reference}
            return Response(body, status=status.HTTP_409_CONFLICT)
        body = ReferralDetailSerializer(selectors.referral_detail(request.user, referral.pk)).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _transition(self, request, pk, to):
        referral = self.get_object()
        data = TransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = data.validated_data["note"]
        if to == Status.ACCEPTED:
            # Accepting opens the authorization request (closed loop); the decision on that
            # request moves the referral on (POST /api/v1/authorizations/{id}/decide/).
            authorization_services.accept_referral(
                user=request.user, referral_id=referral.pk, note=note
            )
        elif to == Status.AUTHORIZATION_REQUESTED:
            authorization_services.request_for_referral(
                user=request.user, referral_id=referral.pk, note=note
            )
        elif to == "assign":
            services.assign_provider(
                user=request.user,
                referral_id=referral.pk,
                provider=data.validated_data.get("provider"),
                note=note,
            )
        else:
            services.move(user=request.user, referral_id=referral.pk, to=to, note=note)
        return Response(ReferralDetailSerializer(self.get_object()).data)

    @extend_schema(request=TransitionSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._transition(request, pk, Status.ACCEPTED)

    @extend_schema(request=TransitionSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._transition(request, pk, Status.DECLINED)

    @extend_schema(request=TransitionSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return self._transition(request, pk, "assign")

    @extend_schema(request=TransitionSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"], url_path="request-authorization")
    def request_authorization(self, request, pk=None):
        return self._transition(request, pk, Status.AUTHORIZATION_REQUESTED)

    @extend_schema(request=TransitionSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"], url_path="start-service")
    def start_service(self, request, pk=None):
        return self._transition(request, pk, Status.SERVICE_STARTED)

    @extend_schema(request=TransitionSerializer, responses=ReferralDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(request, pk, Status.CLOSED)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=MessageSerializer(many=True),
        description="The whole thread, oldest first (not paginated).",
    )
    @extend_schema(methods=["POST"], request=MessageSerializer, responses={201: MessageSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def messages(self, request, pk=None):
        referral = self.get_object()
        if request.method == "POST":
            data = MessageSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            message = services.post_message(
                user=request.user, referral=referral, body=data.validated_data["body"]
            )
            return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
        services.mark_read(user=request.user, referral=referral)
        return Response(MessageSerializer(referral.messages.all(), many=True).data)

    @extend_schema(request=AttachmentUploadSerializer, responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        referral = self.get_object()
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            attachment = services.add_attachment(
                user=request.user, referral=referral, upload=data.validated_data["file"]
            )
        except ValidationError as exc:
            return Response(
                {"file": exc.message_dict.get("attachments", exc.messages)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
