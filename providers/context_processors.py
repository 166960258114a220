from django.conf import settings

from . import sessions


def session_timeout(request):
    """What the idle warning needs: seconds left in this session and when to warn (R-X3)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and hasattr(request, "session")):
        return {}
    return {
        "session_idle_seconds": max(0, sessions.seconds_left(request.session)),
        "session_warning_seconds": settings.SESSION_IDLE_WARNING,
    }
