from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.search, name="search"),
    path("export/", views.search_export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
]
