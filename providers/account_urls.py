"""Sign-in, sign-out, two-step sign-in, password reset, invitations, session keep-alive and
account security under /accounts/. Names are global: Django's auth views expect them so."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import account_views
from .forms import QueuedPasswordResetForm

urlpatterns = [
    path("login/", account_views.SignInView.as_view(), name="login"),
    path("login/verify/", account_views.login_verify, name="login_verify"),
    path("login/enrol/", account_views.login_enrol, name="login_enrol"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("session/", account_views.session_status, name="session_status"),
    path("security/", account_views.security, name="security"),
    path("security/two-step/", account_views.security_enrol, name="security_enrol"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "invite/<uidb64>/<token>/", account_views.InviteAcceptView.as_view(), name="invite_accept"
    ),
    path(
        "invite/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/invite_done.html"),
        name="invite_done",
    ),
]
