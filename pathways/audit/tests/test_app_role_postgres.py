"""On PostgreSQL the application runs as a role that can append to the audit log and nothing more
(README, "Deploying on PostgreSQL"): it cannot change, delete or truncate entries, alter the table, lift
its triggers or rewind the chain head, even when it was given more privileges than it should have."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.audit.tests.tampering import execute, head

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="database roles exist on PostgreSQL only; SQLite has none (run with DATABASE_URL=postgres://...)",
    ),
]

# As the README's deployment sets the application role up: default privileges give it SELECT, INSERT,
# UPDATE and DELETE on every table the owner creates (granted here on the tables that exist, which is what
# they amount to), then the audit tables are narrowed.
GRANTS = [
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditentry FROM {role}",
    "REVOKE DELETE, TRUNCATE ON audit_auditchainhead FROM {role}",
]


def _as_role(grants: list[str]) -> Iterator[str]:
    # Role names are shared by every database on the server: a fresh one per test, gone at rollback.
    role = f"pathways_app_{uuid.uuid4().hex[:12]}"
    execute(f"CREATE ROLE {role} NOLOGIN")
    for grant in grants:
        execute(grant.format(role=role))
    execute(f"SET ROLE {role}")
    try:
        yield role
    finally:
        execute("RESET ROLE")


@pytest.fixture
def app_role() -> Iterator[str]:
    yield from _as_role(GRANTS)


@pytest.fixture
def over_granted_role() -> Iterator[str]:
    """A role given every privilege on the audit tables by mistake, but not their ownership."""
    yield from _as_role([*GRANTS[:3], "GRANT ALL ON audit_auditentry, audit_auditchainhead TO {role}"])


def _refused(sql: str, params: list[object] | None = None) -> str:
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        execute(sql, params)
    return str(refusal.value)


def _written() -> list[AuditEntry]:
    return [
        audit.entry_record(action=AuditAction.RECORD_VIEWED, record_type="person", record_id=f"p{n}")
        for n in range(3)
    ]


OWNER_ONLY = [
    "ALTER TABLE audit_auditentry DISABLE TRIGGER USER",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_change",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_truncate",
    "DROP TRIGGER audit_entry_no_change ON audit_auditentry",
    "ALTER TABLE audit_auditentry ADD COLUMN note text",
    "ALTER TABLE audit_auditentry RENAME TO audit_old",
    "DROP TABLE audit_auditentry",
    "ALTER TABLE audit_auditchainhead DISABLE TRIGGER USER",
    "DROP TRIGGER audit_head_guarded ON audit_auditchainhead",
    "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RETURN NEW; END $$",
    "CREATE OR REPLACE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RETURN NEW; END $$",
    # Replica mode would skip every trigger; only a superuser may choose it.
    "SET session_replication_role = replica",
]


def test_the_application_role_can_append(app_role: str) -> None:
    entries = _written()
    assert head() == (entries[-1].sequence, entries[-1].entry_hash)
    assert audit.chain_first_break() is None
    assert audit.database_role_that_can_rewrite() is None


def test_the_application_role_cannot_change_delete_or_truncate_entries(app_role: str) -> None:
    target = _written()[1].sequence
    for sql in (
        "UPDATE audit_auditentry SET purpose = 'covering tracks' WHERE sequence = %s",
        "DELETE FROM audit_auditentry WHERE sequence = %s",
    ):
        assert "permission denied" in _refused(sql, [target])
    assert "permission denied" in _refused("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.get(sequence=target).purpose == ""


@pytest.mark.parametrize("sql", OWNER_ONLY)
def test_the_application_role_cannot_alter_the_table_or_lift_its_triggers(app_role: str, sql: str) -> None:
    message = _refused(sql)
    assert "must be owner" in message or "permission denied" in message, message


def test_the_application_role_cannot_rewind_or_remove_the_head(app_role: str) -> None:
    entries = _written()
    before = head()
    earlier = entries[0]
    assert "moves only forward" in _refused(
        "UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s",
        [earlier.sequence, earlier.entry_hash],
    )
    assert "permission denied" in _refused("DELETE FROM audit_auditchainhead")
    assert "permission denied" in _refused("TRUNCATE audit_auditchainhead")
    assert head() == before
    assert audit.chain_first_break() is None


def test_privileges_granted_by_mistake_still_change_nothing(over_granted_role: str) -> None:
    """The triggers hold when the privileges do not, and only the owner can lift them."""
    entries = _written()
    target = entries[1].sequence
    assert audit.database_role_that_can_rewrite() == over_granted_role
    assert "append-only" in _refused(
        "UPDATE audit_auditentry SET purpose = 'x' WHERE sequence = %s", [target]
    )
    assert "append-only" in _refused("DELETE FROM audit_auditentry WHERE sequence = %s", [target])
    assert "append-only" in _refused("TRUNCATE audit_auditentry")
    assert "cannot be removed" in _refused("DELETE FROM audit_auditchainhead")
    assert "cannot be removed" in _refused("TRUNCATE audit_auditchainhead")
    assert "moves only forward" in _refused(
        "UPDATE audit_auditchainhead SET last_sequence = %s, last_hash = %s",
        [entries[0].sequence, entries[0].entry_hash],
    )
    for sql in OWNER_ONLY:
        message = _refused(sql)
        assert "must be owner" in message or "permission denied" in message, (sql, message)
    assert audit.chain_first_break() is None


def test_the_owner_is_warned_about(capsys: pytest.CaptureFixture[str]) -> None:
    """Run as the tables' owner (as the tests are), verify_audit says that this role could rewrite the log."""
    call_command("verify_audit")
    assert "can change or remove audit entries" in capsys.readouterr().err
