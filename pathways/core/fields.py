"""A model field for sealed values: encrypted at rest, and opaque in Python until the policy reveals them.

Reading a sealed column gives a `Sealed` object, not the text. Printed, logged, put in a template or an
error page, it shows only a placeholder; the plain text comes from `pathways.people.sealed.sealed_reveal`,
which checks that the actor has a stated need and writes the view to the audit log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from pathways.core.crypto import seal, unseal

PLACEHOLDER = "[sealed]"


class Sealed:
    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        self._token = token

    def __str__(self) -> str:
        return PLACEHOLDER

    def __repr__(self) -> str:
        return "Sealed(***)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other._token == self._token

    def __hash__(self) -> int:
        return hash(self._token)

    @property
    def token(self) -> str:
        return self._token

    def _plain_text(self) -> str:
        """Only the access policy calls this."""
        return unseal(self._token)


if TYPE_CHECKING:
    _SealedBase = models.TextField[Any, Sealed | None]
else:
    _SealedBase = models.TextField


class SealedTextField(_SealedBase):
    description = "Encrypted text, revealed only through the access policy"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Sealed | None:
        return Sealed(value) if value else None

    def to_python(self, value: Any) -> Sealed | None:
        if value is None or isinstance(value, Sealed):
            return value
        return Sealed(seal(str(value))) if value != "" else None

    def get_prep_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, Sealed):
            return value.token
        return seal(str(value))
