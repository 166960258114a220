from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("export/", views.referral_list_export, name="export"),
    path("new/", views.new_referral, name="new"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/export/", views.inbox_export, name="inbox_export"),
    path("intake/", views.intake, name="intake"),
    path("intake/<int:pk>/match/", views.intake_match, name="intake_match"),
    path("intake/<int:pk>/reject/", views.intake_reject, name="intake_reject"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/messages/", views.post_message, name="post_message"),
    path("<int:pk>/attachments/", views.add_attachment, name="add_attachment"),
    path("<int:pk>/resend/", views.resend, name="resend"),
    path("<int:pk>/<str:action>/", views.move, name="move"),
    path("attachments/<int:pk>/", views.download_attachment, name="download"),
]
