from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.register("members", api.MemberViewSet, basename="member")
router.register("populations-of-focus", api.PopulationOfFocusViewSet, basename="population")
urlpatterns = router.urls
