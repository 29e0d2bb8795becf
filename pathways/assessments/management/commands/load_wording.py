from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.assessments.wording import load_wording
from pathways.core.datafiles import DataFileError


class Command(BaseCommand):
    help = (
        "Load the exact wording of a licensed instrument from a file you hold the licence for (YAML: "
        "instrument, licence, items: {item id: {en, cy}}). The form then shows it; scoring is unchanged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            saved = load_wording(path=file)
        except DataFileError as exc:
            raise CommandError(f"{file} was not loaded.\n{exc}") from None
        self.stdout.write(f"Wording for {saved.instrument}: {len(saved.wording)} items.")
