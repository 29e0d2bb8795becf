"""`manage.py load_casework FILE`"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.cases.services import casework_rules_load
from pathways.core.datafiles import DataFileError


class Command(BaseCommand):
    help = (
        "Validate and load a region's casework file (for example regions/cardiff-and-vale/casework.yaml) as "
        "its next version: plan activities, programmes, reviews and the rules for ending a case. Load the "
        "region's region.yaml first. Any problem: nothing is loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="for example regions/cardiff-and-vale/casework.yaml")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            version, created = casework_rules_load(path=file)
        except DataFileError as exc:
            raise CommandError(f"Nothing was loaded: {len(exc.problems)} problem(s).\n{exc}") from None
        what = "Loaded" if created else "Unchanged:"
        self.stdout.write(
            self.style.SUCCESS(f"{what} casework rules for {version.region.slug}, version {version.version}.")
        )
