from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.runs, name="runs"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("runs/<int:pk>/download/", views.download, name="download"),
    path("runs/<int:pk>/rerun/", views.rerun, name="rerun"),
]
