"""The audit log holds against the owner of its tables (issue 9, point 6): each way they could rewrite it
with the guards lifted, as reproduced against the unkeyed chain, is found, and the changed entry named."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.audit.tests.tampering import (
    append_signed,
    execute,
    head,
    lift_guards,
    rehash_onwards,
    rewind_head_to,
)

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEntry]:
    return [
        audit.entry_record(action=AuditAction.RECORD_VIEWED, record_type="person", record_id=f"p{i}")
        for i in range(n)
    ]


def _checkpoint(path: Path) -> None:
    call_command("checkpoint_audit", "--checkpoint", str(path))


def _verify_with(path: Path) -> None:
    call_command("verify_audit", "--checkpoint", str(path))


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(None, id="re-hashed with the old unkeyed digest"),
        pytest.param(b"a key of the attacker's own, 32 bytes", id="re-signed with another key"),
    ],
)
def test_an_entry_changed_and_rehashed_onwards_is_named_itself(key: bytes | None) -> None:
    target = _write(6)[2].sequence
    lift_guards()
    execute("UPDATE audit_auditentry SET record_id = 'someone-else' WHERE sequence = %s", [target])
    rehash_onwards(target, key=key)

    broken = audit.chain_first_break()

    assert broken == audit.ChainBreak(target, "its contents do not match its signature")
    with pytest.raises(CommandError, match=f"entry #{target}: its contents do not match its signature"):
        call_command("verify_audit")


def test_an_entry_changed_and_rewritten_onwards_as_unkeyed_is_named_itself() -> None:
    target = _write(6)[3].sequence
    lift_guards()
    execute("UPDATE audit_auditentry SET purpose = 'nothing to see' WHERE sequence = %s", [target])
    rehash_onwards(target, unkeyed=True)

    broken = audit.chain_first_break()

    assert broken == audit.ChainBreak(target, "it is not signed, but entries before it are")


def test_the_whole_chain_rewritten_as_unkeyed_is_found() -> None:
    target = _write(4)[2].sequence
    lift_guards()
    execute("UPDATE audit_auditentry SET record_id = 'someone-else' WHERE sequence = %s", [target])
    rehash_onwards(1, unkeyed=True)

    broken = audit.chain_first_break()

    # Every entry was rewritten from the first: that is the one named.
    assert broken is not None and broken.sequence == 1
    assert "not signed" in broken.reason


def test_changing_only_a_link_is_named_at_that_entry() -> None:
    target = _write(5)[3].sequence
    lift_guards()
    execute("UPDATE audit_auditentry SET previous_hash = %s WHERE sequence = %s", ["f" * 64, target])

    assert audit.chain_first_break() == audit.ChainBreak(target, "its contents do not match its signature")


def test_newest_entries_deleted_and_the_head_rewound_are_found_with_a_checkpoint(tmp_path: Path) -> None:
    entries = _write(6)
    kept, newest = entries[3].sequence, entries[5].sequence
    checkpoints = tmp_path / "audit-checkpoints.log"
    _checkpoint(checkpoints)
    lift_guards()
    execute("DELETE FROM audit_auditentry WHERE sequence > %s", [kept])
    rewind_head_to(kept)

    broken = audit.chain_first_break(checkpoints=audit.checkpoint_file_read(path=str(checkpoints)))

    assert broken is not None and broken.sequence == kept + 1
    assert f"records entry #{newest}, but the log ends at #{kept}" in broken.reason
    with pytest.raises(
        CommandError, match=f"entry #{kept + 1}: missing: the checkpoint of .* records entry #{newest}"
    ):
        _verify_with(checkpoints)


def test_entries_replaced_after_a_rewind_are_found_with_a_checkpoint(tmp_path: Path) -> None:
    """Rewound to #4, then the application goes on writing: #5 and #6 exist again, but are not the ones
    the checkpoint saw."""
    entries = _write(6)
    kept, newest = entries[3].sequence, entries[5].sequence
    checkpoints = tmp_path / "audit-checkpoints.log"
    _checkpoint(checkpoints)
    lift_guards()
    execute("DELETE FROM audit_auditentry WHERE sequence > %s", [kept])
    rewind_head_to(kept)
    _write(3)

    with pytest.raises(
        CommandError, match=f"entry #{newest}: it is not the entry the checkpoint of .* recorded"
    ):
        _verify_with(checkpoints)


def test_the_whole_log_removed_is_found_with_a_checkpoint(tmp_path: Path) -> None:
    newest = _write(3)[2].sequence
    checkpoints = tmp_path / "audit-checkpoints.log"
    _checkpoint(checkpoints)
    lift_guards()
    if connection.vendor == "postgresql":
        execute("TRUNCATE audit_auditentry, audit_auditchainhead")
    else:
        execute("DELETE FROM audit_auditentry")
        execute("DELETE FROM audit_auditchainhead")

    with pytest.raises(
        CommandError, match=f"entry #1: missing: the checkpoint of .* records entry #{newest}"
    ):
        _verify_with(checkpoints)


def test_a_later_checkpoint_is_written_only_for_an_intact_log(tmp_path: Path) -> None:
    kept = _write(4)[1].sequence
    checkpoints = tmp_path / "audit-checkpoints.log"
    _checkpoint(checkpoints)
    lift_guards()
    execute("DELETE FROM audit_auditentry WHERE sequence > %s", [kept])
    rewind_head_to(kept)

    with pytest.raises(CommandError, match=f"entry #{kept + 1}: missing.*No checkpoint written"):
        _checkpoint(checkpoints)
    assert len(checkpoints.read_text().splitlines()) == 1


def test_without_the_guards_lifted_the_head_cannot_be_rewound_or_removed() -> None:
    """What the application role meets (and, on SQLite, anyone who does not drop the triggers)."""
    entries = _write(4)
    before = head()
    earlier, newest = entries[1], entries[3].sequence
    statements: list[tuple[str, list[object]]] = [
        (
            "UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s",
            [earlier.sequence, earlier.entry_hash],
        ),
        ("UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s", [newest + 1, "f" * 64]),
        ("UPDATE audit_auditchainhead SET last_hash = %s", ["f" * 64]),
        ("DELETE FROM audit_auditchainhead", []),
        (
            "INSERT INTO audit_auditchainhead (id, last_sequence, last_hash) VALUES (2, %s, %s)",
            [earlier.sequence, earlier.entry_hash],
        ),
    ]
    if connection.vendor == "postgresql":
        statements.append(("TRUNCATE audit_auditchainhead", []))
    for sql, params in statements:
        with pytest.raises(DatabaseError), transaction.atomic():
            execute(sql, params)
    assert head() == before
    assert audit.chain_first_break() is None


def test_the_head_still_moves_forward_to_each_new_entry() -> None:
    entries = _write(3)
    assert head() == (entries[-1].sequence, entries[-1].entry_hash)
    assert audit.chain_first_break() is None


def test_a_long_chain_broken_early_leaves_the_connection_usable() -> None:
    """Verification stops at the first break, halfway through reading a long chain; what the caller
    does next in the same transaction still works."""
    target = _write(2)[1].sequence
    append_signed(30_000)
    lift_guards()
    execute("UPDATE audit_auditentry SET purpose = 'nothing to see' WHERE sequence = %s", [target])

    assert audit.chain_first_break() == audit.ChainBreak(target, "its contents do not match its signature")
    assert (
        AuditEntry.objects.filter(sequence=target).values_list("purpose", flat=True).get() == "nothing to see"
    )
    assert audit.entry_record(action=AuditAction.RECORD_VIEWED).sequence == target + 30_001
