"""Sign-in in two steps (password, then a TOTP or recovery code), enrolment, account security
(two-step sign-in, recovery codes, API token), the session keep-alive, and invitation links.
django.contrib.auth's login() runs only once both factors are given."""

import time

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from rest_framework.authtoken.models import Token

from . import services, sessions, two_factor
from .api_auth import token_expires_at
from .forms import CodeForm
from .invites import invite_tokens
from .models import User

PENDING = "calaim_pending_sign_in"  # {user, backend, next, at, tries} between the two steps
MAX_CODE_TRIES = 5


class SignInView(auth_views.LoginView):
    """Step one: username and password (django-axes refuses locked-out names and addresses)."""

    def form_valid(self, form):
        user = form.get_user()
        if not (user.requires_two_factor or two_factor.has_two_factor(user)):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": time.time(),
            "tries": 0,
        }
        step = "login_verify" if two_factor.has_two_factor(user) else "login_enrol"
        return redirect(step)


def _pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > settings.TWO_FACTOR_PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def _restart(request, text="Your sign-in took too long. Enter your password again."):
    request.session.pop(PENDING, None)
    messages.info(request, text)
    return redirect("login")


def _finish(request, user, pending, device):
    request.session.pop(PENDING, None)
    login(request, user, backend=pending["backend"])
    otp_login(request, device)


def _wrong_code(request, user, pending, form):
    """A wrong code counts as a failed sign-in (django-axes, the audit trail); after
    MAX_CODE_TRIES the password is asked again."""
    user_login_failed.send(
        sender=__name__, credentials={"username": user.username}, request=request
    )
    pending["tries"] += 1
    request.session.modified = True
    if pending["tries"] >= MAX_CODE_TRIES:
        return _restart(request, "Too many wrong codes. Enter your password again.")
    text = "That code is not right. Use the current code from your app, or a recovery code."
    form.add_error("code", text + _wait_text(two_factor.wait_seconds(user)))
    return None


def _wait_text(seconds: int) -> str:
    if not seconds:
        return ""
    return f" Wait {seconds} second{'s' if seconds != 1 else ''} before the next try."


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out username or address (AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def _locked(request, user):
    credentials = {"username": user.username}
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    request.session.pop(PENDING, None)
    return locked_out(request)


@login_not_required
@require_http_methods(["GET", "POST"])
def login_verify(request):
    """Step two for a user with an authenticator: its current code, or one recovery code."""
    user, pending = _pending_user(request)
    if user is None:
        return _restart(request)
    if not two_factor.has_two_factor(user):
        return redirect("login_enrol")
    form = CodeForm(request.POST or None)
    form.fields["code"].widget.attrs["autofocus"] = True  # the one thing to do on this page
    if request.method == "POST" and form.is_valid():
        locked = _locked(request, user)
        if locked:
            return locked
        device = two_factor.verify_second_factor(user, form.cleaned_data["code"])
        if device is not None:
            _finish(request, user, pending, device)
            if device.name == two_factor.RECOVERY_NAME:
                left = two_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Make new ones on Account security.",
                )
            return redirect(pending["next"])
        restart = _wrong_code(request, user, pending, form)
        if restart:
            return restart
    return render(request, "registration/login_verify.html", {"form": form})


def _enrol(request, user, on_success):
    """Shows a new authenticator's secret and QR code; a right code confirms it."""
    device = two_factor.start_enrolment(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_enrolment(user, device.pk, form.cleaned_data["code"])
        if codes is not None:
            return on_success(codes)
        text = "That code is not right. Enter the code your app shows now."
        form.add_error("code", text + _wait_text(two_factor.wait_seconds(user, confirmed=False)))
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "form": form,
            "secret": two_factor.secret_text(device),
            "qr_svg": two_factor.qr_svg(device),
            "required": user.requires_two_factor,
            "signing_in": not request.user.is_authenticated,
        },
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def login_enrol(request):
    """Step two for staff who must use two-step sign-in and have no authenticator yet."""
    user, pending = _pending_user(request)
    if user is None:
        return _restart(request)
    if two_factor.has_two_factor(user):
        return redirect("login_verify")
    locked = _locked(request, user)
    if locked:
        return locked

    def done(codes):
        _finish(request, user, pending, two_factor.totp_device(user))
        return _show_codes(request, codes, pending["next"])

    return _enrol(request, user, done)


def _show_codes(request, codes, next_url):
    return render(
        request, "registration/recovery_codes.html", {"codes": codes, "next_url": next_url}
    )


def _duration(hours: int) -> str:
    if hours % 24:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} day{'s' if hours != 24 else ''}"


@require_http_methods(["GET", "POST"])
def security(request):
    """Account security: two-step sign-in, recovery codes and the API token."""
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "recovery" and two_factor.has_two_factor(user):
            return _show_codes(request, two_factor.new_recovery_codes(user), reverse("security"))
        if action == "two_factor_off" and not user.requires_two_factor:
            two_factor.turn_off(user)
            messages.success(request, "Two-step sign-in is off.")
        elif action == "token_new":
            token = services.issue_api_token(user=user)
            context = {"token": token, "token_expires_at": token_expires_at(token)}
            return render(request, "registration/token_created.html", context)
        elif action == "token_revoke":
            services.revoke_api_token(actor=user, user_id=user.pk)
            messages.success(request, "Your API token was revoked.")
        return redirect("security")
    token = Token.objects.filter(user=user).first()
    context = {
        "two_factor_on": two_factor.has_two_factor(user),
        "codes_left": two_factor.recovery_codes_left(user),
        "token": token,
        "token_expires_at": token_expires_at(token) if token else None,
        "ttl_days": _duration(settings.API_TOKEN_TTL_HOURS),
    }
    return render(request, "registration/security.html", context)


@require_http_methods(["GET", "POST"])
def security_enrol(request):
    """A signed-in user turns two-step sign-in on (or moves it to a new phone)."""

    def done(codes):
        otp_login(request, two_factor.totp_device(request.user))
        messages.success(request, "Two-step sign-in is on.")
        return _show_codes(request, codes, reverse("security"))

    return _enrol(request, request.user, done)


@login_not_required
@require_http_methods(["GET", "POST"])
def session_status(request):
    """The idle warning's script asks how long is left (GET, not activity) or stays signed in
    (POST, activity). Answers 401 once the session has ended."""
    if not request.user.is_authenticated:
        return JsonResponse({"seconds_left": 0}, status=401)
    if request.method == "POST":
        sessions.mark_active(request.session)
    return JsonResponse({"seconds_left": sessions.seconds_left(request.session)})


@login_not_required
def admin_login(request):
    """The admin site signs in through the two-step sign-in too."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


class InviteAcceptView(auth_views.PasswordResetConfirmView):
    """An invited person sets their own password; the link then stops working."""

    token_generator = invite_tokens
    template_name = "registration/invite_accept.html"
    success_url = reverse_lazy("invite_done")
    post_reset_login = False
