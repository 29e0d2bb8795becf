from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.assessments.services import instruments_load
from pathways.core.datafiles import DataFileError


class Command(BaseCommand):
    help = (
        "Validate and load instrument definitions and a region's assessment.yaml from files or folders. "
        "A changed file becomes a new version; past assessments keep theirs. Any problem: nothing is loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="+", type=Path, help="for example instruments/ regions/cardiff-and-vale/"
        )

    def handle(self, *args: Any, paths: list[Path], **options: Any) -> None:
        try:
            loaded = instruments_load(paths=paths)
        except DataFileError as exc:
            raise CommandError(f"Nothing was loaded: {len(exc.problems)} problem(s).\n{exc}") from None
        for line in loaded:
            self.stdout.write(line)
