"""Pure referral rules: who may move a referral from which status to which (R-R2), what a file is by
its content. No database access."""

import filetype

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
