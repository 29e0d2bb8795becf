from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.audit.models import AppendOnlyError, AuditEntry

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEntry]:
    return [
        audit.entry_record(action=AuditAction.RECORD_VIEWED, record_type="person", record_id=f"p{i}")
        for i in range(n)
    ]


def _disable_guards() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")


def test_entries_are_chained_in_sequence() -> None:
    entries = _write(3)
    first = entries[0].sequence
    assert [e.sequence for e in entries] == [first, first + 1, first + 2]
    assert entries[1].previous_hash == entries[0].entry_hash
    assert audit.chain_first_break() is None


def test_application_cannot_change_or_delete_entries() -> None:
    entry = _write(1)[0]
    entry.purpose = "covering tracks"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(purpose="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_database_refuses_update_and_delete_even_in_raw_sql() -> None:
    entry = _write(1)[0]
    for statement in ("UPDATE audit_auditentry SET purpose = 'x'", "DELETE FROM audit_auditentry"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEntry.objects.get(pk=entry.pk).purpose == ""


def test_verify_names_exactly_the_tampered_entry() -> None:
    target = _write(5)[2].sequence
    _disable_guards()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET record_id = 'someone-else' WHERE sequence = %s", [target])
    broken = audit.chain_first_break()
    assert broken is not None and broken.sequence == target
    with pytest.raises(CommandError, match=f"entry #{target}:"):
        call_command("verify_audit")


def test_verify_finds_a_deleted_entry() -> None:
    target = _write(4)[1].sequence
    _disable_guards()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE sequence = %s", [target])
    broken = audit.chain_first_break()
    assert broken is not None and broken.sequence == target


def test_verify_finds_the_newest_entry_removed() -> None:
    target = _write(3)[2].sequence
    _disable_guards()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE sequence = %s", [target])
    broken = audit.chain_first_break()
    assert broken is not None and broken.sequence == target


def test_verify_command_reports_an_intact_log(capsys: pytest.CaptureFixture[str]) -> None:
    _write(2)
    call_command("verify_audit")
    assert f"{AuditEntry.objects.count()} entries verified" in capsys.readouterr().out
