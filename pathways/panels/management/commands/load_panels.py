"""`manage.py load_panels FILE`"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.core.datafiles import DataFileError
from pathways.panels.services import panels_load


class Command(BaseCommand):
    help = (
        "Validate and load a region's panels file (for example regions/cardiff-and-vale/panels.yaml): "
        "panels are created or updated by slug, and panels no longer in the file stop meeting (their "
        "records are kept). Load the region's region.yaml first. Any problem: nothing is loaded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="for example regions/cardiff-and-vale/panels.yaml")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            panels = panels_load(path=file)
        except DataFileError as exc:
            raise CommandError(f"Nothing was loaded: {len(exc.problems)} problem(s).\n{exc}") from None
        for panel in panels:
            self.stdout.write(f"{panel.slug}: {panel.name_en} ({panel.kind}, every {panel.every_days} days)")
        self.stdout.write(self.style.SUCCESS(f"Loaded {len(panels)} panel(s)."))
