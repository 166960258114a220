"""Pure notice rules: which letter a decision gets (R-N2, R-N5), its language (R-N3), its dates
(R-N4)."""

import datetime

from authorizations.rules import LETTER_LANGUAGES
from authorizations.rules import letter_language as letter_language  # R-N3, one source

APPEAL_DAYS = 60
PLAN_APPEAL_RESOLUTION_DAYS = 30
EXPEDITED_APPEAL_HOURS = 72
STATE_HEARING_DAYS = 120
SEND_WITHIN_BUSINESS_DAYS = 2
TEMPLATE_LANGUAGES = tuple(LETTER_LANGUAGES)
# Notices of Action: they carry appeal rights (R-N2, R-N4).
ADVERSE_KINDS = ("denial", "modification", "termination")


def letter_kind(event_kind: str, service_kind: str, *, adverse: bool = True) -> str | None:
    """R-N2: adverse decisions get a Notice of Action; ECM approvals an approval notice; other
    approvals no letter. R-N5: a change that gives what was asked (`adverse` False, see
    authorizations.rules.change_is_adverse) is an approval of the new dates."""
    if event_kind == "approved" or (event_kind == "modified" and not adverse):
        if service_kind != "ecm":
            return None
        return "approval" if event_kind == "approved" else "change_approval"
    return {"denied": "denial", "modified": "modification", "terminated": "termination"}.get(
        event_kind
    )


def add_business_days(day: datetime.date, count: int, is_business_day) -> datetime.date:
    while count:
        day += datetime.timedelta(days=1)
        count -= bool(is_business_day(day))
    return day


def notice_dates(
    decided_on: datetime.date, is_business_day, *, kind: str = "denial"
) -> dict[str, datetime.date | None]:
    """R-N4: sent within 2 business days; appeal within 60 days of the notice. R-N5: an approval
    carries no appeal date."""
    appeal_by = decided_on + datetime.timedelta(days=APPEAL_DAYS)
    return {
        "notice_date": decided_on,
        "send_by": add_business_days(decided_on, SEND_WITHIN_BUSINESS_DAYS, is_business_day),
        "appeal_by": appeal_by if kind in ADVERSE_KINDS else None,
    }
