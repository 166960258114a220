"""Sign-in lockout (django-axes) as an authentication backend."""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Refuses sign-in for a username or address locked out after repeated failures.

    Every sign-in form of the site (ours, the admin's, password reset never signs in) passes the
    request, so the lockout applies to all of them. Only code that authenticates without a request
    (the test client's login(), a shell) is let through to the password check unchanged, instead
    of axes' ValueError."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
