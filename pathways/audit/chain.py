"""How audit entries and checkpoints are signed: the canonical text of an entry and its HMAC.

Two digest schemes exist, told apart by the entry's key id:

* Keyed entries (key id set) carry HMAC-SHA256 under the key of that id (see pathways.audit.keys). The
  signed text is the entry's fields, each in the exact form the database gives back, joined by the unit
  separator U+001F, so that the database itself can build it (pathways.audit.services.verify_chain). The
  join is unambiguous because no field can hold the separator: the writer replaces it (and NUL, which
  PostgreSQL cannot store) in text, and JSON escapes it in the details. The previous entry's hash and the
  key id are signed too.
* Entries written before the chain was keyed (no key id) keep their plain SHA-256 digest over sorted JSON,
  checked exactly as it was computed then (`legacy_digest`). They are sealed as a block by the keyed entry
  that migration 0004 appended after them, whose signed link is the last of their hashes.

Details are stored with their keys in the order PostgreSQL's jsonb keeps them (shorter keys first, then by
bytes), and numbers other than whole ones as text, so that the JSON text PostgreSQL gives back is exactly
the canonical text, and SQLite's is too for anything in ASCII; anything else is decoded and re-encoded.

Pure functions with no models, so that migrations and benchmarks can use them too.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

GENESIS = "0" * 64
ENTRY_DOMAIN = b"pathways audit entry v2\x00"
CHECKPOINT_DOMAIN = b"pathways audit checkpoint v1\x00"
SEPARATOR = "\x1f"
REPLACEMENT = "\ufffd"


# --- the canonical forms of field values ------------------------------------------------------------


def text(value: object) -> str:
    """A text field as stored: NUL (which PostgreSQL cannot store) and the separator of the signed text's
    fields become U+FFFD."""
    # For text, its characters (as the database and JSON take them), not what a subclass's str() says.
    plain = str.__str__(value) if isinstance(value, str) else str(value)
    return plain.replace("\x00", REPLACEMENT).replace(SEPARATOR, REPLACEMENT)


def at_text(at: datetime.datetime) -> str:
    """UTC, to the microsecond, as SQLite keeps it once padded: 2026-11-27 09:31:00.123456."""
    return at.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def uuid_text(value: object) -> str:
    if value is None or value == "":
        return ""
    return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex


def _key_order(key: str) -> tuple[int, bytes]:
    encoded = key.encode()
    return len(encoded), encoded


def storable(value: Any) -> Any:
    """`value` as it is stored in and read back from a JSON column: dict keys are text, in jsonb order;
    tuples are lists; whole numbers, booleans and null stay; other numbers and anything else become text."""
    if isinstance(value, Mapping):
        items = {text(k): storable(v) for k, v in value.items()}
        return {k: items[k] for k in sorted(items, key=_key_order)}
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    # Fractions would come back from jsonb in another spelling (1e16 as 10000000000000000), dates and the
    # like are not JSON: both are kept as their text.
    return text(value)


def details_text(value: Any) -> str:
    """The canonical JSON of stored details: jsonb's spelling (default separators, text as it is, keys in
    jsonb order)."""
    return json.dumps(storable(value), ensure_ascii=False)


def details_text_from_json(raw: str) -> str:
    """The canonical JSON of details as the database returned them."""
    return details_text(json.loads(raw))


# --- signing -------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def entry_signers(keys: tuple[tuple[str, bytes], ...]) -> dict[str, Any]:
    """For each key id, an HMAC primed with the entry domain, to be copied for each entry."""
    return {key_id: hmac.new(key, ENTRY_DOMAIN, hashlib.sha256) for key_id, key in keys}


def entry_message(fields: Sequence[str]) -> bytes:
    """The signed text of a keyed entry from its canonical fields, in this order: sequence, at, actor id,
    username, agency id, agency name, role, action, record type, record id, purpose, address, details,
    previous hash, key id."""
    return SEPARATOR.join(fields).encode()


def entry_fields(
    *,
    sequence: int,
    at: datetime.datetime,
    actor_id: object,
    actor_username: str,
    agency_id: object,
    agency_name: str,
    role: str,
    action: str,
    record_type: str,
    record_id: str,
    purpose: str,
    ip_address: str | None,
    details: Any,
    previous_hash: str,
    key_id: str,
) -> list[str]:
    return [
        str(sequence),
        at_text(at),
        uuid_text(actor_id),
        actor_username,
        uuid_text(agency_id),
        agency_name,
        role,
        text(action),
        record_type,
        record_id,
        purpose,
        ip_address or "",
        details_text(details),
        previous_hash,
        key_id,
    ]


def sign_entry(keys: tuple[tuple[str, bytes], ...], key_id: str, fields: Sequence[str]) -> str:
    signer = entry_signers(keys)[key_id].copy()
    signer.update(entry_message(fields))
    return str(signer.hexdigest())


def legacy_digest(
    *,
    sequence: int,
    at: datetime.datetime,
    actor_id: object,
    actor_username: str,
    agency_id: object,
    agency_name: str,
    role: str,
    action: str,
    record_type: str,
    record_id: str,
    purpose: str,
    ip_address: str | None,
    details: Any,
    previous_hash: str,
) -> str:
    """The unkeyed digest entries had before the chain was keyed, byte for byte as it was computed."""
    payload = {
        "sequence": sequence,
        "at": at.isoformat(),
        "actor_id": str(actor_id or ""),
        "actor_username": actor_username,
        "agency_id": str(agency_id or ""),
        "agency_name": agency_name,
        "role": role,
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "purpose": purpose,
        "ip_address": ip_address or "",
        "details": details,
        "previous_hash": previous_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- checkpoints ---------------------------------------------------------------------------------------


def checkpoint_mac(key: bytes, *, sequence: int, entry_hash: str, at: str, key_id: str) -> str:
    message = CHECKPOINT_DOMAIN + SEPARATOR.join((str(sequence), entry_hash, at, key_id)).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
