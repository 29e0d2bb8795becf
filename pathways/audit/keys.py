"""The keys that sign the audit chain, read from the environment variable AUDIT_CHAIN_KEYS.

The value is a comma-separated list of ``ID:KEY`` pairs, newest first. ID names the key in every entry and
checkpoint it signs (1 to 16 letters, digits, ``-`` or ``_``); KEY is at least 32 random bytes in URL-safe
base64. New entries and checkpoints are signed with the first key, and an entry or checkpoint signed with
any key in the list verifies, so a key is rotated by putting a new one first and keeping the old ones for
as long as the entries they signed must be checked.

The keys live outside the database on purpose: whoever controls the database without them can change or
remove entries, but cannot sign the result, so verification finds the change.

Imported by pathways/settings.py before Django is set up, so it uses nothing that needs settings.
"""

from __future__ import annotations

import base64
import binascii
import re

from django.core.exceptions import ImproperlyConfigured

KEY_HELP = (
    "generate a key with: python -c \"import secrets; print('2026a:' + secrets.token_urlsafe(32))\" "
    "(2026a is the key's name, kept with every entry it signs)"
)
MIN_KEY_BYTES = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")

ChainKeys = tuple[tuple[str, bytes], ...]


def check_chain_keys(name: str, items: list[str], *, production: bool, development_value: str) -> ChainKeys:
    """The (id, key) pairs, newest first. A message names the variable and the position of the bad pair,
    never the key itself."""
    if not items:
        raise ImproperlyConfigured(
            f"Set {name} to one or more ID:KEY pairs, newest first, kept outside the database; {KEY_HELP}."
        )
    keys: list[tuple[str, bytes]] = []
    for position, item in enumerate(items, start=1):
        which = f"pair {position} of {len(items)}" if len(items) > 1 else "the value"
        key_id, colon, encoded = item.partition(":")
        key_id = key_id.strip()
        if not colon or not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                f"{name}: {which} must be ID:KEY, where ID is 1 to 16 letters, digits, - or _ naming the "
                f"key; pairs are separated by commas, newest first; {KEY_HELP}."
            )
        encoded = encoded.strip()
        try:
            raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=b"-_", validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""
        if len(raw) < MIN_KEY_BYTES:
            raise ImproperlyConfigured(
                f"{name}: the key named {key_id!r} must be at least {MIN_KEY_BYTES} random bytes in URL-safe "
                f"base64 (43 characters or more); {KEY_HELP}."
            )
        if any(key_id == existing for existing, _ in keys):
            raise ImproperlyConfigured(
                f"{name}: the name {key_id!r} is used twice; give every key its own name, since entries "
                "record which key signed them."
            )
        keys.append((key_id, raw))
    development_key = development_value.partition(":")[2]
    development_raw = base64.urlsafe_b64decode(development_key + "=" * (-len(development_key) % 4))
    if production and any(raw == development_raw for _, raw in keys):
        raise ImproperlyConfigured(
            f"{name} holds the development key, which is public; in production use keys of your own, "
            f"kept outside the database; {KEY_HELP}."
        )
    return tuple(keys)
