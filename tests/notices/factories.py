"""Factories for notices: stored letters made directly (pages, lists, downloads). Tests of the
letters themselves decide through the services and render real PDFs."""

import datetime
import hashlib

import factory

from authorizations.models import Event, ReasonCode, Status
from notices.models import Notice
from providers.models import Organization
from tests.authorizations.factories import AuthorizationFactory, EventFactory
from tests.referrals.factories import PDF_BYTES


class DeniedEventFactory(EventFactory):
    authorization = factory.SubFactory(AuthorizationFactory, status=Status.DENIED)
    kind = Event.Kind.DENIED
    from_status = Status.PENDING
    reason_code = ReasonCode.NOT_MEDICALLY_APPROPRIATE


class NoticeFactory(factory.django.DjangoModelFactory):
    """A denial letter from CalOptima Health, stored with its checksum."""

    class Meta:
        model = Notice

    event = factory.SubFactory(DeniedEventFactory)
    authorization = factory.SelfAttribute("event.authorization")
    kind = "denial"
    language = "en"
    sender = factory.LazyFunction(lambda: Organization.objects.get(is_caloptima=True))
    notice_date = datetime.date(2024, 6, 5)
    send_by = datetime.date(2024, 6, 7)
    appeal_by = datetime.date(2024, 8, 4)
    pdf = factory.django.FileField(filename="letter.pdf", data=PDF_BYTES)
    checksum = hashlib.sha256(PDF_BYTES).hexdigest()
    size = len(PDF_BYTES)
