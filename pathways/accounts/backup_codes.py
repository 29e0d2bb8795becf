"""How backup codes are kept: as a slow, keyed digest, never as the code itself.

A backup code is a password that works once. It is stored in django-otp's `StaticToken.token` (16
characters) as PBKDF2-SHA256 of the code, salted per user with a key derived from `SECRET_KEY`, so that a
copy of the database alone cannot be used to sign in, and guessing offline needs the key and costs
`BACKUP_CODE_ITERATIONS` hashes a guess (a setting, so that the tests can make it cheap, as they do the
password hasher). `SECRET_KEY_FALLBACKS` keep codes working while the key is rotated.
"""

from __future__ import annotations

import base64
import hashlib

from django.conf import settings
from django.utils.crypto import salted_hmac

_SALT_PURPOSE = "pathways.accounts.backup-code"


def backup_code_digest(*, user_id: object, code: str, secret: str | None = None) -> str:
    """The stored form of `code` for the user with `user_id` (16 lower-case base32 characters)."""
    salt = salted_hmac(_SALT_PURPOSE, str(user_id), secret=secret, algorithm="sha256").digest()
    derived = hashlib.pbkdf2_hmac(
        "sha256", code.strip().lower().encode(), salt, settings.BACKUP_CODE_ITERATIONS, dklen=10
    )
    return base64.b32encode(derived).decode().lower()


def backup_code_candidates(*, user_id: object, code: str) -> list[str]:
    """The digests `code` may be stored under: with the current key first, then each fallback key."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [backup_code_digest(user_id=user_id, code=code, secret=s) for s in secrets]
