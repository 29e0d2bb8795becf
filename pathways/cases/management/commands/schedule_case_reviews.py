"""`manage.py schedule_case_reviews`, run nightly."""

from typing import Any

from django.core.management.base import BaseCommand

from pathways.cases.choices import CaseStatus
from pathways.cases.models import Case
from pathways.cases.services.reviews import case_review_schedule


class Command(BaseCommand):
    help = (
        "Schedule the next internal and multi-agency review of every open case, at the intervals in its "
        "region's casework file, with a task for its case worker. Safe to run again: a review already "
        "scheduled is left as it is (or moved, if the region's interval has changed)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        made = 0
        cases = (
            Case.objects.filter(status=CaseStatus.OPEN).select_related("service").order_by("opened_at", "pk")
        )
        for case in cases.iterator(chunk_size=500):
            made += len(case_review_schedule(case=case))
        self.stdout.write(self.style.SUCCESS(f"{made} review(s) scheduled."))
