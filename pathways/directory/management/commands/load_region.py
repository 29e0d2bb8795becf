from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.core.datafiles import DataFileError
from pathways.directory.services import region_file_parse, region_load


class Command(BaseCommand):
    help = "Validate a region file and load it. A file with any problem is rejected whole, listing each."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="for example regions/cardiff-and-vale/region.yaml")
        parser.add_argument("--check", action="store_true", help="validate only; change nothing")

    def handle(self, *args: Any, file: Path, check: bool, **options: Any) -> None:

        try:
            if check:
                parsed = region_file_parse(path=file)
                self.stdout.write(f"{file}: valid ({len(parsed.services)} services).")
                return
            result = region_load(path=file)
        except DataFileError as exc:
            count = len(exc.problems)
            raise CommandError(
                f"{file} was not loaded: {count} problem(s). Nothing was changed.\n{exc}"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {result.region.slug}: {result.areas} areas, {result.providers} providers, "
                f"{result.services} services ({result.removed} removed)."
            )
        )
