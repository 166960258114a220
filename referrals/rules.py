"""Pure referral rules: who may move a referral from which status to which (R-R2), how far ahead a
service may be asked for, what a file is by its content. No database access."""

import datetime
import io
import re
import warnings

import filetype
import pypdf
from PIL import Image

from .models import OPEN_STATUSES, Status

# Parties relative to one referral: "caloptima" (CalOptima Health staff), "reviewer" (a CalOptima
# utilization reviewer), "receiver" (the receiving organization's staff), "referrer" (the referring
# organization's staff), "system" (the submission itself).
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (Status.SUBMITTED, Status.IN_REVIEW): frozenset({"system"}),
    (Status.SUBMITTED, Status.SENT): frozenset({"system"}),
    (Status.IN_REVIEW, Status.SENT): frozenset({"caloptima"}),  # CalOptima assigns a provider
    (Status.IN_REVIEW, Status.ACCEPTED): frozenset({"receiver"}),  # CalOptima fulfils itself
    (Status.IN_REVIEW, Status.DECLINED): frozenset({"caloptima"}),
    (Status.SENT, Status.ACCEPTED): frozenset({"receiver"}),
    (Status.SENT, Status.DECLINED): frozenset({"receiver"}),
    (Status.ACCEPTED, Status.AUTHORIZATION_REQUESTED): frozenset({"receiver", "caloptima"}),
    (Status.AUTHORIZATION_REQUESTED, Status.AUTHORIZED): frozenset({"reviewer"}),
    (Status.AUTHORIZATION_REQUESTED, Status.DENIED): frozenset({"reviewer"}),
    (Status.AUTHORIZED, Status.SERVICE_STARTED): frozenset({"receiver"}),
    **{
        (s, Status.CLOSED): frozenset({"referrer", "receiver", "caloptima"})
        for s in [*OPEN_STATUSES, Status.DECLINED, Status.DENIED]
        if s != Status.SUBMITTED
    },
}

# Transitions whose note is required, and what to call it.
NOTE_REQUIRED = {Status.DECLINED: "decline_reason", Status.CLOSED: "closed_reason"}


def transition_problem(current: str, target: str, parties: set[str]) -> str | None:
    """Why `parties` may not move a referral from `current` to `target`, or None if they may."""
    allowed = TRANSITIONS.get((current, target))
    current_label, target_label = Status(current).label, Status(target).label
    if allowed is None:
        return f"A referral that is '{current_label}' cannot become '{target_label}'."
    if not allowed & parties:
        return f"You cannot move this referral from '{current_label}' to '{target_label}'."
    return None


def next_steps(current: str) -> list[str]:
    return [to for (frm, to) in TRANSITIONS if frm == current and to != Status.CLOSED]


def latest_start_date(today: datetime.date) -> datetime.date:
    """The latest requested start date a referral may ask for: one year from today (29 February
    gives 28 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def start_date_problem(requested: datetime.date, today: datetime.date) -> str | None:
    """Why a requested start date is refused (None if it is not): no more than a year ahead, since
    eligibility so far out cannot be known. The wizard's form, the API and the service all ask."""
    latest = latest_start_date(today)
    if requested > latest:
        return (
            f"The requested start date can be at most a year ahead: {latest:%-d %B %Y} or "
            "earlier. Refer the member closer to the time."
        )
    return None


MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


def attachment_problem(head: bytes, size: int) -> tuple[str | None, str | None]:
    """(content type, None) for an acceptable file, (None, problem) otherwise. The type comes from
    the bytes, never from the name or the browser's claim."""
    if size > MAX_ATTACHMENT_BYTES:
        return None, f"is {size / 1048576:.1f} MB; the limit is 10 MB."
    if size == 0:
        return None, "is empty."
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        found = kind.mime if kind else "unrecognised content"
        return None, f"must be a PDF, PNG or JPEG file (its content is {found})."
    return kind.mime, None


# What browsers sniff: markup in the first bytes would let a file pass for a page (a polyglot).
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|meta)\b", re.IGNORECASE)
DAMAGED = "is not a readable {kind}: it only starts like one, or it is damaged."


def content_problem(data: bytes, content_type: str) -> str | None:
    """Why the whole file is not what its first bytes say (None if it is): a PDF must open in
    pypdf with every page readable; an image must verify and decode in Pillow; neither may carry
    markup or anything after its end marker."""
    kind = ALLOWED_TYPES[content_type]
    if MARKUP.search(data[:1024]):
        return f"contains web page markup; attach the {kind} itself."
    try:
        if content_type == "application/pdf":
            problem = _pdf_problem(data)
        else:
            problem = _image_problem(data, kind)
    except Exception:  # any parser failure means the file is not a sound PDF or image
        return DAMAGED.format(kind=kind)
    return problem


def _pdf_problem(data: bytes) -> str | None:
    if not data.rstrip(b"\x00\r\n\t\x0c ").endswith(b"%%EOF"):
        return DAMAGED.format(kind="PDF")
    reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        return "is password-protected; attach a copy without a password."
    for page in reader.pages:
        page.get_contents()
        page.mediabox  # noqa: B018 (reading the page box parses the page dictionary)
    return None


def _image_problem(data: bytes, kind: str) -> str | None:
    end = {"PNG": b"IEND\xaeB`\x82", "JPEG": b"\xff\xd9"}[kind]
    if not data.rstrip(b"\x00" if kind == "PNG" else b"\x00\r\n\t ").endswith(end):
        return DAMAGED.format(kind=kind)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as image:
            found = image.format
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    return None if found == kind else DAMAGED.format(kind=kind)


def check_upload(upload) -> tuple[str | None, str | None]:
    """(content type, None) for an acceptable upload, (None, problem) otherwise: size and type
    from the first bytes (attachment_problem), then the whole file parsed (content_problem)."""
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    content_type, problem = attachment_problem(head, upload.size)
    if problem is None:
        problem = content_problem(upload.read(), content_type)
        upload.seek(0)
    return (None, problem) if problem else (content_type, None)
