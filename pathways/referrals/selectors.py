from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, QuerySet

from pathways.assessments.models import Assessment, AssessmentStatus
from pathways.assessments.services import assessment_settings_for
from pathways.core.policy import Actor, Perm, get_for_actor, visible_to
from pathways.people.models import Person
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral


@dataclass(frozen=True)
class PartnerReferralSummary:
    """What the person's side may know of a partner's support referral (the access policy's crossing
    "partner_referral"): that it exists, its status and the service's name. Nothing else of her record."""

    status: str
    status_label: str
    service: str


def partner_referrals_summary(*, referral: Referral) -> list[PartnerReferralSummary]:
    labels = dict(Status.choices)
    return [
        PartnerReferralSummary(
            status=r.status,
            status_label=str(labels.get(r.status, r.status)),
            service=r.service.name if r.service else "",
        )
        for r in referral.partner_referrals.select_related("service")
        .only("status", "service__name_en", "service__name_cy", "linked_referral")
        .order_by("created_at")
    ]


def referrals_for(*, actor: Actor) -> QuerySet[Referral]:
    return visible_to(
        actor,
        Referral.objects.select_related("person", "service", "referring_agency"),
        Perm.REFERRAL_VIEW,
    )


def referral_get(*, actor: Actor, referral_id: uuid.UUID) -> Referral:
    return get_for_actor(
        actor,
        Referral.objects.select_related(
            "person__area",
            "partner",
            "service__partner_support_service",
            "referring_agency",
            "previous_referral__service",
        ),
        Perm.REFERRAL_VIEW,
        pk=referral_id,
    )


@dataclass(frozen=True)
class DueAssessment:
    person: Person
    service: str
    due: datetime.date
    last: datetime.date | None

    @property
    def overdue(self) -> bool:
        return self.due < datetime.date.today()


def reassessments_due(*, actor: Actor, today: datetime.date) -> list[DueAssessment]:
    """People the actor's agency is working with, and when each is next due an assessment under the region's
    schedule for that service: from their last completed assessment, or from when the work began."""
    if actor.agency is None or not actor.permissions:
        return []
    working = Referral.objects.filter(
        service__agencies=actor.agency, status__in=(Status.ACCEPTED, Status.WAITING, Status.STARTED)
    ).select_related("person__area__region", "service")
    # Two queries for the whole list, not two per person: each region's schedule once, and every
    # person's last completed assessment in one grouped query.
    last_done: dict[Any, datetime.date] = dict(
        Assessment.objects.filter(person__in=working.values("person"), status=AssessmentStatus.COMPLETED)
        .values("person")
        .annotate(last=Max("assessed_on"))
        .values_list("person", "last")
    )
    schedules: dict[Any, dict[str, Any]] = {}
    due = []
    for referral in working:
        region_id = referral.person.area.region_id if referral.person.area else None
        if region_id not in schedules:
            schedules[region_id] = assessment_settings_for(person=referral.person)
        days = schedules[region_id].get("reassessment_days", {})
        interval = days.get(referral.service.slug, days.get("default"))  # type: ignore[union-attr]
        if not interval:
            continue
        last = last_done.get(referral.person_id)
        since = last or referral.modified_at.date()
        due.append(
            DueAssessment(
                referral.person,
                referral.service.name,  # type: ignore[union-attr]
                since + datetime.timedelta(days=int(interval)),
                last,
            )
        )
    return sorted(due, key=lambda d: d.due)
