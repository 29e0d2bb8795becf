"""`manage.py import_dash FILE --username USER [--membership-agency SLUG]`

Records every row of a CSV file of past DASH results as a completed assessment made by the user's agency,
or none at all: a file with any problem is rejected whole, every problem is listed with its line and
column, and nothing is changed. The user acts under their membership at the agency given, or under their
only active membership, and their role must let them record assessments. See docs/dash-import.md.
"""

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.accounts.models import Membership, User
from pathways.assessments.imports import DashImportError, import_dash
from pathways.core.policy import Actor


class Command(BaseCommand):
    help = (
        "Import past DASH results from a CSV file (UTF-8, header row of column names; see "
        "docs/dash-import.md) as completed assessments made by the user's agency, with their results "
        "computed. A file with any problem is rejected whole, listing every problem by line and column, "
        "and nothing is changed. Importing the same file twice records its assessments twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file, for example dash-2024.csv")
        parser.add_argument(
            "--username", required=True, help="the user recording the assessments (named in the audit log)"
        )
        parser.add_argument(
            "--membership-agency",
            default="",
            metavar="SLUG",
            help="the agency the user acts for; needed only when they are active in more than one",
        )

    def handle(self, *args: Any, file: Path, username: str, membership_agency: str, **options: Any) -> None:
        actor = self._actor(username, membership_agency)
        try:
            count = import_dash(actor=actor, path=file)
        except DashImportError as exc:
            raise CommandError(
                f"{file} was not imported: {len(exc.problems)} problem(s). Nothing was changed.\n{exc}"
            ) from None
        except PermissionDenied:
            raise CommandError(
                f"{username}'s role ({actor.role}) at {actor.agency} does not let them record assessments. "
                "Nothing was changed."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Imported {count} DASH assessment(s) for {actor.agency}."))

    @staticmethod
    def _actor(username: str, agency_slug: str) -> Actor:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"There is no active user called {username!r}. Nothing was changed.")
        memberships = Membership.objects.filter(user=user, is_active=True, agency__is_active=True)
        if agency_slug:
            memberships = memberships.filter(agency__slug=agency_slug)
        found = list(memberships.select_related("agency")[:2])
        if not found:
            at = f" at {agency_slug!r}" if agency_slug else ""
            raise CommandError(f"{username} has no active membership{at}. Nothing was changed.")
        if len(found) > 1:
            slugs = ", ".join(memberships.order_by("agency__slug").values_list("agency__slug", flat=True))
            raise CommandError(
                f"{username} acts for more than one agency ({slugs}); choose one with --membership-agency. "
                "Nothing was changed."
            )
        return Actor(user=user, membership=found[0])
