"""Check the audit log's chain from the first entry and name the first entry that was changed, removed or
replaced; with --checkpoint, also compare with signed checkpoints kept outside the database, which finds the
newest entries removed and the head rewound to match."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.audit.services import (
    Checkpoint,
    CheckpointError,
    chain_verify,
    checkpoint_file_read,
    database_role_that_can_rewrite,
)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="a file of checkpoints written by checkpoint_audit, or a log extract holding them; may be "
            "given more than once",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoints: list[Checkpoint] = []
        try:
            for path in options["checkpoint"]:
                checkpoints += checkpoint_file_read(path=path)
        except CheckpointError as error:
            raise CommandError(f"{error}.") from None
        role = database_role_that_can_rewrite()
        if role is not None:
            self.stderr.write(
                f"Warning: the database role {role!r} this runs as can change or remove audit entries; "
                "run the application as a role that can only append (see the README's deployment)."
            )
        report = chain_verify(checkpoints=checkpoints)
        if report.broken is not None:
            broken = report.broken
            raise CommandError(f"Audit log broken at entry #{broken.sequence}: {broken.reason}.")
        message = f"Audit log intact: {report.entries} entries verified"
        if checkpoints:
            newest = max(checkpoints, key=lambda c: c.sequence)
            message += (
                f", consistent with {len(checkpoints)} checkpoint(s), the newest at entry #{newest.sequence} "
                f"({newest.at})"
            )
        self.stdout.write(self.style.SUCCESS(message + "."))
        if not checkpoints:
            self.stdout.write(
                "No checkpoint compared: removal of the newest entries is found only with --checkpoint FILE "
                "(see checkpoint_audit)."
            )
