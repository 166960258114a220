"""Business dates: CalAIM dates are California dates, whatever the server's clock zone."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

BUSINESS_TZ = ZoneInfo("America/Los_Angeles")


def business_date(instant: datetime.datetime) -> datetime.date:
    """The California calendar date of an aware instant."""
    if timezone.is_naive(instant):
        raise ValueError("business_date needs an aware datetime")
    return instant.astimezone(BUSINESS_TZ).date()


def business_today() -> datetime.date:
    """Today's date in California."""
    return business_date(timezone.now())


def age_on(birth_date: datetime.date, on: datetime.date) -> int:
    """Whole years of age on a date."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
