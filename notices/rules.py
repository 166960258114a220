"""Pure notice rules: which letter a decision gets (R-N2), its language (R-N3), its dates (R-N4)."""

import datetime

APPEAL_DAYS = 60
PLAN_APPEAL_RESOLUTION_DAYS = 30
EXPEDITED_APPEAL_HOURS = 72
STATE_HEARING_DAYS = 120
SEND_WITHIN_BUSINESS_DAYS = 2
TEMPLATE_LANGUAGES = ("en", "es")


def letter_kind(event_kind: str, service_kind: str) -> str | None:
    """R-N2: adverse decisions get a Notice of Action; ECM approvals an approval notice; other
    approvals no letter."""
    if event_kind == "approved":
        return "approval" if service_kind == "ecm" else None
    return {"denied": "denial", "modified": "modification", "terminated": "termination"}.get(
        event_kind
    )


def letter_language(preferred: str) -> str:
    """R-N3: the member's language where a template exists, else English (with taglines)."""
    return preferred if preferred in TEMPLATE_LANGUAGES else "en"


def add_business_days(day: datetime.date, count: int, is_business_day) -> datetime.date:
    while count:
        day += datetime.timedelta(days=1)
        count -= bool(is_business_day(day))
    return day


def notice_dates(decided_on: datetime.date, is_business_day) -> dict[str, datetime.date]:
    """R-N4: sent within 2 business days; appeal within 60 days of the notice."""
    return {
        "notice_date": decided_on,
        "send_by": add_business_days(decided_on, SEND_WITHIN_BUSINESS_DAYS, is_business_day),
        "appeal_by": decided_on + datetime.timedelta(days=APPEAL_DAYS),
    }
