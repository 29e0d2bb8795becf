"""Which records about people a request read, so that every read is audited in one place.

Every model holding personal data takes `PersonalData`, which notes each row the database hands back, by
whatever path (a look-up, a list, a select_related join, a prefetch). The access policy's middleware opens
a log for each request and, once the view has answered, writes one audit entry naming what was read. No
view has to remember to audit a read, and a new page that reads people is audited the day it is added.

Reads the system makes for its own checks (comparing typed text with a partner's sealed address, say) are
made `unnoted()`: the reader never sees those records.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.db import models

# Record type -> ids read, in the order first read.
_READS: ContextVar[dict[str, dict[str, None]] | None] = ContextVar("pathways_reads", default=None)
# Each id list in the audit entry stops here; the count is kept whole.
MOST_IDS_PER_TYPE = 200


class PersonalData(models.Model):
    """A record about a person: every read of it is noted for the audit log."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> Any:
        instance = super().from_db(db, field_names, values, **kwargs)
        reads = _READS.get()
        if reads is not None:
            reads.setdefault(cls._meta.model_name or cls.__name__.lower(), {})[str(instance.pk)] = None
        return instance


@contextlib.contextmanager
def reading() -> Iterator[dict[str, dict[str, None]]]:
    """Note what is read inside the block (one request, one command)."""
    reads: dict[str, dict[str, None]] = {}
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


@contextlib.contextmanager
def unnoted() -> Iterator[None]:
    """Reads made for the system's own checks, never shown to the reader: not noted."""
    token = _READS.set(None)
    try:
        yield
    finally:
        _READS.reset(token)


def summary(reads: dict[str, dict[str, None]]) -> dict[str, Any]:
    """What an audit entry keeps of the reads: per record type, the count and the first ids."""
    return {
        record_type: {"count": len(ids), "ids": list(ids)[:MOST_IDS_PER_TYPE]}
        for record_type, ids in reads.items()
    }
