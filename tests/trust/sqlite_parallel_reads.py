"""Run by tests/trust/test_sqlite_reads.py in its own process: a fresh SQLite *file* database,
one referral with a thread, and parallel readers (browser detail page and API messages, which mark
the thread read) while another organization keeps posting, so that reads have something new to
mark. Prints the answers by status as JSON. `--untuned` drops the SQLite settings (WAL, IMMEDIATE,
busy timeout) and restores the old write-on-every-read, to show what they prevent."""

import collections
import json
import os
import sys
import threading

READERS = 6
ROUNDS = 12


def main(db_path: str, untuned: bool) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "calaim.settings",
            "DATABASE_URL": f"sqlite:///{db_path}",
            "ALLOWED_HOSTS": "testserver",
            "MEDIA_ROOT": os.path.join(os.path.dirname(db_path), "media"),
            "REDIS_URL": "",
        }
    )
    from django.conf import settings

    if untuned:
        settings.DATABASES["default"]["OPTIONS"] = {}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    if untuned:  # and the read path as it was: update_or_create on every read
        from django.utils import timezone

        from referrals import services
        from referrals.models import ThreadRead

        def mark_read(*, user, referral):
            ThreadRead.objects.update_or_create(
                user=user, referral=referral, defaults={"read_at": timezone.now()}
            )

        services.mark_read = mark_read

    from tests.providers.factories import UserFactory
    from tests.referrals.factories import MessageFactory, ReferralFactory

    referral = ReferralFactory()
    readers = [UserFactory(organization=referral.referring_organization) for _ in range(READERS)]
    writer = UserFactory(organization=referral.receiving_organization)
    MessageFactory(referral=referral, author=writer)

    statuses: collections.Counter = collections.Counter()
    errors: list[str] = []
    start = threading.Barrier(READERS + 1)
    lock = threading.Lock()

    def record(response):
        with lock:
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                errors.append(response.content.decode(errors="replace")[:300])

    def signed_in(user):
        client = Client(raise_request_exception=False)  # a server error is an answer, a 500
        client.force_login(user)
        return client

    def read(client):
        start.wait()
        for _ in range(ROUNDS):
            record(client.get(f"/referrals/{referral.pk}/"))
            record(client.get(f"/api/v1/referrals/{referral.pk}/messages/"))

    def post(client):
        start.wait()
        for i in range(ROUNDS):
            record(
                client.post(f"/api/v1/referrals/{referral.pk}/messages/", {"body": f"Update {i}"})
            )

    threads = [threading.Thread(target=read, args=(signed_in(u),)) for u in readers]
    threads.append(threading.Thread(target=post, args=(signed_in(writer),)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"statuses": dict(statuses), "errors": errors[:3]}))


if __name__ == "__main__":
    main(sys.argv[1], "--untuned" in sys.argv)
