"""Sign-ins, failed sign-ins and sign-outs (R-X3), from Django's auth signals: every sign-in form
that uses authenticate() and login() (the two-step one included) is recorded."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import Event, Outcome
from .services import record


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def signed_in(sender, request, user, **kwargs):
    record(Event.SIGN_IN, user=user, object_type=user._meta.label_lower, object_pk=str(user.pk))


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    # The name tried (never the password: Django has already masked it).
    tried = str(credentials.get("username") or credentials.get("email") or "")[:150]
    record(Event.SIGN_IN_FAILED, outcome=Outcome.REFUSED, username=tried)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        label = user._meta.label_lower
        record(Event.SIGN_OUT, user=user, object_type=label, object_pk=str(user.pk))
