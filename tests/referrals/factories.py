"""Factories for referrals: rows made directly (not through the services), for pages, lists and
query counts. Tests of behaviour submit through referrals.services."""

import datetime
import io

import factory
import pypdf
from django.utils import timezone
from PIL import Image

from providers.models import Service
from referrals.models import Attachment, Message, Referral, Source, Status, StatusChange
from tests.members.factories import MemberFactory
from tests.providers.factories import EcmProviderFactory, UserFactory

# Small real files (attachments are judged by their whole content, issue 9): a one-page PDF, and
# 2x2 PNG and JPEG images, made by the same libraries that check them.


def _pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, kind)
    return buffer.getvalue()


PDF_BYTES = _pdf()
PNG_BYTES = _image("PNG")
JPEG_BYTES = _image("JPEG")
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
TEXT_BYTES = b"Patient notes: this is plain text pretending to be a PDF.\n"


def service(code: str) -> Service:
    """A catalogue service loaded by the data migration (R-C1)."""
    return Service.objects.get(code=code)


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral sent by a clinic's coordinator to an ECM provider, with its reference and the
    two opening history rows, as create_referral leaves it."""

    class Meta:
        model = Referral
        skip_postgeneration_save = True

    member = factory.SubFactory(MemberFactory)
    service = factory.LazyFunction(lambda: service("ECM"))
    source = Source.HEALTH_CARE_PROVIDER
    referring_organization = factory.SubFactory(EcmProviderFactory)
    referring_user = factory.SubFactory(
        UserFactory, organization=factory.SelfAttribute("..referring_organization")
    )
    receiving_organization = factory.SubFactory(EcmProviderFactory)
    requested_start_date = datetime.date(2024, 6, 3)
    reason = "Frequent ED visits; needs care coordination."
    member_consent = True
    status = Status.SENT
    status_changed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def _reference_and_history(obj, create, extracted, **kwargs):
        if not create:
            return
        obj.reference = f"R-2024-{obj.pk:06d}"
        obj.save(update_fields=["reference"])
        StatusChange.objects.create(
            referral=obj, from_status="", to_status=Status.SUBMITTED, actor=obj.referring_user
        )
        if obj.status != Status.SUBMITTED:
            StatusChange.objects.create(
                referral=obj, from_status=Status.SUBMITTED, to_status=obj.status
            )


class StatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatusChange

    referral = factory.SubFactory(ReferralFactory)
    from_status = Status.SENT
    to_status = Status.ACCEPTED
    note = "Taken on."


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    referral = factory.SubFactory(ReferralFactory)
    author = factory.SubFactory(
        UserFactory, organization=factory.SelfAttribute("..referral.receiving_organization")
    )
    organization = factory.SelfAttribute("author.organization")
    body = factory.Sequence(lambda n: f"Message {n} about this referral.")


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    referral = factory.SubFactory(ReferralFactory)
    file = factory.django.FileField(filename="discharge-summary.pdf", data=PDF_BYTES)
    original_name = "discharge-summary.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    uploaded_by = factory.SelfAttribute("referral.referring_user")


def referral_with_thread(**kwargs) -> Referral:
    """A referral with a longer history, two messages and an attachment (detail page counts)."""
    referral = ReferralFactory(status=Status.ACCEPTED, **kwargs)
    StatusChangeFactory(referral=referral, from_status=Status.SENT, to_status=Status.ACCEPTED)
    MessageFactory(referral=referral)
    MessageFactory(referral=referral, author=referral.referring_user)
    AttachmentFactory(referral=referral)
    return referral
