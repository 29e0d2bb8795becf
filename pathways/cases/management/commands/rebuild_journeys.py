"""`manage.py rebuild_journeys`"""

from typing import Any

from django.core.management.base import BaseCommand

from pathways.cases.services.journeys import journeys_casework_refresh
from pathways.referrals.journeys import journeys_rebuild


class Command(BaseCommand):
    help = (
        "Write every referral's journey through the services it was sent to afresh from its steps and its "
        "case, which the outcomes count from. Pathways keeps them with each step and piece of casework; run "
        "this only after history was written in bulk outside it (a restore of part of the database, say)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        journeys = journeys_rebuild()
        cases = journeys_casework_refresh()
        self.stdout.write(self.style.SUCCESS(f"Wrote {journeys} journey(s), {cases} of them with a case."))
