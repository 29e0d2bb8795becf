"""Referral figures per service, computed from referral events: how many were sent, how many started, and
how long people waited. Nothing is typed in; change the events and the figures change."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from pathways.directory.models import Service
from pathways.referrals.choices import Status
from pathways.referrals.models import ReferralEvent


@dataclass
class ServiceFigures:
    service: Service
    referred: int
    started: int
    declined: int
    withdrawn: int
    median_days_to_start: float | None

    @property
    def conversion(self) -> float | None:
        return round(100 * self.started / self.referred) if self.referred else None


def referral_figures() -> list[ServiceFigures]:
    """One row per service that has been sent referrals, busiest first. Costs one query for the events."""
    sent_at: dict[object, dict[object, object]] = defaultdict(dict)
    reached: dict[object, dict[str, set[object]]] = defaultdict(lambda: defaultdict(set))
    waits: dict[object, list[float]] = defaultdict(list)
    events = (
        ReferralEvent.objects.filter(referral__service__isnull=False)
        .values_list("referral_id", "referral__service_id", "status", "at")
        .order_by("at")
    )
    for referral_id, service_id, status, at in events.iterator():
        if status == Status.TRIAGED:
            sent_at[service_id].setdefault(referral_id, at)
        reached[service_id][status].add(referral_id)
        if status == Status.STARTED and referral_id in sent_at[service_id]:
            waits[service_id].append((at - sent_at[service_id][referral_id]).total_seconds() / 86400)  # type: ignore[operator]
    services = Service.objects.in_bulk(list(sent_at))
    rows = [
        ServiceFigures(
            service=services[service_id],
            referred=len(sent),
            started=len(reached[service_id][Status.STARTED]),
            declined=len(reached[service_id][Status.DECLINED]),
            withdrawn=len(reached[service_id][Status.WITHDRAWN]),
            median_days_to_start=round(statistics.median(waits[service_id]), 1)
            if waits[service_id]
            else None,
        )
        for service_id, sent in sent_at.items()
        if service_id in services
    ]
    return sorted(rows, key=lambda r: (-r.referred, r.service.name_en))
