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
