from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from providers import account_views
from referrals import views as referral_views

from . import views

api_v1 = [
    path("", include("members.api_urls")),
    path("", include("providers.api_urls")),
    path("", include("referrals.api_urls")),
    path("", include("authorizations.api_urls")),
    path("", include("notices.api_urls")),
    path("", include("activities.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("providers.account_urls")),
    path("members/", include("members.urls")),
    path("providers/", include("providers.urls")),
    path("referrals/", include("referrals.urls")),
    path("authorizations/", include("authorizations.urls")),
    path("notices/", include("notices.urls")),
    path("activities/", include("activities.urls")),
    path("files/", include("exchange.urls")),  # file runs, for system admins (R-F4)
    path("refer/", referral_views.self_referral, name="self_referral"),
    path("refer/received/", referral_views.self_referral_thanks, name="self_referral_thanks"),
    # The public pages' language switch (a POST; sets the language cookie, back to the same page).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/login/", account_views.admin_login),  # two-step sign-in for the admin too
    path("audit/", include("common.audit.urls")),  # R-X3 compliance view
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script under the CSP.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
]

# JSON 404 under /api/ (an id that is not a number matches no route), the site's page elsewhere.
handler404 = "calaim.api.not_found"
