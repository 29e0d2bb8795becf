"""Calendar months, as the region's windows count them ("within 12 months", "in the next 6 months")."""

from __future__ import annotations

import calendar
import datetime

from django.utils import timezone
from django.utils.translation import gettext as _


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


def birth_date_problem(value: datetime.date | None, label: str = "") -> str:
    """What is wrong with a date of birth, in the words the form, the API and the import all use; empty
    when nothing is. The same rule everywhere: not after today, not before 1900."""
    if value is None:
        return ""
    name = label or _("Date of birth")
    if value > timezone.localdate():
        return _("%(field)s must be in the past") % {"field": name}
    if value.year < 1900:
        return _("%(field)s must be after 1900") % {"field": name}
    return ""
