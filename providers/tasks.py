"""Invitation emails: queued through the outbox in the invitation's transaction and sent by Celery
after the commit, once per outbox row, so a mail server or broker that is down loses none."""

from celery import shared_task

from common.outbox.tasks import OutboxTask


@shared_task(name="providers.send_invitation", base=OutboxTask)
def send_invitation(user_id: int, invited_by_id: int, site_url: str) -> None:
    from .invites import send_invitation as send
    from .models import User

    user = User.objects.select_related("organization").get(pk=user_id)
    send(user, site_url=site_url, invited_by=User.objects.get(pk=invited_by_id))


@shared_task(name="providers.send_password_reset", base=OutboxTask)
def send_password_reset(user_id: int, domain: str, use_https: bool) -> None:
    """The reset link is made when the email is sent, so no token waits in the outbox row."""
    from django.contrib.auth.forms import PasswordResetForm
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from .models import User

    user = User.objects.get(pk=user_id, is_active=True)
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    PasswordResetForm().send_mail(
        "registration/password_reset_subject.txt",
        "registration/password_reset_email.html",
        context,
        None,
        user.email,
    )
