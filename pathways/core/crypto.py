"""Encryption at rest for sealed fields (a partner's address, contact details, a child's school).

Keys come from settings.FIELD_ENCRYPTION_KEYS, kept outside the database. The first key encrypts; every
key decrypts, so a key is rotated by putting the new one first and running `manage.py rotate_field_keys`.
A missing or wrong key fails closed: the value cannot be read, and nothing falls back to plain text.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SealedValueUnreadable(Exception):
    """The stored value was encrypted with a key this server does not hold."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: sealed fields cannot be used.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key.") from exc


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def seal(plain: str) -> str:
    return _current().encrypt(plain.encode()).decode()


def unseal(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SealedValueUnreadable from exc


def reseal(token: str) -> str:
    """Re-encrypt with the newest key (key rotation)."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SealedValueUnreadable from exc
