"""Pure referral rules: who may move a referral where (R-R2), what a file is by its content."""

import datetime

import pytest

from referrals import rules
from referrals.models import Status
from tests.referrals.factories import EXE_BYTES, JPEG_BYTES, PDF_BYTES, PNG_BYTES, TEXT_BYTES

S = Status
CLOSABLE = [
    S.IN_REVIEW,
    S.SENT,
    S.ACCEPTED,
    S.AUTHORIZATION_REQUESTED,
    S.AUTHORIZED,
    S.SERVICE_STARTED,
    S.DECLINED,
    S.DENIED,
]

ALLOWED = [
    (S.SUBMITTED, S.IN_REVIEW, "system"),
    (S.SUBMITTED, S.SENT, "system"),
    (S.IN_REVIEW, S.SENT, "caloptima"),
    (S.IN_REVIEW, S.ACCEPTED, "receiver"),
    (S.IN_REVIEW, S.DECLINED, "caloptima"),
    (S.SENT, S.ACCEPTED, "receiver"),
    (S.SENT, S.DECLINED, "receiver"),
    (S.ACCEPTED, S.AUTHORIZATION_REQUESTED, "receiver"),
    (S.ACCEPTED, S.AUTHORIZATION_REQUESTED, "caloptima"),
    (S.AUTHORIZATION_REQUESTED, S.AUTHORIZED, "reviewer"),
    (S.AUTHORIZATION_REQUESTED, S.DENIED, "reviewer"),
    (S.AUTHORIZED, S.SERVICE_STARTED, "receiver"),
    *[(s, S.CLOSED, p) for s in CLOSABLE for p in ("referrer", "receiver", "caloptima")],
]

# (from, to, parties, what the refusal says)
NO_SUCH_STEP = "cannot become"
NOT_YOURS = "You cannot move"
REFUSED = [
    (S.SENT, S.AUTHORIZED, {"caloptima", "reviewer", "receiver"}, NO_SUCH_STEP),
    (S.SENT, S.SERVICE_STARTED, {"receiver"}, NO_SUCH_STEP),
    (S.SUBMITTED, S.CLOSED, {"referrer", "caloptima"}, NO_SUCH_STEP),
    (S.CLOSED, S.SENT, {"caloptima"}, NO_SUCH_STEP),
    (S.CLOSED, S.CLOSED, {"caloptima"}, NO_SUCH_STEP),
    (S.DECLINED, S.ACCEPTED, {"receiver"}, NO_SUCH_STEP),
    (S.DENIED, S.AUTHORIZED, {"reviewer"}, NO_SUCH_STEP),
    (S.ACCEPTED, S.SERVICE_STARTED, {"receiver"}, NO_SUCH_STEP),
    (S.SENT, S.ACCEPTED, {"referrer"}, NOT_YOURS),
    (S.SENT, S.DECLINED, {"referrer", "caloptima"}, NOT_YOURS),
    (S.SUBMITTED, S.SENT, {"caloptima", "receiver", "referrer", "reviewer"}, NOT_YOURS),
    (S.IN_REVIEW, S.SENT, {"receiver", "referrer"}, NOT_YOURS),
    (S.AUTHORIZATION_REQUESTED, S.AUTHORIZED, {"caloptima", "receiver"}, NOT_YOURS),
    (S.AUTHORIZATION_REQUESTED, S.DENIED, {"referrer", "receiver"}, NOT_YOURS),
    (S.AUTHORIZED, S.SERVICE_STARTED, {"referrer", "caloptima"}, NOT_YOURS),
    (S.ACCEPTED, S.AUTHORIZATION_REQUESTED, {"referrer"}, NOT_YOURS),
    (S.SENT, S.CLOSED, set(), NOT_YOURS),
]


@pytest.mark.parametrize(
    ("current", "target", "party"), ALLOWED, ids=lambda v: str(v) if v else "-"
)
def test_r_r2_transition_allowed(current, target, party):
    assert rules.transition_problem(current, target, {party}) is None


@pytest.mark.parametrize(("current", "target", "parties", "says"), REFUSED)
def test_r_r2_transition_refused_with_a_message(current, target, parties, says):
    problem = rules.transition_problem(current, target, parties)

    assert problem is not None and says in problem
    assert Status(current).label in problem and Status(target).label in problem


def test_r_r2_only_the_submission_itself_routes_a_submitted_referral():
    for target in (S.IN_REVIEW, S.SENT):
        assert rules.TRANSITIONS[(S.SUBMITTED, target)] == {"system"}


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (S.SENT, {S.ACCEPTED, S.DECLINED}),
        (S.IN_REVIEW, {S.SENT, S.ACCEPTED, S.DECLINED}),
        (S.ACCEPTED, {S.AUTHORIZATION_REQUESTED}),
        (S.AUTHORIZATION_REQUESTED, {S.AUTHORIZED, S.DENIED}),
        (S.AUTHORIZED, {S.SERVICE_STARTED}),
        (S.SERVICE_STARTED, set()),
        (S.CLOSED, set()),
    ],
)
def test_r_r2_next_steps_exclude_closing(current, expected):
    assert set(rules.next_steps(current)) == expected


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        pytest.param(PDF_BYTES, "application/pdf", id="pdf"),
        pytest.param(PNG_BYTES, "image/png", id="png"),
        pytest.param(JPEG_BYTES, "image/jpeg", id="jpeg"),
    ],
)
def test_attachment_accepted_by_content(content, mime):
    assert rules.attachment_problem(content, len(content)) == (mime, None)


def test_attachment_type_comes_from_the_bytes_not_the_name():
    """A PNG saved as scan.pdf is a PNG: the rule never sees the name or the browser's claim."""
    content_type, problem = rules.attachment_problem(PNG_BYTES, len(PNG_BYTES))

    assert (content_type, problem) == ("image/png", None)


@pytest.mark.parametrize(
    ("content", "found"),
    [
        pytest.param(TEXT_BYTES, "unrecognised content", id="text-named-pdf"),
        pytest.param(EXE_BYTES, "application/x-msdownload", id="exe-named-pdf"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif", id="gif"),
    ],
)
def test_attachment_refused_when_content_is_not_pdf_png_or_jpeg(content, found):
    content_type, problem = rules.attachment_problem(content, len(content))

    assert content_type is None
    assert "must be a PDF, PNG or JPEG" in problem and found in problem


@pytest.mark.parametrize(
    ("size", "ok"),
    [
        (rules.MAX_ATTACHMENT_BYTES, True),
        (rules.MAX_ATTACHMENT_BYTES + 1, False),
        (25 * 1024 * 1024, False),
    ],
)
def test_attachment_size_limit_is_10_mb(size, ok):
    content_type, problem = rules.attachment_problem(PDF_BYTES, size)

    if ok:
        assert (content_type, problem) == ("application/pdf", None)
    else:
        assert content_type is None and "the limit is 10 MB" in problem


def test_attachment_empty_refused():
    assert rules.attachment_problem(b"", 0) == (None, "is empty.")


# --- How far ahead a service may be asked for (issue 10) -----------------------------------------


@pytest.mark.parametrize(
    ("today", "requested", "refused"),
    [
        (datetime.date(2026, 11, 25), datetime.date(2026, 11, 25), False),
        (datetime.date(2026, 11, 25), datetime.date(2027, 11, 25), False),
        (datetime.date(2026, 11, 25), datetime.date(2027, 11, 26), True),
        (datetime.date(2026, 11, 25), datetime.date(2031, 1, 1), True),
        (datetime.date(2026, 11, 25), datetime.date(2020, 1, 1), False),  # the past is for review
        (datetime.date(2028, 2, 29), datetime.date(2029, 2, 28), False),
        (datetime.date(2028, 2, 29), datetime.date(2029, 3, 1), True),
    ],
)
def test_requested_start_date_at_most_a_year_ahead(today, requested, refused):
    problem = rules.start_date_problem(requested, today)

    assert (problem is not None) == refused
    if refused:
        assert "at most a year ahead" in problem
