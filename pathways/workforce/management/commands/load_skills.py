from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.core.datafiles import DataFileError
from pathways.workforce.services import skills_file_load


class Command(BaseCommand):
    help = "Load a skills instrument file (standards/vase-r.yaml) as its next version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            version, created = skills_file_load(path=path)
        except DataFileError as error:
            raise CommandError(f"{path} was not loaded:\n{error}") from None
        state = (
            f"loaded as version {version.version}" if created else f"unchanged (version {version.version})"
        )
        self.stdout.write(f"{version.slug}: {state}.")
