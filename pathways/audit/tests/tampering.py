"""What the owner of the audit tables can do to them, with the guards lifted, for the tamper tests.

Everything runs inside the test's transaction, so the guards are back when the test ends.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from pathways.audit import chain
from pathways.audit import services as audit
from pathways.audit.models import AuditChainHead, AuditEntry

SQLITE_TRIGGERS = (
    "audit_entry_no_update",
    "audit_entry_no_delete",
    "audit_head_forward_only",
    "audit_head_starts_at_newest",
    "audit_head_no_delete",
)


def execute(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def lift_guards() -> None:
    """As the tables' owner can: every trigger on the entries and on the head off."""
    if connection.vendor == "postgresql":
        execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        execute("ALTER TABLE audit_auditchainhead DISABLE TRIGGER USER")
    else:
        for name in SQLITE_TRIGGERS:
            execute(f"DROP TRIGGER {name}")


def rewind_head_to(sequence: int) -> None:
    entry_hash = AuditEntry.objects.values_list("entry_hash", flat=True).get(sequence=sequence)
    execute(
        "UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s WHERE id = 1",
        [sequence, entry_hash],
    )


def rehash_onwards(
    first: int, *, key: bytes | None = None, unkeyed: bool = False, last: int | None = None
) -> None:
    """Recompute every hash and link from entry `first` to the newest (or to `last`), and move the head
    to match: what an attacker who changed entry `first` does to hide it. Without the chain key they can
    use the old unkeyed digest (marking the entries unkeyed, or not) or an HMAC under a key of their own."""
    entries = list(AuditEntry.objects.filter(sequence__gte=first).order_by("sequence"))
    if last is not None:
        entries = [e for e in entries if e.sequence <= last]
    previous = AuditEntry.objects.values_list("entry_hash", flat=True).filter(sequence=first - 1).first()
    previous = previous or chain.GENESIS
    for entry in entries:
        entry.previous_hash = previous
        if unkeyed:
            entry.key_id = None
        if key is not None:
            fields = chain.entry_fields(**audit.entry_hashed_values(entry=entry), key_id=entry.key_id or "")
            entry_hash = chain.sign_entry(((entry.key_id or "", key),), entry.key_id or "", fields)
        else:
            entry_hash = chain.legacy_digest(**audit.entry_hashed_values(entry=entry))
        execute(
            "UPDATE audit_auditentry SET previous_hash = %s, entry_hash = %s, key_id = %s "
            "WHERE sequence = %s",
            [entry.previous_hash, entry_hash, entry.key_id, entry.sequence],
        )
        previous = entry_hash
    if last is None:
        execute(
            "UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s WHERE id = 1",
            [entries[-1].sequence, previous],
        )


def append_signed(count: int) -> None:
    """`count` signed entries appended in bulk, as `audit.entry_record` writes them but without its lock."""
    from django.conf import settings
    from django.utils import timezone

    from pathways.audit.services import entry_digest

    last_sequence, previous = head()
    key_id = settings.AUDIT_CHAIN_KEYS[0][0]
    entries = []
    for sequence in range(last_sequence + 1, last_sequence + count + 1):
        entry = AuditEntry(
            sequence=sequence,
            at=timezone.now(),
            actor_username="bulk",
            action="record.viewed",
            record_type="person",
            record_id=f"p{sequence}",
            ip_address="192.0.2.10",
            details=chain.storable({"count": sequence}),
            previous_hash=previous,
            key_id=key_id,
        )
        entry.entry_hash = previous = entry_digest(entry=entry)
        entries.append(entry)
    AuditEntry.objects.bulk_create(entries, batch_size=2000)
    execute(
        "UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s WHERE id = 1",
        [entries[-1].sequence, previous],
    )


def head() -> tuple[int, str]:
    return AuditChainHead.objects.values_list("last_sequence", "last_hash").get(id=1)
