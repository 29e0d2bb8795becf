"""`manage.py import_police FILE --username USER [--membership-agency SLUG] [--region SLUG]`"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.accounts.commands import actor_from_options, add_actor_arguments, import_refusals
from pathways.directory.models import Region
from pathways.police.extracts import import_police_extract


def region_from_option(slug: str) -> Region:
    """The region named, or the only region loaded; a CommandError saying what to do otherwise."""
    if slug:
        region = Region.objects.filter(slug=slug).first()
        if region is None:
            raise CommandError(f"No region {slug!r} is loaded. Nothing was changed.")
        return region
    regions = list(Region.objects.order_by("slug")[:2])
    if len(regions) != 1:
        raise CommandError("Name the region with --region SLUG. Nothing was changed.")
    return regions[0]


class Command(BaseCommand):
    help = (
        "Import a police extract of domestic abuse incidents and crimes (CSV, UTF-8, header row; see "
        "docs/rfg.md) into the region's police records for RFG scoring. Records are matched by the force's "
        "reference: new ones are added, changed ones updated, identical ones left alone. A file with any "
        "problem is rejected whole, listing every problem by line and column, and nothing is changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV file, for example swp-2025-06.csv")
        add_actor_arguments(parser, "police data")
        parser.add_argument(
            "--region", default="", metavar="SLUG", help="needed only when several are loaded"
        )

    def handle(
        self, *args: Any, file: Path, username: str, membership_agency: str, region: str, **options: Any
    ) -> None:
        actor = actor_from_options(username, membership_agency)
        into = region_from_option(region)
        with import_refusals(file, actor, username, "police data"):
            extract = import_police_extract(actor=actor, path=file, region=into)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {extract.rows} row(s) into {into.slug}: {extract.created} new, {extract.updated} "
                f"updated, {extract.unchanged} unchanged."
            )
        )
