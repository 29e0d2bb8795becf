from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pathways.audit.models import AuditEntry
from pathways.audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "Check the audit log's hash chain from the first entry; name the first entry that was tampered with."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain()
        if broken is not None:
            raise CommandError(f"Audit log broken at entry #{broken.sequence}: {broken.reason}.")
        self.stdout.write(
            self.style.SUCCESS(f"Audit log intact: {AuditEntry.objects.count()} entries verified.")
        )
