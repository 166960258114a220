from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from authorizations.selectors import visible_authorizations
from common.api import ID_REGEX

from . import selectors, services
from .forms import ActivityFilter
from .models import EcmActivity
from .serializers import EcmActivityCreateSerializer, EcmActivitySerializer

NO_SUCH_AUTHORIZATION = "No such authorization."


class EcmActivityViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """ECM activities (R-F1): the caller's organization's, CalOptima Health sees all (R-X2).
    Provider staff log one against an ECM authorization of their organization in force."""

    serializer_class = EcmActivitySerializer
    filterset_class = ActivityFilter
    queryset = EcmActivity.objects.none()  # for the schema; requests use get_queryset
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EcmActivity.objects.none()
        return selectors.activity_rows(self.request.user)

    @extend_schema(
        request=EcmActivityCreateSerializer,
        responses={
            201: EcmActivitySerializer,
            404: OpenApiResponse(
                description="The authorization is missing or another provider's (R-X2): the "
                'same answer, {"authorization": ["No such authorization."]}.'
            ),
            409: OpenApiResponse(
                description="A duplicate (same member, date, type and method): the warning "
                "under confirm_duplicate; send confirm_duplicate: true to log it anyway."
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        data = EcmActivityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        authorization = (
            visible_authorizations(request.user).filter(pk=values.pop("authorization")).first()
        )
        if authorization is None:
            raise NotFound({"authorization": [NO_SUCH_AUTHORIZATION]})
        try:
            activity = services.log_activity(
                user=request.user, authorization=authorization, **values
            )
        except services.DuplicateActivity as exc:
            return Response(exc.message_dict, status=status.HTTP_409_CONFLICT)
        body = EcmActivitySerializer(selectors.activity_rows(request.user).get(pk=activity.pk))
        return Response(body.data, status=status.HTTP_201_CREATED)
