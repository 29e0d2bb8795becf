"""Reads of the police data that other parts of Pathways use."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from pathways.directory.models import Region
from pathways.people.models import Person
from pathways.police.models import RfgRun, RfgScore


def people_triage_facts(people: QuerySet[Person]) -> dict[Any, set[str]]:
    """What the latest RFG run of each person's region knows for triage, by person id: "serial_behaviour"
    for those it flags as serial (triagefile.CASE_FACTS).

    Two queries however many people (a period's referrals are triaged at once): the regions' latest runs,
    then those runs' serial flags for these people. Scores have no index on the person, so that asking
    person by person would read the whole run each time."""
    latest = RfgRun.objects.filter(region=OuterRef("pk")).order_by("-created_at").values("pk")[:1]
    runs = dict(
        Region.objects.filter(pk__in=people.values("area__region"))
        .annotate(run=Subquery(latest))
        .exclude(run=None)
        .values_list("pk", "run")
    )
    if not runs:
        return {}
    flagged = RfgScore.objects.filter(run_id__in=runs.values(), serial=True, person__in=people).values_list(
        "person_id", "run_id", "person__area__region_id"
    )
    return {person: {"serial_behaviour"} for person, run, region in flagged if runs.get(region) == run}
