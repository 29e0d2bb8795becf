"""Referral figures per service, computed from referral events: how many were sent, how many started, and
how long people waited. Nothing is typed in; change the events and the figures change."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Min

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
    """One row per service that has been sent referrals, busiest first.

    The database counts the referrals that reached each status; only the starts are read, with when
    each of their referrals was first sent, rather than every event of every referral (tens of
    thousands of rows for each page, in a region of any size)."""
    counted = (
        ReferralEvent.objects.filter(
            service__isnull=False,
            status__in=(Status.TRIAGED, Status.STARTED, Status.DECLINED, Status.WITHDRAWN),
        )
        .values_list("service_id", "status")
        .annotate(n=Count("referral_id", distinct=True))
        .order_by()
    )
    reached: dict[object, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for service_id, status, n in counted:
        reached[service_id][status] = n
    starts = (
        ReferralEvent.objects.filter(service__isnull=False, status=Status.STARTED)
        .values_list("referral_id", "service_id", "at")
        .order_by()
    )
    first_sent = dict(
        ReferralEvent.objects.filter(referral__in=starts.values("referral_id"), status=Status.TRIAGED)
        .values("referral_id")
        .annotate(first=Min("at"))
        .values_list("referral_id", "first")
        .order_by()
    )
    waits: dict[object, list[float]] = defaultdict(list)
    for referral_id, service_id, at in starts.iterator():
        sent = first_sent.get(referral_id)
        if sent is not None and sent <= at:
            waits[service_id].append((at - sent).total_seconds() / 86400)
    sent_to = [s for s, statuses in reached.items() if statuses[Status.TRIAGED]]
    services = Service.objects.in_bulk(sent_to)
    rows = [
        ServiceFigures(
            service=services[service_id],
            referred=reached[service_id][Status.TRIAGED],
            started=reached[service_id][Status.STARTED],
            declined=reached[service_id][Status.DECLINED],
            withdrawn=reached[service_id][Status.WITHDRAWN],
            median_days_to_start=round(statistics.median(waits[service_id]), 1)
            if waits[service_id]
            else None,
        )
        for service_id in sent_to
        if service_id in services
    ]
    return sorted(rows, key=lambda r: (-r.referred, r.service.name_en))
