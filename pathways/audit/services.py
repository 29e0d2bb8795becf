"""Writing and checking the audit log.

`record` must run inside the caller's transaction: if it fails, the action it describes fails too.

What holds against whom:

* The application role (see the README's deployment) may only append: privileges and triggers refuse it
  UPDATE, DELETE and TRUNCATE of entries, and the head may move only forward to the newest entry.
* The tables' owner can lift the triggers, but not sign: every entry carries an HMAC under a key kept
  outside the database (AUDIT_CHAIN_KEYS), so a changed entry, or a chain re-hashed from a changed entry
  onwards, fails at the first changed entry, and `verify_chain` names it.
* What a signature cannot show, removal of the newest entries with the head rewound to match, is found
  by comparing with a signed checkpoint kept outside the database (`checkpoint_line`, written by
  `manage.py checkpoint_audit` and read by `manage.py verify_audit --checkpoint`).
"""

from __future__ import annotations

import datetime
import hmac
import json
import os
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from pathways.audit import chain, context
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditChainHead, AuditEntry

if TYPE_CHECKING:
    from pathways.core.policy import Actor

GENESIS = chain.GENESIS


def _keys() -> tuple[tuple[str, bytes], ...]:
    return tuple(settings.AUDIT_CHAIN_KEYS)


def _stored_ip(value: str | None) -> str | None:
    """The address as the database keeps and returns it (IPv6 in Django's cleaned form)."""
    if not value:
        return None
    return str(AuditEntry._meta.get_field("ip_address").get_prep_value(value))


# The fields an entry's hash covers, besides the key id of a signed entry.
HASHED_FIELDS = (
    "sequence",
    "at",
    "actor_id",
    "actor_username",
    "agency_id",
    "agency_name",
    "role",
    "action",
    "record_type",
    "record_id",
    "purpose",
    "ip_address",
    "details",
    "previous_hash",
)


def entry_hashed_values(*, entry: AuditEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def entry_digest(*, entry: AuditEntry) -> str:
    """The entry's hash: its HMAC under the key it names, or for an entry written before the chain was
    keyed (no key id), its old SHA-256 digest."""
    if not entry.key_id:
        return chain.legacy_digest(**entry_hashed_values(entry=entry))
    fields = chain.entry_fields(**entry_hashed_values(entry=entry), key_id=entry.key_id)
    return chain.sign_entry(_keys(), entry.key_id, fields)


@transaction.atomic
def entry_record(
    *,
    action: str,
    actor: Actor | None = None,
    username: str = "",
    record_type: str = "",
    record_id: object = "",
    purpose: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Raises if it cannot be written, which rolls back the surrounding action.

    Text is stored as given except that NUL and U+001F (the signed text's separator) become U+FFFD;
    details are stored as `chain.storable` makes them (fractions, dates and other values that are not
    JSON kept as text). Waits for the chain head's row lock, so entries are chained one after another.
    """
    user = actor.user if actor else None
    agency = actor.agency if actor else None
    if actor is not None and actor.api_token:
        details = {**(details or {}), "api_token": actor.api_token}
    authenticated = user is not None and user.is_authenticated
    # Everything that does not depend on the chain is prepared before the head's row lock is taken: every
    # audited request waits for that lock, so it is held for the insert and the update alone.
    entry = AuditEntry(
        actor_id=user.pk if user is not None and authenticated else None,
        actor_username=chain.text(user.get_username() if user is not None and authenticated else username)[
            :150
        ],
        agency_id=agency.pk if agency else None,
        agency_name=chain.text(agency.name_en if agency else ""),
        role=chain.text((actor.role or "") if actor else ""),
        action=chain.text(action),
        record_type=chain.text(record_type),
        record_id=chain.text(record_id),
        purpose=chain.text(purpose)[:500],
        ip_address=_stored_ip(context.client_ip_current()),
        details=chain.storable(details or {}),
        key_id=_keys()[0][0],
    )
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(
        id=1, defaults={"last_hash": GENESIS}
    )
    entry.sequence = head.last_sequence + 1
    entry.at = timezone.now()
    entry.previous_hash = head.last_hash
    entry.entry_hash = entry_digest(entry=entry)
    entry.save(force_insert=True)
    head.last_sequence = entry.sequence
    head.last_hash = entry.entry_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return entry


# --- checkpoints ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    """The chain's newest entry at a moment, signed, as kept outside the database."""

    sequence: int
    entry_hash: str
    at: str
    key_id: str
    source: str = ""

    def __str__(self) -> str:
        where = f" ({self.source})" if self.source else ""
        return f"the checkpoint of {self.at}{where}"


class CheckpointError(ValueError):
    pass


_CHECKPOINT_FIELDS = {"audit_checkpoint", "sequence", "hash", "at", "key", "hmac"}


def checkpoint_line(*, sequence: int, entry_hash: str, now: datetime.datetime | None = None) -> str:
    """One line of JSON recording the newest entry, signed with the newest chain key."""
    key_id, key = _keys()[0]
    at = (now or timezone.now()).astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    mac = chain.checkpoint_mac(key, sequence=sequence, entry_hash=entry_hash, at=at, key_id=key_id)
    body = {"audit_checkpoint": 1, "sequence": sequence, "hash": entry_hash, "at": at, "key": key_id}
    return json.dumps({**body, "hmac": mac}, separators=(",", ":"))


def checkpoint_parse(*, lines: Iterable[str], source: str) -> list[Checkpoint]:
    """The checkpoints in a file or a log extract, each line holding one (anything before its opening
    brace, such as a syslog prefix, is ignored). Raises CheckpointError naming the line for anything that
    is not a checkpoint or whose signature does not match."""
    keys = dict(_keys())
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        start = line.find("{")
        try:
            data = json.loads(line[start:]) if start >= 0 else None
        except ValueError:
            data = None
        if (
            not isinstance(data, dict)
            or set(data) != _CHECKPOINT_FIELDS
            or data["audit_checkpoint"] != 1
            or not isinstance(data["sequence"], int)
            or isinstance(data["sequence"], bool)
            or data["sequence"] < 0
            or not all(isinstance(data[k], str) for k in ("hash", "at", "key", "hmac"))
        ):
            raise CheckpointError(
                f"{where}: not an audit checkpoint (as written by manage.py checkpoint_audit)"
            )
        key = keys.get(data["key"])
        if key is None:
            raise CheckpointError(
                f"{where}: signed with the key named {data['key']!r}, which AUDIT_CHAIN_KEYS does not hold"
            )
        expected = chain.checkpoint_mac(
            key, sequence=data["sequence"], entry_hash=data["hash"], at=data["at"], key_id=data["key"]
        )
        if not hmac.compare_digest(expected.encode(), data["hmac"].encode()):
            raise CheckpointError(
                f"{where}: its signature does not match: the checkpoint was changed after it was written"
            )
        found.append(Checkpoint(data["sequence"], data["hash"], data["at"], data["key"], where))
    if not found:
        raise CheckpointError(f"{source}: holds no checkpoint")
    return found


def checkpoint_file_read(*, path: str) -> list[Checkpoint]:
    """The checkpoints in a file; raises CheckpointError when it cannot be read or holds anything else."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as file:
            return checkpoint_parse(lines=file, source=path)
    except OSError as error:
        raise CheckpointError(f"{path}: the checkpoint file cannot be read ({error.strerror})") from None


def checkpoint_file_append(*, path: str, line: str) -> None:
    """Append a checkpoint line to a file, created readable by its owner only, and flush it to disk."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.write(line + "\n")
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:
        raise CheckpointError(f"{path}: the checkpoint cannot be written ({error.strerror})") from None


# --- verification --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    broken: ChainBreak | None
    entries: int
    last_sequence: int
    last_hash: str


# The signed text of each keyed entry, built by the database from the fields as it stores them, in their
# canonical form (pathways.audit.chain), so that checking an entry in Python is one HMAC of one string.
_SIGNED_FIELDS = {
    "postgresql": [
        "sequence",
        "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')",
        "COALESCE(REPLACE(CAST(actor_id AS text), '-', ''), '')",
        "actor_username",
        "COALESCE(REPLACE(CAST(agency_id AS text), '-', ''), '')",
        "agency_name",
        "role",
        "action",
        "record_type",
        "record_id",
        "purpose",
        "COALESCE(host(ip_address), '')",
        "CAST(details AS text)",
        "previous_hash",
        "COALESCE(key_id, '')",
    ],
    # Joined by printf, which writes NULL as nothing (and is quicker than ||).
    "sqlite": [
        "sequence",
        # Django stores UTC as text and leaves out the fraction when it is zero.
        "substr(at || '.000000', 1, 26)",
        "actor_id",
        "actor_username",
        "agency_id",
        "agency_name",
        "role",
        "action",
        "record_type",
        "record_id",
        "purpose",
        "ip_address",
        "details",
        "previous_hash",
        "key_id",
    ],
}
_ACTION, _IP, _DETAILS = 7, 11, 12
_MISSING = "missing: the entry was deleted"
_RELINKED = "its link to the previous entry does not match"


def _keyed_rows(after: int, up_to: int, batch_size: int) -> Generator[Iterable[tuple[Any, ...]]]:
    """(sequence, key id, hash, signed text) of the entries after `after` up to `up_to`, by sequence, in
    batches. PostgreSQL streams them with COPY, building the next rows while Python checks these; SQLite
    answers one indexed range query per batch, so that memory stays flat either way."""
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    if connection.vendor == "postgresql":
        signed = f"concat_ws(chr(31), {', '.join(_SIGNED_FIELDS['postgresql'])})"
        # COPY takes no parameters; both bounds are integers.
        query = (
            f"COPY (SELECT sequence, COALESCE(key_id, ''), entry_hash, {signed} FROM {table} "  # noqa: S608
            f"WHERE sequence > {int(after)} AND sequence <= {int(up_to)} ORDER BY sequence) TO STDOUT"
        )
        # A COPY left part-read is cancelled, which fails the transaction it runs in: in a savepoint
        # of its own, only that is rolled back.
        with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(query) as copy:
            copy.set_types(["int8", "text", "text", "text"])
            yield copy.rows()
        return
    # %% because Django turns the query's %s into SQLite's placeholders.
    template = chain.SEPARATOR.join(["%%d"] + ["%%s"] * (len(_SIGNED_FIELDS["sqlite"]) - 1))
    signed = f"printf('{template}', {', '.join(_SIGNED_FIELDS['sqlite'])})"
    query = (
        f"SELECT sequence, COALESCE(key_id, ''), entry_hash, {signed} FROM {table} "  # noqa: S608 (fixed SQL)
        "WHERE sequence > %s AND sequence <= %s ORDER BY sequence LIMIT %s"
    )
    with connection.cursor() as cursor:
        while True:
            cursor.execute(query, [after, up_to, batch_size])
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            after = rows[-1][0]


def _fields(signed: str | None) -> list[str] | None:
    fields = signed.split(chain.SEPARATOR) if signed is not None else []
    return fields if len(fields) == len(_SIGNED_FIELDS["postgresql"]) else None


def _signed_slowly(signed: str | None, entry_hash: str, signer: Any) -> bool:
    """Whether the signature matches once the details and the address are re-encoded in Python, for the
    few entries the database spells differently from the canonical form (details with non-ASCII text on
    SQLite, an IPv6 address that PostgreSQL writes with a dotted end)."""
    fields = _fields(signed)
    if fields is None:
        return False
    try:
        fields[_DETAILS] = chain.details_text_from_json(fields[_DETAILS])
        fields[_IP] = _stored_ip(fields[_IP]) or ""
    except (ValueError, RecursionError):
        return False
    check = signer.copy()
    check.update(chain.entry_message(fields))
    return bool(check.hexdigest() == entry_hash)


def _seals(signed: str, unkeyed: int) -> bool:
    """Whether a signed entry is the one migration 0004 wrote right after `unkeyed` unsigned entries."""
    fields = _fields(signed)
    if fields is None or fields[_ACTION] != AuditAction.AUDIT_KEYED:
        return False
    try:
        details = json.loads(fields[_DETAILS])
    except (ValueError, RecursionError):
        return False
    return isinstance(details, dict) and details.get("unkeyed_entries") == unkeyed


class _Walk:
    """The chain checked entry by entry: the next sequence expected and the hash it must link to."""

    def __init__(self, checkpoints: Sequence[Checkpoint]) -> None:
        self.expected = 1
        self.previous = GENESIS
        self.checked = 0
        self.unkeyed = 0
        self.marks = {c.sequence: c for c in checkpoints}

    def against_checkpoint(self, sequence: int, entry_hash: str) -> ChainBreak | None:
        mark = self.marks.get(sequence)
        if mark is None or mark.entry_hash == entry_hash:
            return None
        return ChainBreak(
            sequence,
            f"it is not the entry {mark} recorded: entries up to #{sequence} were removed and others written "
            "in their place",
        )

    def unkeyed_entries(self, up_to: int) -> ChainBreak | None:
        """The entries written before the chain was keyed, which come first, checked as they were
        written. Stops at the first that does not follow on, which the keyed walk then reports."""
        entries = AuditEntry.objects.filter(key_id__isnull=True, sequence__lte=up_to).order_by("sequence")
        for entry in entries.iterator(chunk_size=2000):
            if entry.sequence != self.expected:
                break
            if entry_digest(entry=entry) != entry.entry_hash:
                return ChainBreak(entry.sequence, "its contents do not match its hash")
            if entry.previous_hash != self.previous:
                return ChainBreak(entry.sequence, _RELINKED)
            if broken := self.against_checkpoint(entry.sequence, entry.entry_hash):
                return broken
            self.previous, self.expected = entry.entry_hash, entry.sequence + 1
            self.checked += 1
        self.unkeyed = self.checked
        return None

    def unsealed(self) -> ChainBreak:
        return ChainBreak(
            1,
            f"entries #1 to #{self.unkeyed} are not signed, and the entry that sealed them when the log was "
            "keyed does not follow them",
        )

    def keyed_entries(self, up_to: int, batch_size: int) -> ChainBreak | None:
        """The signed entries, each checked with one HMAC of the text the database built. The signature
        is checked before the link: an entry changed and re-hashed onwards is named itself, since without
        the key its new hash cannot be signed."""
        signers = chain.entry_signers(_keys())
        marks = self.marks
        separator = chain.SEPARATOR
        seal_at = self.unkeyed + 1 if self.unkeyed else 0
        first = expected = self.expected
        previous = self.previous
        batches = _keyed_rows(expected - 1, up_to, batch_size)
        try:
            for rows in batches:
                for sequence, key_id, entry_hash, signed in rows:
                    if sequence != expected:
                        return ChainBreak(expected, _MISSING)
                    signer = signers.get(key_id)
                    if signer is None:
                        return self._unknown_key(sequence, key_id)
                    check = signer.copy()
                    check.update(signed.encode() if signed is not None else b"")
                    if check.hexdigest() != entry_hash and not _signed_slowly(signed, entry_hash, signer):
                        return ChainBreak(sequence, "its contents do not match its signature")
                    # The signed text ends with the previous entry's hash and the key id.
                    if not signed.endswith(f"{separator}{previous}{separator}{key_id}"):
                        return self._relinked(sequence)
                    if marks and (broken := self.against_checkpoint(sequence, entry_hash)):
                        return broken
                    if sequence == seal_at and not _seals(signed, self.unkeyed):
                        return self.unsealed()
                    previous, expected = entry_hash, sequence + 1
        except (DatabaseError, UnicodeDecodeError) as error:
            return ChainBreak(expected, f"it cannot be read ({error.__class__.__name__})")
        finally:
            # Ends a COPY left part-read by a break, so that the connection is free again; and keeps how
            # far the walk got, for the report.
            batches.close()
            self.previous, self.expected = previous, expected
            self.checked += expected - first
        return None

    def _relinked(self, sequence: int) -> ChainBreak:
        after_unkeyed = self.unkeyed and sequence == self.unkeyed + 1
        return ChainBreak(
            sequence, _RELINKED + (": an unsigned entry before it was changed" if after_unkeyed else "")
        )

    @staticmethod
    def _unknown_key(sequence: int, key_id: str) -> ChainBreak:
        if not key_id:
            after = ", but entries before it are" if sequence > 1 else ""
            return ChainBreak(sequence, f"it is not signed{after}")
        return ChainBreak(
            sequence,
            f"it is signed with the key named {key_id!r}, which AUDIT_CHAIN_KEYS does not hold; add that key "
            "(after the newest) to check it",
        )


def chain_verify(*, checkpoints: Sequence[Checkpoint] = (), batch_size: int = 20_000) -> ChainReport:
    """Check the chain from its first entry up to its head, and against the given checkpoints.

    Reports the first break: the entry that was changed (its signature fails), removed (a gap, or entries
    missing at the end by the head or by a checkpoint), or put in another's place. Entries appended while
    this runs, after the head it read first, are left for the next run.
    """
    head = AuditChainHead.objects.filter(id=1).values_list("last_sequence", "last_hash").first()
    if head is not None:
        up_to, head_hash = head
    else:
        # Without a head, check whatever is there, then report the head as missing if anything is.
        newest = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
        up_to, head_hash = newest or 0, GENESIS
    walk = _Walk(checkpoints)
    broken = walk.unkeyed_entries(up_to) or walk.keyed_entries(up_to, batch_size)
    last = walk.expected - 1
    if broken is None:
        mark = max(checkpoints, key=lambda c: c.sequence, default=None)
        if walk.unkeyed and walk.checked == walk.unkeyed:
            broken = walk.unsealed()
        elif head is None and walk.checked:
            broken = ChainBreak(walk.expected, "missing: the chain head was removed")
        elif last < up_to:
            broken = ChainBreak(
                walk.expected, "missing: the newest entries were removed (the head records more)"
            )
        elif walk.previous != head_hash:
            broken = ChainBreak(up_to, "it does not match the chain head")
        elif mark is not None and mark.sequence > last:
            broken = ChainBreak(
                walk.expected,
                f"missing: {mark} records entry #{mark.sequence}, but the log ends at #{last}; the newest "
                "entries were removed",
            )
    return ChainReport(broken, walk.checked, last, walk.previous)


def chain_first_break(
    *, checkpoints: Sequence[Checkpoint] = (), batch_size: int = 20_000
) -> ChainBreak | None:
    """The first entry that was changed, removed or replaced, or None when the whole chain is intact."""
    return chain_verify(checkpoints=checkpoints, batch_size=batch_size).broken


def database_role_that_can_rewrite() -> str | None:
    """On PostgreSQL, the name of the role this connection uses when it could change or remove audit
    entries (it owns the table or is a member of its owner, or holds UPDATE, DELETE or TRUNCATE on it);
    None when it cannot, and on SQLite, which has no roles."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, pg_has_role(current_user, relowner, 'USAGE') "
            "OR has_table_privilege(oid, 'UPDATE') OR has_table_privilege(oid, 'DELETE') "
            "OR has_table_privilege(oid, 'TRUNCATE') FROM pg_class WHERE oid = CAST(%s AS regclass)",
            [AuditEntry._meta.db_table],
        )
        row = cursor.fetchone()
    return str(row[0]) if row and row[1] else None
