from django.urls import path

from . import views

app_name = "providers"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("users/", views.users, name="users"),
    path("users/<int:pk>/role/", views.user_role, name="user_role"),
    path("users/<int:pk>/active/", views.user_active, name="user_active"),
    path("users/<int:pk>/invite/", views.user_invite, name="user_invite"),
    path("users/<int:pk>/token/", views.user_token, name="user_token"),
    path("capacity/", views.capacity_list, name="capacity_list"),
    path("capacity/<int:pk>/", views.capacity, name="capacity"),
    path("panel-requests/", views.panel_requests, name="panel_requests"),
    path("panel-requests/<int:pk>/decide/", views.panel_decide, name="panel_decide"),
]
