"""`manage.py case_outcomes_refresh [--date YYYY-MM-DD]`"""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pathways.cases.services.ending import case_outcomes_refresh


class Command(BaseCommand):
    help = (
        "Count the police records after each ended case for every period the region counts "
        "(casework.yaml outcomes.police_months, for example 6 and 12 months) that has passed since the case "
        "ended and is not yet counted. Each period is counted once. Run it nightly, after the police "
        "extract's import."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", metavar="YYYY-MM-DD", help="the day to count as (today)")

    def handle(self, *args: Any, date: str, **options: Any) -> None:
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(
                f"{date!r} is not a date; give it as YYYY-MM-DD. Nothing was counted."
            ) from None
        counted = case_outcomes_refresh(today=today)
        self.stdout.write(
            self.style.SUCCESS(f"Counted {counted} period(s) after cases ended, as of {today.isoformat()}.")
        )
