from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.register("organizations", api.OrganizationViewSet, basename="organization")
router.register("services", api.ServiceViewSet, basename="service")
urlpatterns = router.urls
