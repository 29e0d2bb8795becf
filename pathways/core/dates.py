"""Calendar months, as the region's windows count them ("within 12 months", "in the next 6 months")."""

from __future__ import annotations

import calendar
import datetime


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later; a day the target month lacks (31 August + 1 month,
    29 February + 12) falls back to that month's last day."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def within_months(earlier: datetime.date, later: datetime.date, months: int) -> bool:
    """True when `later` is no more than `months` calendar months after `earlier`."""
    return earlier <= later <= months_after(earlier, months)
