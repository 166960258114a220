"""Session time limits (R-X3 automatic logoff): idle (SESSION_IDLE_TIMEOUT) and absolute
(SESSION_ABSOLUTE_TIMEOUT, counted from sign-in). calaim.middleware enforces them."""

import math
import time

from django.conf import settings

SIGNED_IN_AT = "calaim_signed_in_at"
LAST_ACTIVITY = "calaim_last_activity"


def mark_signed_in(session) -> None:
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[LAST_ACTIVITY] = now


def on_signed_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        mark_signed_in(request.session)


def mark_active(session) -> None:
    session[LAST_ACTIVITY] = time.time()


def seconds_left(session, now: float | None = None) -> int:
    """Seconds before this session ends for idleness or for its absolute limit, whichever first."""
    now = time.time() if now is None else now
    idle_end = session.get(LAST_ACTIVITY, now) + settings.SESSION_IDLE_TIMEOUT
    absolute_end = session.get(SIGNED_IN_AT, now) + settings.SESSION_ABSOLUTE_TIMEOUT
    return math.ceil(min(idle_end, absolute_end) - now)  # 0 only once the session has ended


def past_absolute_limit(session, now: float) -> bool:
    return now >= session.get(SIGNED_IN_AT, now) + settings.SESSION_ABSOLUTE_TIMEOUT
