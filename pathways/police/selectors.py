"""Reads of the police data that other parts of Pathways use."""

from __future__ import annotations

from pathways.people.models import Person
from pathways.police.models import RfgScore
from pathways.police.rfg import latest_run


def person_triage_facts(person: Person) -> set[str]:
    """What the latest RFG run of the person's region knows for triage: "serial_behaviour" when it flags
    them as serial (triagefile.CASE_FACTS)."""
    region = person.region
    run = latest_run(region) if region is not None else None
    if run is None:
        return set()
    serial = RfgScore.objects.filter(run=run, person=person, serial=True).exists()
    return {"serial_behaviour"} if serial else set()
