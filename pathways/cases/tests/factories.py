"""Cases as the tests of casework need them: one open at a service with a worker, and the partner of the
person it is about, with or without her own case at her support service."""

from __future__ import annotations

from pathways.accounts.models import User
from pathways.cases.models import Case
from pathways.core.access import Side
from pathways.directory.models import Service
from pathways.factories import make_person
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person, PersonAccess, Relationship


def case_open(
    service_slug: str, worker: User | None, *, person: Person | None = None, manager: User | None = None
) -> Case:
    """An open case at the service, worked by `worker` (None: nobody yet), about `person` or a new man in
    Cardiff, whose record the agencies running the service share."""
    service = Service.objects.get(slug=service_slug)
    person = person or make_person(given_name="Gethin", family_name="Case")
    for agency in service.agencies.all():
        PersonAccess.objects.get_or_create(person=person, agency=agency, defaults={"reason": "case"})
    return Case.objects.create(person=person, service=service, worker=worker, manager=manager)


def partner_of(
    case: Case, *, supported_by: User | None = None, service_slug: str = "rise-drive-idva"
) -> Person:
    """The current partner of the case's person, on the victim side; with her own open case at her support
    service, worked by `supported_by`, when given."""
    partner = make_person(side=Side.VICTIM, given_name="Seren", family_name="Partner")
    Relationship.objects.create(person=partner, other=case.person, kind=RelationshipKind.CURRENT_PARTNER)
    if supported_by is not None:
        case_open(service_slug, supported_by, person=partner)
    return partner
