from django.urls import path

from . import report_views, views

app_name = "activities"

# ECM activities: entry form, lists, the provider's ECM members (R-F1).
urlpatterns = [
    path("members/", views.members, name="members"),
    path("members/<int:pk>/", views.for_member, name="for_member"),
    path("authorizations/<int:pk>/", views.for_authorization, name="for_authorization"),
    path("authorizations/<int:pk>/log/", views.log, name="log"),
]

# The ECM payment report (R-$1): its views live in report_views.py.
urlpatterns += [
    path("payment-report/", report_views.payment_report, name="payment_report"),
    path("payment-report/csv/", report_views.payment_report_csv, name="payment_report_csv"),
]
