"""`manage.py import_referrals FILE --username USER [--membership-agency SLUG]`

Records every referral in a CSV file as received, made by the user's agency, or none at all: a file with
any problem is rejected whole, every problem is listed with its line and column, and nothing is changed.
The user acts under their membership at the agency given, or under their only active membership, and
their role must let them record referrals. See docs/referral-import.md for the columns.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pathways.accounts.commands import actor_from_options, add_actor_arguments, import_refusals
from pathways.referrals.imports import import_referrals


class Command(BaseCommand):
    help = (
        "Import referrals from a CSV file (UTF-8, header row of column names; see docs/referral-import.md) "
        "as referrals made by the user's agency, all with the status 'received'. A file with any problem "
        "is rejected whole, listing every problem by line and column, and nothing is changed. Importing "
        "the same file twice records its referrals twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file, for example referrals-2025-06.csv")
        add_actor_arguments(parser, "referrals")

    def handle(self, *args: Any, file: Path, username: str, membership_agency: str, **options: Any) -> None:
        actor = actor_from_options(username, membership_agency)
        with import_refusals(file, actor, username, "referrals"):
            result = import_referrals(actor=actor, path=file)
        partners = f", with {result.partners} partner(s)" if result.partners else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.referrals} referrals{partners}, as received, for {actor.agency}."
            )
        )
