from django.urls import path

from . import views

app_name = "authorizations"
urlpatterns = [
    path("", views.authorization_list, name="list"),
    path("export/", views.authorization_list_export, name="export"),
    path("queue/", views.queue, name="queue"),
    path("queue/export/", views.queue_export, name="queue_export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/assign/", views.assign_to_me, name="assign"),
    path("<int:pk>/closure/", views.request_closure, name="request_closure"),
    path("<int:pk>/closure/<int:closure_id>/", views.decide_closure, name="decide_closure"),
    path("<int:pk>/change/", views.change_legacy, name="change_legacy"),
]
