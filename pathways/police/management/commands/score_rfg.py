"""`manage.py score_rfg --username USER [--membership-agency SLUG] [--region SLUG] [--end DATE]
[--model-version N]`"""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.accounts.commands import actor_from_options, add_actor_arguments
from pathways.police.management.commands.import_police import region_from_option
from pathways.police.models import RfgModelVersion
from pathways.police.rfg import RfgError, score_region


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--end: {value!r} is not a date; expected YYYY-MM-DD") from None


class Command(BaseCommand):
    help = (
        "Score everyone with police records in the region's RFG window ending on --end (today if not "
        "given) with the region's latest RFG model (or --model-version N), as a new run: a score from 0 "
        "to 100 per person per area, its four parts, the serial-perpetrator flag and the rank in the area. "
        "The same records, version and end date always give the same scores."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_actor_arguments(parser, "RFG run")
        parser.add_argument(
            "--region", default="", metavar="SLUG", help="needed only when several are loaded"
        )
        parser.add_argument("--end", default="", metavar="YYYY-MM-DD", help="the window's last day (today)")
        parser.add_argument("--model-version", type=int, default=None, metavar="N")

    def handle(
        self,
        *args: Any,
        username: str,
        membership_agency: str,
        region: str,
        end: str,
        model_version: int | None,
        **options: Any,
    ) -> None:
        actor = actor_from_options(username, membership_agency)
        into = region_from_option(region)
        version = None
        if model_version is not None:
            version = RfgModelVersion.objects.filter(region=into, version=model_version).first()
            if version is None:
                raise CommandError(
                    f"{into.slug} has no RFG model version {model_version}. Nothing was scored."
                )
        try:
            run = score_region(region=into, actor=actor, end=_day(end) if end else None, version=version)
        except RfgError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"RFG run {run.pk}: {run.records} record(s) from {run.window_start} to {run.window_end}, "
                f"{run.scored} score(s), model version {run.model.version}."
            )
        )
