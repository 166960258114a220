"""Referral notifications: queued through the outbox in the referral's transaction, sent by Celery
after the commit, once per outbox row. No member details in email: the reference number and a
sign-in link only."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mass_mail

from common.outbox.tasks import OutboxTask


def _users_of(organization_id):
    from providers.models import User

    return User.objects.filter(organization_id=organization_id, is_active=True).exclude(email="")


@shared_task(name="referrals.notify_new_referral", base=OutboxTask)
def notify_new_referral(referral_id: int) -> int:
    """Tell the receiving organization a referral arrived."""
    from .models import Referral

    referral = Referral.objects.select_related("service").get(pk=referral_id)
    subject = f"New referral {referral.reference}: {referral.service.name}"
    body = (
        f"Referral {referral.reference} for {referral.service.name} was sent to your organization "
        f"({referral.get_urgency_display().lower()}). Sign in to CalAIM Connect to review it."
    )
    messages = [
        (subject, body, settings.DEFAULT_FROM_EMAIL, [u.email])
        for u in _users_of(referral.receiving_organization_id)
    ]
    return send_mass_mail(messages, fail_silently=False) if messages else 0


@shared_task(name="referrals.notify_status_change", base=OutboxTask)
def notify_status_change(change_id: int) -> int:
    """Tell the referrer each step of the referral (closed loop, R-R2)."""
    from .models import StatusChange

    change = StatusChange.objects.select_related("referral__referring_user").get(pk=change_id)
    referrer = change.referral.referring_user
    if referrer is None or not referrer.is_active or not referrer.email:
        return 0
    subject = f"Referral {change.referral.reference} is now {change.get_to_status_display()}"
    body = (
        f"Referral {change.referral.reference} moved from {change.get_from_status_display()} to "
        f"{change.get_to_status_display()}.\nSign in to CalAIM Connect for the details and any "
        "reason given."
    )
    return send_mass_mail([(subject, body, settings.DEFAULT_FROM_EMAIL, [referrer.email])])
