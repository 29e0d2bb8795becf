"""Verify the audit log, then write a signed checkpoint of its newest entry (sequence, hash, time and an
HMAC under the newest of AUDIT_CHAIN_KEYS) as one line on standard output, and with --checkpoint FILE also
append it to FILE, after checking the log against the checkpoints already there. Keep the lines where the
database's owner cannot change them (a log server, write-once storage): `verify_audit --checkpoint FILE`
then finds the newest entries removed and the head rewound."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pathways.audit.services import (
    CheckpointError,
    chain_verify,
    checkpoint_file_append,
    checkpoint_file_read,
    checkpoint_line,
)


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="also append the checkpoint to FILE (created readable by its owner only)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["checkpoint"]
        try:
            started = bool(path) and Path(path).is_file() and Path(path).stat().st_size > 0
            earlier = checkpoint_file_read(path=path) if started else []
            report = chain_verify(checkpoints=earlier)
            if report.broken is not None:
                broken = report.broken
                raise CommandError(
                    f"Audit log broken at entry #{broken.sequence}: {broken.reason}. No checkpoint written."
                )
            line = checkpoint_line(sequence=report.last_sequence, entry_hash=report.last_hash)
            if path:
                checkpoint_file_append(path=path, line=line)
        except CheckpointError as error:
            raise CommandError(f"{error}.") from None
        self.stdout.write(line)
