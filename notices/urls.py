from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [path("<int:pk>/download/", views.download, name="download")]
