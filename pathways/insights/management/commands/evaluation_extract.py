"""`manage.py evaluation_extract --agreement REFERENCE --out FILE.zip --username USER
[--membership-agency SLUG]`"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.accounts.commands import actor_from_options, add_actor_arguments
from pathways.insights.evaluation import ExtractRefused, agreements_for, extract_produce


class Command(BaseCommand):
    help = (
        "Write the pseudonymised evaluation extract (cases.csv, referrals.csv, data-dictionary.csv) as a ZIP "
        "under the data-sharing agreement with this reference, as information governance; refused, with "
        "nothing written, unless the agreement is recorded and in force today. Each extract is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_actor_arguments(parser, "extract")
        parser.add_argument("--agreement", required=True, metavar="REFERENCE")
        parser.add_argument("--out", required=True, metavar="FILE.zip")

    def handle(
        self, *args: Any, username: str, membership_agency: str, agreement: str, out: str, **options: Any
    ) -> None:
        actor = actor_from_options(username, membership_agency)
        found = agreements_for(actor=actor).filter(reference=agreement).first()
        try:
            extract, body = extract_produce(actor=actor, agreement=found)
        except ExtractRefused as refused:
            raise CommandError(f"{refused} Nothing was written.") from None
        Path(out).write_bytes(body)
        self.stdout.write(
            f"Wrote {out}: {extract.cases} cases and {extract.referrals} referrals under {agreement}."
        )
