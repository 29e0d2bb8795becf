"""A log written before the chain was keyed still verifies: its entries keep their SHA-256 digests, and
the keyed entry that migration 0004 appends after them seals them, so that they cannot be changed and no
keyed entry can be passed off as one of them."""

from __future__ import annotations

import datetime
import importlib
import uuid

import pytest
from django.apps import apps
from django.utils import timezone

from pathways.audit import chain
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditChainHead, AuditEntry
from pathways.audit.tests.tampering import execute, lift_guards, rehash_onwards, rewind_head_to

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("pathways.audit.migrations.0004_keyed_chain_and_guarded_head")


def test_the_unkeyed_digest_is_the_one_entries_were_written_with() -> None:
    """A digest the unkeyed chain computed for this entry, kept so that old databases go on verifying."""
    entry = AuditEntry(
        sequence=7,
        at=datetime.datetime(2026, 11, 27, 9, 31, 5, 123456, tzinfo=datetime.UTC),
        actor_id=uuid.UUID("7f3c1a52-1111-2222-3333-444455556666"),
        actor_username="idva",
        agency_id=uuid.UUID("0a0b0c0d-1111-2222-3333-444455556666"),
        agency_name="RISE Cardiff",
        role="practitioner",
        action="record.sealed_viewed",
        record_type="person",
        record_id="5d1e",
        purpose="Safety planning",
        ip_address="192.0.2.10",
        details={"field": "address", "n": 2},
        previous_hash="ab" * 32,
    )
    assert (
        audit.entry_digest(entry=entry) == "679bf7eb4cacfd6fac04a3a80e7aa7bb6d217b5de06c6f84f8f57bb9d1010714"
    )


@pytest.fixture
def unkeyed_log() -> list[AuditEntry]:
    """A log of five entries as the application wrote them before the chain was keyed, then migrated."""
    lift_guards()
    execute("DELETE FROM audit_auditentry")
    execute("DELETE FROM audit_auditchainhead")
    previous, entries = chain.GENESIS, []
    for n in range(1, 6):
        entry = AuditEntry(
            sequence=n,
            at=timezone.now(),
            actor_username="idva",
            agency_name="RISE Cardiff",
            role="practitioner",
            action=AuditAction.SEALED_VIEWED,
            record_type="person",
            record_id=f"p{n}",
            purpose="Safety planning",
            ip_address="192.0.2.10",
            details={"field": "address"},
            previous_hash=previous,
        )
        entry.entry_hash = audit.entry_digest(entry=entry)
        entry.save(force_insert=True)
        previous = entry.entry_hash
        entries.append(entry)
    AuditChainHead.objects.create(id=1, last_sequence=5, last_hash=previous)
    MIGRATION.seal_unkeyed_entries(apps, None)
    return entries


def test_a_log_from_before_keying_verifies_and_goes_on_keyed(unkeyed_log: list[AuditEntry]) -> None:
    seal = AuditEntry.objects.get(sequence=6)
    assert (seal.action, seal.key_id, seal.previous_hash) == (
        AuditAction.AUDIT_KEYED,
        "dev",
        unkeyed_log[-1].entry_hash,
    )
    assert seal.details == {"newest_unkeyed": 5, "unkeyed_entries": 5}
    assert audit.chain_first_break() is None

    newer = audit.entry_record(action=AuditAction.RECORD_VIEWED)

    assert (newer.sequence, newer.key_id) == (7, "dev")
    assert audit.chain_first_break() is None


def test_a_changed_unkeyed_entry_is_named(unkeyed_log: list[AuditEntry]) -> None:
    execute("UPDATE audit_auditentry SET record_id = 'someone-else' WHERE sequence = 3")
    assert audit.chain_first_break() == audit.ChainBreak(3, "its contents do not match its hash")


def test_unkeyed_entries_rewritten_onwards_are_caught_by_the_seal(unkeyed_log: list[AuditEntry]) -> None:
    execute("UPDATE audit_auditentry SET record_id = 'someone-else' WHERE sequence = 3")
    rehash_onwards(3, last=5)

    assert audit.chain_first_break() == audit.ChainBreak(
        6, "its link to the previous entry does not match: an unsigned entry before it was changed"
    )


def test_keyed_entries_cannot_be_passed_off_as_unkeyed(unkeyed_log: list[AuditEntry]) -> None:
    """Rewriting the seal and what follows as unkeyed entries leaves unkeyed entries with no seal."""
    audit.entry_record(action=AuditAction.RECORD_VIEWED)
    execute("UPDATE audit_auditentry SET record_id = 'someone-else' WHERE sequence = 7")
    rehash_onwards(6, unkeyed=True)

    broken = audit.chain_first_break()

    assert broken is not None and broken.sequence == 1
    assert "entries #1 to #7 are not signed, and the entry that sealed them" in broken.reason


def test_the_seal_removed_is_found(unkeyed_log: list[AuditEntry]) -> None:
    execute("DELETE FROM audit_auditentry WHERE sequence = 6")
    rewind_head_to(5)

    broken = audit.chain_first_break()

    assert broken is not None and broken.sequence == 1 and "not signed" in broken.reason


def test_an_empty_log_needs_no_seal() -> None:
    lift_guards()
    execute("DELETE FROM audit_auditentry")
    execute("DELETE FROM audit_auditchainhead")
    MIGRATION.seal_unkeyed_entries(apps, None)

    assert not AuditEntry.objects.exists()
    assert audit.chain_first_break() is None
