from django.urls import path  # noqa: F401  (routes below are added as the pages land)

app_name = "activities"

# ECM activities: entry form, lists, the provider's ECM members (R-F1).
urlpatterns = []

# The ECM payment report (R-$1): its views live in report_views.py.
urlpatterns += []
