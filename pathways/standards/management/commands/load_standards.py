from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.core.datafiles import DataFileError
from pathways.standards.services import standards_file_load


class Command(BaseCommand):
    help = (
        "Load a standards file (standards/<slug>.yaml) as its next version; nothing is loaded if it has "
        "an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            version, created = standards_file_load(path=path)
        except DataFileError as error:
            raise CommandError(f"{path} was not loaded:\n{error}") from None
        if created:
            self.stdout.write(f"Loaded {version.slug} as version {version.version}.")
        else:
            self.stdout.write(f"{version.slug} is unchanged (version {version.version}).")
