"""Writing a region's history of referrals in bulk, for the benchmarks that need hundreds of thousands of
them (outcomes, scenarios): batches of bulk_create, each referral dated when it was made, and the caller
writing what follows from each batch (events, cases, partners' referrals) before the next is drawn.

Needs Django set up; it imports the models only when called, as the benchmarks do.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

BATCH = 5_000


@contextlib.contextmanager
def dated_as_given(model: Any) -> Iterator[None]:
    """bulk_create keeps the `created_at` given: auto_now_add would date every row now, and a history
    needs its past (a scenario reads a period's referrals by when they were made)."""
    field = model._meta.get_field("created_at")
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def batches(items: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def referrals_write(items: Iterable[tuple[Any, T]], *, batch: int = BATCH) -> Iterator[list[tuple[Any, T]]]:
    """Each batch of (unsaved Referral, what the caller planned for it) written, and given back, the
    referrals with their keys, for the caller to write what follows from them.

    `items` is drawn one batch at a time, so that a million referrals are never all in memory, and so
    that a benchmark drawing from one random generator draws in the same order whatever the batch does."""
    from pathways.referrals.models import Referral

    for chunk in batches(items, batch):
        with dated_as_given(Referral):
            Referral.objects.bulk_create([referral for referral, _planned in chunk], batch_size=batch)
        yield chunk
