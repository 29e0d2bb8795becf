from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.core.datafiles import DataFileError
from pathways.referrals.services import triage_rules_load


class Command(BaseCommand):
    help = "Validate a region's triage rules and load them as a new version; a bad file is rejected."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="for example regions/cardiff-and-vale/triage.yaml")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            ruleset = triage_rules_load(path=file)
        except DataFileError as exc:
            raise CommandError(
                f"{file} was not loaded: {len(exc.problems)} problem(s). Nothing was changed.\n{exc}"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(f"Triage rules for {ruleset.region.slug}: version {ruleset.version}.")
        )
