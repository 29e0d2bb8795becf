"""Each referral's journey through the services it was sent to (`models.Journey`), kept with its steps.

The outcomes ask of every referral first sent to a service in a period whether it started there, was
declined or was withdrawn. Worked out from the steps, that follows each referral's history back to its
first sending, which grows with the region's whole record; kept here, it is one row a referral and
service, found by the service and the day it was first sent.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef

from pathways.referrals.choices import Status
from pathways.referrals.models import Journey, ReferralEvent

# The steps a journey keeps after the first sending, by the field keeping the first of each.
STEPS: dict[str, str] = {
    Status.STARTED: "started_at",
    Status.DECLINED: "declined_at",
    Status.WITHDRAWN: "withdrawn_at",
}
# What the steps write of a journey: the case's part is pathways.cases.services.journeys's.
STEP_FIELDS = ["sent_at", *STEPS.values(), "start_wait_days"]
BATCH = 5_000


def _days(since: datetime.datetime, at: datetime.datetime | None) -> float | None:
    return None if at is None else (at - since).total_seconds() / 86400


def journey_step(*, event: ReferralEvent) -> None:
    """Note a step just taken: the first sending to a service begins the referral's journey there; the
    first start, decline or withdrawal there after it is kept."""
    if event.service_id is None:
        return
    if event.status == Status.TRIAGED:
        Journey.objects.get_or_create(
            referral_id=event.referral_id, service_id=event.service_id, defaults={"sent_at": event.at}
        )
        return
    field = STEPS.get(event.status)
    if field is None:
        return
    journey = Journey.objects.filter(
        referral_id=event.referral_id,
        service_id=event.service_id,
        sent_at__lte=event.at,
        **{f"{field}__isnull": True},
    ).first()
    if journey is None:
        return
    setattr(journey, field, event.at)
    journey.start_wait_days = _days(journey.sent_at, journey.started_at)
    journey.save(update_fields=[field, "start_wait_days"])


def _fold(steps: Iterable[tuple[Any, Any, str, datetime.datetime]], journey: type[Any]) -> Iterator[Any]:
    """The journeys of steps in order of referral and service: from the first sending, the first of each
    later step at or after it."""
    current: tuple[Any, Any] | None = None
    moments: list[tuple[str, datetime.datetime]] = []

    def made() -> Any:
        assert current is not None
        sent = min((at for status, at in moments if status == Status.TRIAGED), default=None)
        if sent is None:
            return None
        firsts: dict[str, datetime.datetime] = {}
        for status, at in moments:
            field = STEPS.get(status)
            if field is not None and at >= sent and (field not in firsts or at < firsts[field]):
                firsts[field] = at
        return journey(
            referral_id=current[0],
            service_id=current[1],
            sent_at=sent,
            start_wait_days=_days(sent, firsts.get("started_at")),
            **firsts,
        )

    for referral_id, service_id, status, at in steps:
        if (referral_id, service_id) != current:
            if current is not None and (row := made()) is not None:
                yield row
            current, moments = (referral_id, service_id), []
        moments.append((status, at))
    if current is not None and (row := made()) is not None:
        yield row


def journeys_rebuild(
    *,
    referral_ids: Collection[Any] | None = None,
    events: type[Any] = ReferralEvent,
    journeys: type[Any] = Journey,
) -> int:
    """Write afresh from their steps the journeys of the given referrals (of every referral, without),
    leaving what the casework keeps of each: for history written or rewritten in bulk, such as the demo's
    back-dating and the migration that brought journeys in (which passes its own `events` and `journeys`
    models). Returns how many journeys there are."""
    kept = journeys.objects.all()
    steps = events.objects.filter(status__in=[Status.TRIAGED, *STEPS], service__isnull=False)
    if referral_ids is not None:
        kept = kept.filter(referral_id__in=list(referral_ids))
        steps = steps.filter(referral_id__in=list(referral_ids))
    rows = (
        steps.order_by("referral_id", "service_id", "at", "pk")
        .values_list("referral_id", "service_id", "status", "at")
        .iterator(chunk_size=BATCH)
    )
    written = 0
    with transaction.atomic():
        # A journey whose first sending is no longer in the history (only ever after a rewrite) goes.
        sent = steps.filter(
            status=Status.TRIAGED, referral_id=OuterRef("referral_id"), service_id=OuterRef("service_id")
        )
        kept.exclude(Exists(sent)).delete()
        batch: list[Any] = []
        for journey in _fold(rows, journeys):
            batch.append(journey)
            if len(batch) >= BATCH:
                written += _upsert(journeys, batch)
                batch = []
        written += _upsert(journeys, batch)
    return written


def _upsert(journeys: type[Any], batch: list[Any]) -> int:
    journeys.objects.bulk_create(
        batch, update_conflicts=True, unique_fields=["referral", "service"], update_fields=STEP_FIELDS
    )
    return len(batch)
