"""`manage.py load_rfg FILE`: validate a region's RFG model (rfg.yaml) and load it."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.core.datafiles import DataFileError
from pathways.police.rfg import load_rfg_model


class Command(BaseCommand):
    help = (
        "Validate a region's RFG model (window, weights, caps, uplifts, gravity table, bands, serial rule) "
        "and load it. The same file again makes no new version; a changed file becomes the next version, and "
        "past scores keep the version that made them. A file with any problem is rejected whole."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="for example regions/cardiff-and-vale/rfg.yaml")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            version, changed = load_rfg_model(path=file)
        except DataFileError as exc:
            raise CommandError(
                f"{file} was not loaded: {len(exc.problems)} problem(s). Nothing was changed.\n{exc}"
            ) from None
        state = "loaded" if changed else "unchanged, already loaded"
        self.stdout.write(
            self.style.SUCCESS(f"RFG model for {version.region.slug}: version {version.version} ({state}).")
        )
