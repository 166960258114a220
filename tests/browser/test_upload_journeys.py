"""A care coordinator attaches files to a referral in Chromium (issue 9, R-R5): a file that only
starts like a PDF is refused with the reason beside the field and nothing listed; a real PDF is
listed and downloads as an attachment."""

import pytest
from playwright.sync_api import expect

from referrals.models import Attachment
from tests.referrals.factories import EXE_BYTES, PDF_BYTES, ReferralFactory

pytestmark = pytest.mark.browser

PASSWORD = "test-pass-123"  # tests.providers.factories.UserFactory


def test_crafted_file_refused_beside_the_field_real_pdf_attached(page, screenshot):
    referral = ReferralFactory()
    user = referral.referring_user
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto(f"/referrals/{referral.pk}/")

    field = page.get_by_label("Add an attachment")
    field.set_input_files(
        files=[
            {
                "name": "scan.png",
                "mimeType": "image/png",
                "buffer": b"\x89PNG\r\n\x1a\n" + EXE_BYTES,
            }
        ]
    )
    page.get_by_role("button", name="Upload").click()

    error = page.locator("#id_file_error")
    expect(error).to_have_text(
        "scan.png is not a readable PNG: it only starts like one, or it is damaged."
    )
    expect(page.get_by_label("Add an attachment")).to_have_attribute(
        "aria-describedby", "id_file_helptext id_file_error"
    )
    expect(page.locator("#attachments li")).to_have_text(["None."])
    screenshot(page, "upload-refused-beside-field")
    assert not Attachment.objects.exists()

    page.get_by_label("Add an attachment").set_input_files(
        files=[{"name": "summary.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.get_by_role("button", name="Upload").click()

    link = page.locator("#attachments").get_by_role("link", name="summary.pdf")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "summary.pdf"
