"""`manage.py chase_actions [--date YYYY-MM-DD]`"""

import datetime
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pathways.panels.services import actions_chase_overdue


class Command(BaseCommand):
    help = (
        "Chase every open panel action past its due date: each is marked as chased on the day (at most "
        "once a day) and audited. Prints the count per agency and the actions' references, never who they "
        "are about. Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", default="", metavar="YYYY-MM-DD", help="the day to chase for (today)")

    def handle(self, *args: Any, date: str, **options: Any) -> None:
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise CommandError(
                f"{date!r} is not a date; give it as YYYY-MM-DD. Nothing was chased."
            ) from None
        chased = actions_chase_overdue(today=today, actor=None)
        for slug, count in sorted(Counter(c.agency_slug for c in chased).items()):
            self.stdout.write(f"{slug}: {count} overdue action(s) chased")
        for c in sorted(chased, key=lambda c: (c.agency_slug, c.due_on, str(c.action_id))):
            self.stdout.write(
                f"  action {c.action_id} ({c.panel_slug}, due {c.due_on.isoformat()}) for {c.agency_slug}"
            )
        self.stdout.write(
            self.style.SUCCESS(f"Chased {len(chased)} overdue action(s) on {today.isoformat()}.")
        )
