"""Writing and checking the audit log.

`record` must run inside the caller's transaction: if it fails, the action it describes fails too.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from pathways.audit.models import AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from django.http import HttpRequest

    from pathways.core.policy import Actor

GENESIS = "0" * 64


def entry_digest(entry: AuditEntry) -> str:
    payload = {
        "sequence": entry.sequence,
        "at": entry.at.isoformat(),
        "actor_id": str(entry.actor_id or ""),
        "actor_username": entry.actor_username,
        "agency_id": str(entry.agency_id or ""),
        "agency_name": entry.agency_name,
        "role": entry.role,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "purpose": entry.purpose,
        "ip_address": entry.ip_address or "",
        "details": entry.details,
        "previous_hash": entry.previous_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from pathways.core.throttle import client_address

    try:
        return str(ipaddress.ip_address(client_address(request)))
    except ValueError:
        return None


@transaction.atomic
def record(
    *,
    action: str,
    actor: Actor | None = None,
    username: str = "",
    record_type: str = "",
    record_id: object = "",
    purpose: str = "",
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Raises if it cannot be written, which rolls back the surrounding action."""
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"last_hash": GENESIS}
    )
    user = actor.user if actor else None
    agency = actor.agency if actor else None
    entry = AuditEntry(
        sequence=head.last_sequence + 1,
        at=timezone.now(),
        actor_id=user.pk if user is not None and user.is_authenticated else None,
        actor_username=(user.get_username() if user is not None and user.is_authenticated else username)[
            :150
        ],
        agency_id=agency.pk if agency else None,
        agency_name=agency.name_en if agency else "",
        role=(actor.role or "") if actor else "",
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        purpose=purpose[:500],
        ip_address=client_ip(request),
        details=details or {},
        previous_hash=head.last_hash,
    )
    entry.entry_hash = entry_digest(entry)
    entry.save(force_insert=True)
    head.last_sequence = entry.sequence
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return entry


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: str


def verify_chain(batch_size: int = 5000) -> ChainBreak | None:
    """The first entry whose hash or link does not match, or None when the whole chain is intact."""
    previous = GENESIS
    expected_sequence: int | None = None
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=batch_size):
        if expected_sequence is not None and entry.sequence != expected_sequence:
            return ChainBreak(expected_sequence, "missing: the entry was deleted")
        if entry.previous_hash != previous:
            return ChainBreak(entry.sequence, "its link to the previous entry does not match")
        if entry_digest(entry) != entry.entry_hash:
            return ChainBreak(entry.sequence, "its contents do not match its hash")
        previous = entry.entry_hash
        expected_sequence = entry.sequence + 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and head.last_hash != previous:
        return ChainBreak((expected_sequence or 1), "the newest entries are missing")
    return None
