from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.register("ecm-activities", api.EcmActivityViewSet, basename="ecm-activity")
urlpatterns = router.urls
