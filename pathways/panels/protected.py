"""Whose sealed details a panel's typed text is checked against: the people an agenda item protects (the
partners, ex-partners and children of the person heard, and the victims on his police records), and their
sealed contact details and location as markers for the check."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from pathways.core.access import Side
from pathways.core.sealedtext import Marker
from pathways.panels.models import AgendaItem
from pathways.people import sealed
from pathways.people.models import Person
from pathways.people.sealed import protected_ids_for
from pathways.police.models import PoliceRecord

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Subject:
    """Whom typed text is about: a person record, a police reference, or both, in a region."""

    key: Any
    person: Person | None
    police_reference: str
    region_id: int


def protected_ids_for_subjects(*, subjects: list[Subject]) -> dict[Any, set[uuid.UUID]]:
    """For each subject, the people whose location must stay out of typed text about them: the person's
    partners and ex-partners, children, and the person themself if on the victim side
    (pathways.people.sealed), and the victims the police have recorded against the person, by their record
    or, for someone known only from police data, by the force's reference. A few queries in all."""
    by_person = protected_ids_for(s.person.pk for s in subjects if s.person is not None)
    found: dict[Any, set[uuid.UUID]] = {
        s.key: set(by_person.get(s.person.pk, set())) if s.person is not None else set() for s in subjects
    }
    person_keys: dict[uuid.UUID, list[Any]] = {}
    reference_keys: dict[tuple[int, str], list[Any]] = {}
    for subject in subjects:
        if subject.person is not None:
            person_keys.setdefault(subject.person.pk, []).append(subject.key)
        references = {subject.police_reference, subject.person.police_reference if subject.person else ""}
        for reference in references - {""}:
            reference_keys.setdefault((subject.region_id, reference), []).append(subject.key)
    named = Q(perpetrator_id__in=list(person_keys)) if person_keys else Q(pk__in=[])
    for region_id, reference in reference_keys:
        named |= Q(region_id=region_id, perpetrator_ref=reference)
    rows = PoliceRecord.objects.filter(named, victim__isnull=False).values_list(
        "perpetrator_id", "region_id", "perpetrator_ref", "victim_id"
    )
    for perpetrator_id, region_id, reference, victim_id in rows:
        for key in person_keys.get(perpetrator_id, []) + reference_keys.get((region_id, reference), []):
            found[key].add(victim_id)
    for subject in subjects:
        if subject.person is not None and subject.person.side != Side.VICTIM:
            found[subject.key].discard(subject.person.pk)
    return found


def _subject(item: AgendaItem) -> Subject:
    return Subject(item.pk, item.person, item.police_reference, item.meeting.panel.region_id)


def protected_ids_by_item(*, items: list[AgendaItem]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each item, the people protected in its typed text (decisions, actions, what was shared, the
    minutes). The items should come with their person and meeting's panel."""
    return protected_ids_for_subjects(subjects=[_subject(item) for item in items])


def protected_markers_for_person(*, person: Person, region_id: int) -> list[Marker]:
    """The sealed details protected in typed text about a person (a reason for referring them in)."""
    subject = Subject(person.pk, person, "", region_id)
    return sealed.markers_of(protected_ids_for_subjects(subjects=[subject]))[person.pk]


def protected_markers_by_item(*, items: list[AgendaItem]) -> dict[uuid.UUID, list[Marker]]:
    """Each item's protected people's sealed details, as markers (never shown, returned or logged)."""
    return sealed.markers_of(protected_ids_by_item(items=items))


def protected_people(*, item: AgendaItem) -> list[Person]:
    return list(Person.objects.filter(pk__in=protected_ids_by_item(items=[item])[item.pk]))


def protected_markers(*, item: AgendaItem) -> list[Marker]:
    return protected_markers_by_item(items=[item])[item.pk]
