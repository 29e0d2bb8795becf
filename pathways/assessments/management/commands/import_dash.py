"""`manage.py import_dash FILE --username USER [--membership-agency SLUG]`

Records every row of a CSV file of past DASH results as a completed assessment made by the user's agency,
or none at all: a file with any problem is rejected whole, every problem is listed with its line and
column, and nothing is changed. The user acts under their membership at the agency given, or under their
only active membership, and their role must let them record assessments. See docs/dash-import.md.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pathways.accounts.commands import actor_from_options, add_actor_arguments, import_refusals
from pathways.assessments.imports import import_dash


class Command(BaseCommand):
    help = (
        "Import past DASH results from a CSV file (UTF-8, header row of column names; see "
        "docs/dash-import.md) as completed assessments made by the user's agency, with their results "
        "computed. A file with any problem is rejected whole, listing every problem by line and column, "
        "and nothing is changed. Importing the same file twice records its assessments twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file, for example dash-2024.csv")
        add_actor_arguments(parser, "assessments")

    def handle(self, *args: Any, file: Path, username: str, membership_agency: str, **options: Any) -> None:
        actor = actor_from_options(username, membership_agency)
        with import_refusals(file, actor, username, "assessments"):
            count = import_dash(actor=actor, path=file)
        self.stdout.write(self.style.SUCCESS(f"Imported {count} DASH assessment(s) for {actor.agency}."))
