from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter(trailing_slash=True)
router.register("referrals", api.ReferralViewSet, basename="referral")
urlpatterns = router.urls
