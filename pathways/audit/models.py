from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from pathways.audit.choices import AuditAction


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    """One thing that happened, chained to the entry before it and signed.

    `entry_hash` is an HMAC-SHA256 under the key named by `key_id` (held outside the database, see
    pathways.audit.keys) over the entry's fields and the previous entry's hash (pathways.audit.chain), so
    that changing an entry, or re-hashing the chain from a changed entry onwards, needs the key. Entries
    written before the chain was keyed have no key id and their old SHA-256 digest.

    The actor is kept apart from the subject record. Usernames and agency names are copied in, so that the
    entry still reads correctly after an account or agency is renamed. Database triggers (see the
    migrations) refuse UPDATE, DELETE and TRUNCATE on this table, and the model refuses them too.
    """

    sequence = models.BigIntegerField(primary_key=True, help_text=_("1, 2, 3... with no gaps."))
    at = models.DateTimeField(_("when"), db_index=True)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    agency_id = models.UUIDField(null=True, blank=True)
    agency_name = models.CharField(_("agency"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=32, blank=True)
    action = models.CharField(_("action"), max_length=64, choices=AuditAction.choices, db_index=True)
    record_type = models.CharField(_("record type"), max_length=64, blank=True, db_index=True)
    record_id = models.CharField(_("record"), max_length=64, blank=True, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)
    # NULL marks the entries written before the chain was keyed. A NOT NULL column would make SQLite
    # rebuild the table to add it, dropping the append-only triggers with the old table.
    key_id = models.CharField(max_length=16, null=True, blank=True)  # noqa: DJ001

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.record_type}:{self.record_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditChainHead(models.Model):
    """The newest entry's sequence and hash, in a single row locked while appending, so that concurrent
    writers chain one after another.

    The head is guarded as the entries are (migration 0004): triggers on SQLite and PostgreSQL let it move
    only forward, and only to the newest entry (an entry with that sequence and hash must exist, and none
    after it), and refuse to delete it while the entries' own guards are in place. So no one who cannot
    lift the guards can rewind it to hide removed entries; whoever can (the tables' owner) is found by the
    signed checkpoints kept outside the database (`manage.py checkpoint_audit`, `verify_audit
    --checkpoint`).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.last_hash
