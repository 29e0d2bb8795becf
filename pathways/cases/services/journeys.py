"""What each case keeps on the journey of the referral that opened it (`referrals.models.Journey`): days from
the first sending to first contact, sessions attended and how the case ended. Written by every piece of
casework that changes one of them, so that the outcomes read them from the journeys alone."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from pathways.cases.choices import ATTENDED
from pathways.cases.models import Case
from pathways.referrals.models import Journey

CASE_FIELDS = ["contact_wait_days", "sessions_attended", "ended_state"]
BATCH = 2_000


def journeys_casework_refresh(
    *,
    case_ids: Collection[Any] | None = None,
    cases: type[Any] = Case,
    journeys: type[Any] = Journey,
) -> int:
    """Write onto the journeys of the given cases (of every case opened from a referral, without) what
    the casework keeps of them; the migration that brought this in passes its own `cases` and `journeys`
    models. Returns how many journeys were written."""
    chosen = cases.objects.filter(referral__isnull=False)
    if case_ids is not None:
        chosen = chosen.filter(pk__in=list(case_ids))
    rows = (
        chosen.annotate(attended=Count("attendance", filter=Q(attendance__status__in=ATTENDED)))
        .values_list("referral_id", "service_id", "first_contact_at", "attended", "outcome__end_state")
        .order_by("pk")
        .iterator(chunk_size=BATCH)
    )
    written = 0
    batch: list[tuple[Any, ...]] = []
    with transaction.atomic():
        if case_ids is None:
            # Every case's written afresh: a journey that no case is opened from keeps nothing of one.
            journeys.objects.filter(
                Q(contact_wait_days__isnull=False) | Q(sessions_attended__gt=0) | ~Q(ended_state="")
            ).update(contact_wait_days=None, sessions_attended=0, ended_state="")
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                written += _write(journeys, batch)
                batch = []
        return written + _write(journeys, batch)


def _write(journeys: type[Any], rows: list[tuple[Any, ...]]) -> int:
    found = {
        (j.referral_id, j.service_id): j
        for j in journeys.objects.filter(referral_id__in={r[0] for r in rows}).order_by()
    }
    changed = []
    for referral_id, service_id, first_contact_at, attended, end_state in rows:
        journey = found.get((referral_id, service_id))
        if journey is None:
            continue
        journey.contact_wait_days = (
            None if first_contact_at is None else (first_contact_at - journey.sent_at).total_seconds() / 86400
        )
        journey.sessions_attended = attended
        journey.ended_state = end_state or ""
        changed.append(journey)
    journeys.objects.bulk_update(changed, CASE_FIELDS)
    return len(changed)
