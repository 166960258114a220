"""The transactional outbox (R-N4): a decision's letter and a referral's emails are rows written in
the same transaction, handed to Celery after the commit without waiting on a broker that is down,
relayed by the sweep later, run once per row; and the safety net for letters never queued."""

import datetime
import time

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from authorizations import services as authorization_services
from authorizations.models import Event
from calaim.celery import app as celery_app
from common.outbox import services as outbox
from common.outbox.models import Message
from notices import services as notice_services
from notices.models import Notice
from referrals import tasks as referral_tasks
from referrals.models import StatusChange

pytestmark = pytest.mark.django_db

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: the connection is refused
LETTER = "notices.render_notice"


@pytest.fixture
def broker_down():
    """Celery as in production (no eager tasks) with its Redis unreachable."""
    conf = celery_app.conf
    before = (conf.broker_url, conf.task_always_eager)
    conf.broker_url, conf.task_always_eager = DEAD_BROKER, False
    yield
    conf.broker_url, conf.task_always_eager = before


@pytest.fixture
def locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return mail.outbox


DENIAL = {
    "decision": "deny",
    "reason_code": "not_medically_appropriate",
    "member_explanation": "No emergency visits on record this year.",  # R-N6
}


def decide_through_the_api(reviewer, authorization, capture):
    client = APIClient()
    client.force_authenticate(reviewer)
    with capture(execute=True):
        response = client.post(
            f"/api/v1/authorizations/{authorization.pk}/decide/", DENIAL, format="json"
        )
    assert response.status_code == 200, response.content  # was a 500 after 19 s
    return response


def decide_from_the_page(reviewer, authorization, capture):
    client = Client()
    client.force_login(reviewer)
    with capture(execute=True):
        response = client.post(reverse("authorizations:detail", args=[authorization.pk]), DENIAL)
    assert response.status_code == 302, response.content
    return response


@pytest.mark.parametrize("decide", [decide_through_the_api, decide_from_the_page])
def test_r_n4_a_decision_answers_at_once_with_the_broker_down_and_keeps_its_letter(
    broker_down, reviewer, open_request, django_capture_on_commit_callbacks, decide
):
    authorization = open_request()
    started = time.monotonic()
    decide(reviewer, authorization, django_capture_on_commit_callbacks)
    elapsed = time.monotonic() - started

    assert elapsed < 1.0, f"{elapsed:.2f} s"
    row = Message.objects.get(task=LETTER)
    event = Event.objects.get(authorization=authorization, kind="denied")
    assert row.args == [event.pk]
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "OperationalError")
    assert not Notice.objects.exists()


def test_r_n4_the_sweep_makes_the_letter_once_the_broker_is_back(
    broker_down, reviewer, open_request, django_capture_on_commit_callbacks
):
    authorization = open_request()
    decide_through_the_api(reviewer, authorization, django_capture_on_commit_callbacks)
    assert outbox.sweep()["sent"] == 0  # still down: nothing lost, nothing sent

    celery_app.conf.task_always_eager = True  # the broker is back (tasks run in process here)
    assert outbox.sweep()["sent"] == Message.objects.count()

    event = Event.objects.get(authorization=authorization, kind="denied")
    assert Notice.objects.get().event == event
    assert set(Message.objects.values_list("status", flat=True)) == {"done"}
    assert outbox.sweep()["sent"] == 0


def test_a_row_is_handed_over_by_one_relay_only(open_request, locmem_mail, coordinator):
    authorization = open_request()
    change = StatusChange.objects.filter(referral=authorization.referral).last()
    row = outbox.enqueue(referral_tasks.notify_status_change.name, change.pk)

    assert outbox.relay([row.pk]) == 1
    assert outbox.relay([row.pk]) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("done", 1)
    assert [m.to for m in locmem_mail] == [[coordinator.email]]


def test_an_email_is_not_sent_twice_for_one_row(open_request, locmem_mail, coordinator):
    """A second delivery of the same row (broker redelivery, the sweep re-sending) sends nothing."""
    authorization = open_request()
    change = StatusChange.objects.filter(referral=authorization.referral).last()
    row = Message.objects.create(task=referral_tasks.notify_status_change.name, args=[change.pk])
    for _ in range(2):
        referral_tasks.notify_status_change.apply(
            args=[change.pk], headers={outbox.HEADER: row.pk}
        ).get()

    assert [m.to for m in locmem_mail] == [[coordinator.email]]
    row.refresh_from_db()
    assert row.status == "done" and row.done_at is not None
    referral_tasks.notify_status_change.apply(args=[change.pk]).get()  # outside the outbox
    assert len(locmem_mail) == 2


def test_a_task_that_fails_leaves_its_row_for_the_sweep(open_request, monkeypatch):
    authorization = open_request()
    change = StatusChange.objects.filter(referral=authorization.referral).last()
    row = Message.objects.create(task=referral_tasks.notify_status_change.name, args=[change.pk])

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(referral_tasks, "send_mass_mail", refuse)
    with pytest.raises(ConnectionRefusedError):
        outbox.relay([row.pk])
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("pending", "ConnectionRefusedError")


def test_the_sweep_resends_rows_never_done_and_drops_old_done_rows(settings, monkeypatch):
    now = timezone.now()
    long_ago = now - datetime.timedelta(minutes=settings.OUTBOX_RESEND_AFTER_MINUTES + 1)
    lost = Message.objects.create(task="x.lost", status="sent", sent_at=long_ago, attempts=1)
    recent = Message.objects.create(task="x.recent", status="sent", sent_at=now, attempts=1)
    given_up = Message.objects.create(
        task="x.given_up", status="sent", sent_at=long_ago, attempts=settings.OUTBOX_MAX_ATTEMPTS
    )
    old_done = Message.objects.create(
        task="x.old", status="done", done_at=now - datetime.timedelta(days=400)
    )
    handed = []
    monkeypatch.setattr(outbox, "_publisher", lambda: _Recorder(handed))

    result = outbox.sweep()

    assert handed == [lost.pk]
    assert result == {"sent": 1, "resent": 1, "pruned": 1}
    assert not Message.objects.filter(pk=old_done.pk).exists()
    statuses = dict(Message.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: "sent", recent.pk: "sent", given_up.pk: "sent"}


class _Recorder:
    """A publisher that records the rows it is given instead of calling Celery."""

    def __init__(self, handed):
        self.handed = handed

    def __enter__(self):
        return lambda message: self.handed.append(message.pk)

    def __exit__(self, *exc):
        return False


# --- Safety net for letters (R-N4) ---------------------------------------------------------------


def test_r_n4_a_decision_that_owes_a_letter_and_was_never_queued_is_queued(reviewer, open_request):
    made_around_the_notices_app = authorization_services.decide(
        user=reviewer,
        authorization_id=open_request().pk,
        decision="deny",
        reason_code="not_medically_appropriate",
        member_explanation=DENIAL["member_explanation"],
    )
    cs_approval = authorization_services.decide(
        user=reviewer,
        authorization_id=open_request(service_code="CS_MEDICALLY_TAILORED_MEALS").pk,
        decision="approve",
    )
    assert cs_approval.kind == "approved"  # R-N2: no letter owed

    assert notice_services.queue_missing_letters() == [made_around_the_notices_app.pk]
    assert Message.objects.get(task=LETTER).args == [made_around_the_notices_app.pk]
    assert notice_services.queue_missing_letters() == []  # queued once


def test_r_n4_the_safety_net_skips_decisions_with_a_letter_a_row_or_past_its_window(
    settings, reviewer, open_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # letter made: nothing owed
        notice_services.decide(
            user=reviewer, authorization_id=open_request().pk, decision="approve"
        )
    queued = notice_services.decide(  # row written, not yet handed over: not queued again
        user=reviewer,
        authorization_id=open_request().pk,
        decision="deny",
        reason_code="not_medically_appropriate",
        member_explanation=DENIAL["member_explanation"],
    )
    old = authorization_services.decide(
        user=reviewer,
        authorization_id=open_request().pk,
        decision="deny",
        reason_code="not_medically_appropriate",
        member_explanation=DENIAL["member_explanation"],
    )
    Event.objects.filter(pk=old.pk).update(
        at=timezone.now() - datetime.timedelta(days=settings.NOTICE_SWEEP_DAYS + 1)
    )

    assert Notice.objects.count() == 1
    assert notice_services.queue_missing_letters() == []
    assert Message.objects.filter(task=LETTER, args__0=queued.pk).count() == 1


def test_the_sweeps_are_scheduled_every_minute_by_task_name(settings):
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("outbox.sweep", "notices.queue_missing_letters"):
        assert schedule[name]["schedule"] == 60.0
        assert name in celery_app.tasks
    assert settings.CELERY_TIMEZONE == "America/Los_Angeles"


def test_an_invitation_survives_a_broker_that_is_down_and_is_emailed_once_it_is_back(
    broker_down, locmem_mail, django_capture_on_commit_callbacks
):
    """R-X1 invitations go through the outbox too: the account commits with its row, the request
    does not wait on the broker, and the link is emailed by the sweep once the broker is back."""
    from providers import services as provider_services
    from tests.providers.factories import OrganizationFactory, UserFactory

    admin = UserFactory(organization=OrganizationFactory(), role="site_admin")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        invited = provider_services.invite_user(
            actor=admin,
            username="newcomer",
            email="newcomer@example.invalid",
            first_name="New",
            last_name="Comer",
            role="care_coordinator",
            site_url="https://calaim.example.org",
        )
    assert time.monotonic() - started < 1.0
    (row,) = Message.objects.filter(task="providers.send_invitation")
    assert row.status == "pending" and locmem_mail == []

    celery_app.conf.task_always_eager = True  # the broker is back (tasks run in process here)
    outbox.sweep()
    (message,) = locmem_mail
    assert message.to == [invited.email]
    assert "https://calaim.example.org/" in message.body
    row.refresh_from_db()
    assert row.status == "done"


def test_a_password_reset_survives_a_broker_that_is_down_and_its_link_works_once_sent(
    broker_down, locmem_mail, client
):
    """The reset request answers at once; the email waits in the outbox (with no token in the
    row) and its link is made when the sweep sends it."""
    from tests.providers.factories import UserFactory

    person = UserFactory(email="forgetful@example.invalid")
    response = client.post("/accounts/password-reset/", {"email": person.email})
    assert response.status_code == 302
    (row,) = Message.objects.filter(task="providers.send_password_reset")
    assert row.status == "pending" and locmem_mail == []
    assert "token" not in str(row.args) + str(row.kwargs)

    celery_app.conf.task_always_eager = True  # the broker is back (tasks run in process here)
    outbox.sweep()
    (message,) = locmem_mail
    assert message.to == [person.email]
    link = next(w for w in message.body.split() if "/accounts/reset/" in w)
    path = link.split("testserver", 1)[-1]
    form = client.get(path, follow=True)
    assert "new_password1" in form.content.decode()
