from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from pathways.assessments.models import Assessment, AssessmentStatus, InstrumentVersion
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


def assessments_for(*, actor: Actor) -> QuerySet[Assessment]:
    return visible_to(
        actor,
        # A list names each version; the definitions are large and not needed for it.
        Assessment.objects.select_related("instrument_version", "assessor", "agency").defer(
            "instrument_version__definition"
        ),
        Perm.ASSESSMENT_VIEW,
    )


def instruments_current() -> list[InstrumentVersion]:
    """The latest version of each instrument loaded, by id: the forms an assessment may be started with."""
    latest: dict[str, InstrumentVersion] = {}
    for version in InstrumentVersion.objects.order_by("instrument", "-version"):
        latest.setdefault(version.instrument, version)
    return [latest[key] for key in sorted(latest)]


def assessment_get(*, actor: Actor, assessment_id: uuid.UUID) -> Assessment:
    return get_for_actor(
        actor,
        Assessment.objects.select_related("instrument_version", "person__area", "assessor", "agency"),
        Perm.ASSESSMENT_VIEW,
        pk=assessment_id,
    )


def assessment_history(*, person: Person) -> QuerySet[Assessment]:
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


# How far back the current risk is looked for: the latest completed assessments, newest first, the one
# recorded last first among those of one day (and then by key, so that the one asked of alone and the one
# asked of with many others is the same assessment).
RISK_LOOKBACK = 50
NEWEST_FIRST = ("-assessed_on", "-completed_at", "-created_at", "-pk")


def risk_current(*, person: Person) -> CurrentRisk | None:
    """The risk level from the person's latest completed assessment that gives one, with its source."""
    for assessment in (
        assessment_history(person=person)
        .filter(status=AssessmentStatus.COMPLETED)
        .order_by(*NEWEST_FIRST)[:RISK_LOOKBACK]
    ):
        level = assessment.results.get("risk_level")
        if level:
            return CurrentRisk(level, assessment)
    return None


def risk_levels_current(*, people: QuerySet[Person]) -> dict[Any, str]:
    """risk_current's level for each of these people that has one, by person id, in one query however
    many people there are (triage over a period's referrals): only the level is read, not the
    assessments, whose answers and results are large."""
    rows = (
        Assessment.objects.filter(person__in=people, status=AssessmentStatus.COMPLETED)
        .order_by("person_id", *NEWEST_FIRST)
        .values_list("person_id", "results__risk_level")
    )
    levels: dict[Any, str] = {}
    looked: dict[Any, int] = {}
    for person, level in rows.iterator(chunk_size=5000):
        seen = looked.get(person, 0)
        looked[person] = seen + 1
        if person not in levels and seen < RISK_LOOKBACK and level:
            levels[person] = level
    return levels


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


def assessments_compare(*, earlier: Assessment, later: Assessment) -> list[Change]:
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
