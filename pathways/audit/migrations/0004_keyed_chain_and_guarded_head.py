"""Key the chain, and guard its head as the entries are guarded.

Entries written before this migration keep their unkeyed SHA-256 digests. If there are any, one keyed
entry is appended after them, signed with the newest of AUDIT_CHAIN_KEYS: its signed link is the last of
their hashes and its details say how many they are, so that none of them can be changed, and no keyed
entry can be rewritten as an unkeyed one, without the key. Verification requires that entry right after
the unkeyed ones.

The head row then gets triggers: it may move only forward, and only to the newest entry (an entry with its
sequence and hash exists and none comes after it), it may be created only there, and it may not be
deleted (or, on PostgreSQL, truncated) while the entries' own append-only triggers are in place. Tying the
last to the entries' triggers costs nothing, since whoever can lift those can lift these, and lets tests
that empty the database lift both at once.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from pathways.audit import chain

HEAD_MESSAGE = "the audit chain head moves only forward, to the newest entry"
KEEP_MESSAGE = "the audit chain head cannot be removed"

SQLITE = [
    f"""CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_auditchainhead
       WHEN NEW.id <> OLD.id OR NEW.last_sequence <= OLD.last_sequence
         OR NOT EXISTS (SELECT 1 FROM audit_auditentry
                        WHERE sequence = NEW.last_sequence AND entry_hash = NEW.last_hash)
         OR EXISTS (SELECT 1 FROM audit_auditentry WHERE sequence > NEW.last_sequence)
       BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_head_starts_at_newest BEFORE INSERT ON audit_auditchainhead
       WHEN NEW.id <> 1 OR NOT (
         (NEW.last_sequence = 0 AND NEW.last_hash = '{chain.GENESIS}'
          AND NOT EXISTS (SELECT 1 FROM audit_auditentry))
         OR (EXISTS (SELECT 1 FROM audit_auditentry
                     WHERE sequence = NEW.last_sequence AND entry_hash = NEW.last_hash)
             AND NOT EXISTS (SELECT 1 FROM audit_auditentry WHERE sequence > NEW.last_sequence)))
       BEGIN SELECT RAISE(ABORT, '{HEAD_MESSAGE}'); END""",
    f"""CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_auditchainhead
       WHEN EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_entry_no_delete')
       BEGIN SELECT RAISE(ABORT, '{KEEP_MESSAGE}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER audit_head_forward_only",
    "DROP TRIGGER audit_head_starts_at_newest",
    "DROP TRIGGER audit_head_no_delete",
]

POSTGRES = [
    # SET search_path FROM CURRENT: the tables named inside are the ones this migration sees, whatever
    # search path the session that fires the trigger has.
    f"""CREATE FUNCTION audit_head_guard() RETURNS trigger LANGUAGE plpgsql
       SET search_path FROM CURRENT AS $$
       BEGIN
         IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
           IF EXISTS (SELECT 1 FROM pg_trigger
                      WHERE tgrelid = 'audit_auditentry'::regclass
                        AND tgname IN ('audit_entry_no_change', 'audit_entry_no_truncate')
                        AND tgenabled <> 'D') THEN
             RAISE EXCEPTION '{KEEP_MESSAGE}';
           END IF;
           IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
           RETURN NULL;
         END IF;
         IF NEW.id <> 1 THEN
           RAISE EXCEPTION '{HEAD_MESSAGE}';
         END IF;
         IF TG_OP = 'UPDATE' AND NEW.last_sequence <= OLD.last_sequence THEN
           RAISE EXCEPTION '{HEAD_MESSAGE}';
         END IF;
         -- max() walks the primary key's index from its end at any size of log; an EXISTS with a range
         -- turns into a scan of the whole table once the function's plan is cached.
         IF (SELECT max(sequence) FROM audit_auditentry) > NEW.last_sequence THEN
           RAISE EXCEPTION '{HEAD_MESSAGE}';
         END IF;
         IF TG_OP = 'INSERT' AND NEW.last_sequence = 0 AND NEW.last_hash = '{chain.GENESIS}' THEN
           RETURN NEW;
         END IF;
         IF NOT EXISTS (SELECT 1 FROM audit_auditentry
                        WHERE sequence = NEW.last_sequence AND entry_hash = NEW.last_hash) THEN
           RAISE EXCEPTION '{HEAD_MESSAGE}';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER audit_head_guarded BEFORE INSERT OR UPDATE OR DELETE ON audit_auditchainhead
       FOR EACH ROW EXECUTE FUNCTION audit_head_guard()""",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_auditchainhead
       FOR EACH STATEMENT EXECUTE FUNCTION audit_head_guard()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audit_head_no_truncate ON audit_auditchainhead",
    "DROP TRIGGER audit_head_guarded ON audit_auditchainhead",
    "DROP FUNCTION audit_head_guard()",
]


def seal_unkeyed_entries(apps, schema_editor):
    """Append the keyed entry that seals the entries written before the chain was keyed, if any."""
    Entry = apps.get_model("audit", "AuditEntry")
    Head = apps.get_model("audit", "AuditChainHead")
    newest = Entry.objects.order_by("-sequence").first()
    if newest is None:
        return
    keys = settings.AUDIT_CHAIN_KEYS
    key_id = keys[0][0]
    entry = Entry(
        sequence=newest.sequence + 1,
        at=timezone.now(),
        actor_username="",
        agency_name="",
        role="",
        action="audit.chain_keyed",
        record_type="audit_log",
        record_id="",
        purpose="",
        details=chain.storable(
            {"unkeyed_entries": Entry.objects.count(), "newest_unkeyed": newest.sequence}
        ),
        previous_hash=newest.entry_hash,
        key_id=key_id,
    )
    entry.entry_hash = chain.sign_entry(
        keys,
        key_id,
        chain.entry_fields(
            sequence=entry.sequence,
            at=entry.at,
            actor_id=None,
            actor_username="",
            agency_id=None,
            agency_name="",
            role="",
            action=entry.action,
            record_type=entry.record_type,
            record_id="",
            purpose="",
            ip_address=None,
            details=entry.details,
            previous_hash=entry.previous_hash,
            key_id=key_id,
        ),
    )
    entry.save(force_insert=True)
    Head.objects.update_or_create(
        id=1, defaults={"last_sequence": entry.sequence, "last_hash": entry.entry_hash}
    )


def guard_head(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def unguard_head(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_auditentry_key_id")]
    operations = [
        # The sealing entry stays when the migration is reversed: the log is append-only.
        migrations.RunPython(seal_unkeyed_entries, migrations.RunPython.noop),
        migrations.RunPython(guard_head, unguard_head),
    ]
