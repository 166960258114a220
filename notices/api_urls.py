from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.register("notices", api.NoticeViewSet, basename="notice")
urlpatterns = router.urls
