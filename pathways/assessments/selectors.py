from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, QuerySet

from pathways.assessments.models import Assessment, AssessmentStatus
from pathways.core.policy import Actor, Perm, get_for_actor, visible_to
from pathways.people.models import Person

RISK_ORDER = {"standard": 1, "medium": 2, "high": 3}
# How far "up" an answer is, so that a change between two assessments has a direction.
ANSWER_ORDER = {
    "no": 0,
    "dont_know": 1,
    "yes": 2,
    "absent": 0,
    "omitted": 0,
    "possibly_present": 1,
    "present": 2,
}


def assessments_for(actor: Actor) -> QuerySet[Assessment]:
    return visible_to(
        actor,
        # A list names each version; the definitions are large and not needed for it.
        Assessment.objects.select_related("instrument_version", "assessor", "agency").defer(
            "instrument_version__definition"
        ),
        Perm.ASSESSMENT_VIEW,
    )


def get_assessment(actor: Actor, assessment_id: uuid.UUID) -> Assessment:
    return get_for_actor(
        actor,
        Assessment.objects.select_related("instrument_version", "person__area", "assessor", "agency"),
        Perm.ASSESSMENT_VIEW,
        pk=assessment_id,
    )


def history(person: Person) -> QuerySet[Assessment]:
    """A person's assessments, newest first. The caller has already checked the person is visible.

    The instrument definitions are left out: a history lists versions, and each definition is large.
    """
    return (
        Assessment.objects.filter(person=person)
        .select_related("instrument_version", "assessor", "agency")
        .defer("instrument_version__definition")
    )


@dataclass(frozen=True)
class CurrentRisk:
    level: str
    assessment: Assessment


def current_risk(person: Person) -> CurrentRisk | None:
    """The risk level from the person's latest completed assessment that gives one, with its source."""
    for assessment in (
        history(person)
        .filter(status=AssessmentStatus.COMPLETED)
        .order_by("-assessed_on", "-completed_at")[:50]
    ):
        level = assessment.results.get("risk_level")
        if level:
            return CurrentRisk(level, assessment)
    return None


@dataclass(frozen=True)
class Change:
    item: str
    before: Any
    after: Any
    direction: str  # "up", "down" or "changed"


def _flatten(value: Any) -> Any:
    if isinstance(value, dict):  # recent / past ratings: the higher one
        return max((ANSWER_ORDER.get(v, 0) for v in value.values()), default=0)
    return value


def compare(earlier: Assessment, later: Assessment) -> list[Change]:
    """Which answers moved between two assessments with the same instrument, and which way."""
    changes = []
    for item in sorted(set(earlier.answers) | set(later.answers)):
        before, after = earlier.answers.get(item), later.answers.get(item)
        if before == after:
            continue
        a, b = _flatten(before), _flatten(after)
        a = ANSWER_ORDER.get(a, a) if isinstance(a, str) else a
        b = ANSWER_ORDER.get(b, b) if isinstance(b, str) else b
        if isinstance(a, int | float) and isinstance(b, int | float):
            direction = "up" if b > a else "down"
        else:
            direction = "changed"
        changes.append(Change(item, before, after, direction))
    return changes


@dataclass(frozen=True)
class DueAssessment:
    person: Person
    service: str
    due: datetime.date
    last: datetime.date | None

    @property
    def overdue(self) -> bool:
        return self.due < datetime.date.today()


def reassessments_due(actor: Actor, today: datetime.date) -> list[DueAssessment]:
    """People the actor's agency is working with, and when each is next due an assessment under the region's
    schedule for that service: from their last completed assessment, or from when the work began."""
    from pathways.assessments.services import region_settings
    from pathways.referrals.choices import Status
    from pathways.referrals.models import Referral

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
            schedules[region_id] = region_settings(referral.person)
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
