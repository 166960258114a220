"""Attachments are judged by their whole content (issue 9, R-R5): files that only start like a
PDF, PNG or JPEG are refused in the browser form, the wizard and the API, with a message beside the
field and nothing stored; accepted files are stored under a random name with their type's own
extension and served only as downloads, with nosniff."""

import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.authtoken.models import Token

from providers.models import Service
from referrals import rules
from referrals.forms import DetailsStepForm
from referrals.models import Attachment
from tests.notices.factories import NoticeFactory
from tests.referrals.factories import (
    EXE_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>document.location='https://evil.invalid'</script></body></html>\n"
CRAFTED = {
    # A PDF header followed by a web page: filetype calls it a PDF.
    "pdf-header-then-html": ("letter.pdf", b"%PDF-1.4\n" + HTML),
    # A PNG signature on an executable: filetype calls it a PNG.
    "png-header-on-exe": ("scan.png", b"\x89PNG\r\n\x1a\n" + EXE_BYTES),
    # A JPEG start-of-image marker on an executable.
    "jpeg-header-on-exe": ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + EXE_BYTES),
    # Real files with something after their end: polyglots.
    "pdf-then-html": ("summary.pdf", PDF_BYTES + HTML),
    "png-then-exe": ("lease.png", PNG_BYTES + EXE_BYTES),
    # A real PDF whose first bytes carry markup a browser would sniff.
    "pdf-with-markup-up-front": ("notes.pdf", PDF_BYTES.replace(b"\n", b"\n%<html>\n", 1)),
}
GOOD = {
    "pdf": ("summary.pdf", PDF_BYTES, "application/pdf", ".pdf"),
    "png": ("lease.png", PNG_BYTES, "image/png", ".png"),
    "jpeg": ("photo.jpeg", JPEG_BYTES, "image/jpeg", ".jpg"),
    "png-named-pdf": ("scan.pdf", PNG_BYTES, "image/png", ".png"),
}


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "referrals"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def referral():
    return ReferralFactory()


@pytest.fixture
def uploader(client, referral):
    client.force_login(referral.referring_user)
    return client


@pytest.mark.parametrize("case", CRAFTED)
def test_rule_refuses_a_file_that_only_starts_like_its_type(case):
    name, content = CRAFTED[case]

    content_type, problem = rules.check_upload(SimpleUploadedFile(name, content))

    assert content_type is None
    assert problem


@pytest.mark.parametrize("case", GOOD)
def test_rule_accepts_real_files_by_content(case):
    name, content, expected, _ = GOOD[case]

    assert rules.check_upload(SimpleUploadedFile(name, content)) == (expected, None)


def test_rule_refuses_a_damaged_image():
    image = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(image, "PNG")
    truncated = image.getvalue()[:60] + image.getvalue()[-12:]  # header and IEND, no pixels

    _, problem = rules.check_upload(SimpleUploadedFile("x.png", truncated))

    assert problem == "is not a readable PNG: it only starts like one, or it is damaged."


@pytest.mark.parametrize("case", CRAFTED)
def test_browser_form_refuses_beside_the_field_and_stores_nothing(
    uploader, referral, settings, case
):
    name, content = CRAFTED[case]

    response = uploader.post(
        reverse("referrals:add_attachment", args=[referral.pk]),
        {"file": SimpleUploadedFile(name, content, "application/pdf")},
    )

    assert response.status_code == 400
    page = response.content.decode()
    error = re.search(r'<p class="error" id="id_file_error">([^<]*)</p>', page)
    assert error and error.group(1).startswith(name), page[-3000:]
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize("case", CRAFTED)
def test_api_refuses_with_the_field_named_and_stores_nothing(api_client, referral, settings, case):
    name, content = CRAFTED[case]
    token = Token.objects.create(user=referral.referring_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api_client.post(
        f"/api/v1/referrals/{referral.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content, "image/png")},
        format="multipart",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert response.json()["file"][0].startswith(name)
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.parametrize("case", ["pdf-header-then-html", "png-header-on-exe"])
def test_wizard_details_step_refuses_beside_the_attachments_field(referral, case):
    name, content = CRAFTED[case]
    meals = Service.objects.get(code="CS_MEDICALLY_TAILORED_MEALS")
    form = DetailsStepForm(
        data={"urgency": "routine", "reason": "Needs meals.", "member_consent": "on"},
        files={"attachments": SimpleUploadedFile(name, content)},
        service=meals,
        user=referral.referring_user,
    )

    assert not form.is_valid()
    assert form.errors["attachments"][0].startswith(name)


@pytest.mark.parametrize("case", GOOD)
def test_stored_under_a_random_name_with_the_types_extension(uploader, referral, case):
    name, content, content_type, extension = GOOD[case]

    uploader.post(
        reverse("referrals:add_attachment", args=[referral.pk]),
        {"file": SimpleUploadedFile(name, content)},
    )

    attachment = Attachment.objects.get()
    stored = Path(attachment.file.name)
    assert attachment.content_type == content_type
    assert stored.parent == Path(f"referrals/{referral.pk}")
    assert re.fullmatch(r"[0-9a-f]{32}", stored.stem) and stored.suffix == extension
    assert Path(name).stem not in attachment.file.name


def test_attachment_download_is_an_attachment_with_nosniff(uploader, referral):
    uploader.post(
        reverse("referrals:add_attachment", args=[referral.pk]),
        {"file": SimpleUploadedFile("scan.pdf", PNG_BYTES)},  # a PNG, whatever its name says
    )
    attachment = Attachment.objects.get()

    response = uploader.get(reverse("referrals:download", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="scan.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG_BYTES


@pytest.mark.parametrize("api", [False, True], ids=["browser", "api"])
def test_letter_download_is_an_attachment_with_nosniff(client, reviewer, api):
    notice = NoticeFactory()
    client.force_login(reviewer)
    url = (
        f"/api/v1/notices/{notice.pk}/download/"
        if api
        else reverse("notices:download", args=[notice.pk])
    )

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; ")
    assert response["X-Content-Type-Options"] == "nosniff"
