from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.assessments.recompute import recompute_results
from pathways.assessments.services import AssessmentError


class Command(BaseCommand):
    help = (
        "Recompute the stored results of every completed (and superseded) assessment from its own answers, "
        "its own instrument version and its region's current assessment settings; for example after a "
        "change to a region's MARAC call-out threshold. Prints how many assessments' results changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--instrument", help="only assessments with this instrument, e.g. dash-police")
        parser.add_argument("--batch-size", type=int, default=5000, help="rows read and written together")

    def handle(self, *args: Any, instrument: str | None, batch_size: int, **options: Any) -> None:
        try:
            count = recompute_results(instrument=instrument, batch_size=batch_size)
        except (AssessmentError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(str(count))
