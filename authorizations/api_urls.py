from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.register("authorizations", api.AuthorizationViewSet, basename="authorization")
urlpatterns = router.urls
