import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.utils.cache import add_never_cache_headers

from providers import sessions

# Asking how long is left (the idle warning's script does, with GET) is not activity.
SESSION_STATUS_PATH = "/accounts/session/"


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs login, except views marked @login_not_required (login, /healthz). The API
    authenticates itself (session or token) and answers 401/403 as JSON, so it is not redirected;
    the API docs are a page and are."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/docs/"):
            # DRF marks its views login_required=False; the docs page asks for sign-in anyway.
            if not request.user.is_authenticated:
                return self.handle_no_permission(request, view_func)
            return None
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionTimeoutMiddleware:
    """R-X3: a signed-in session ends after SESSION_IDLE_TIMEOUT seconds without a request and
    SESSION_ABSOLUTE_TIMEOUT seconds after sign-in; the next page asks for sign-in again and says
    why. Activity is written to the session at most every few seconds, not on every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            self._check(request)
        return self.get_response(request)

    def _check(self, request):
        now = time.time()
        session = request.session
        if sessions.SIGNED_IN_AT not in session:  # signed in by other means (admin, tests)
            sessions.mark_signed_in(session)
        if sessions.seconds_left(session, now) <= 0:
            absolute = sessions.past_absolute_limit(session, now)
            logout(request)
            hours = settings.SESSION_ABSOLUTE_TIMEOUT // 3600
            messages.info(
                request,
                f"You were signed out: a session ends {hours} hours after sign-in. Sign in again."
                if absolute
                else "You were signed out after a period without activity. Sign in again.",
            )
            return
        if request.path_info == SESSION_STATUS_PATH and request.method == "GET":
            return
        step = min(10, settings.SESSION_IDLE_TIMEOUT / 20)
        if now - session[sessions.LAST_ACTIVITY] >= step:
            sessions.mark_active(session)


class NoStoreMiddleware:
    """Pages and API answers may carry member information: no browser or proxy keeps a copy.
    Static files are served before this middleware (WhiteNoise) and stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path_info.startswith(f"/{settings.STATIC_URL.strip('/')}/"):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, max-age=0, private"
        return response
