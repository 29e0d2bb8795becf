"""Writes to people's records. Every write is audited, with no personal data in the audit details."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction

from pathways.accounts.models import Agency
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import Side
from pathways.core.policy import Actor, agency_may_see_side
from pathways.directory.models import Area
from pathways.people.choices import (
    Ethnicity,
    GenderIdentity,
    PreferredLanguage,
    RelationshipKind,
    SexualOrientation,
    WorkPattern,
)
from pathways.people.models import Person, PersonAccess, Relationship


@dataclass
class PersonInput:
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None = None
    gender_identity: str = GenderIdentity.NOT_KNOWN
    gender_self_described: str = ""
    known_as: str = ""
    pronouns: str = ""
    preferred_language: str = PreferredLanguage.ENGLISH
    other_language: str = ""
    interpreter_needed: bool = False
    has_disability: bool | None = None
    access_needs: str = ""
    work_pattern: str = WorkPattern.NOT_KNOWN
    ethnicity: str = Ethnicity.NOT_KNOWN
    sexual_orientation: str = SexualOrientation.NOT_KNOWN
    area: Area | None = None
    police_reference: str = ""
    nhs_number: str = ""
    social_services_reference: str = ""
    # Sealed: encrypted, and shown only to roles with a stated need.
    address: str = ""
    phone: str = ""
    email: str = ""
    school: str = ""
    contact_arrangements: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def person_build(*, data: PersonInput, side: Side, actor: Actor | None) -> Person:
    """An unsaved Person on `side` of the family; `create_person` saves it, bulk imports save many at once."""
    user = actor.user if actor and actor.user.is_authenticated else None
    return Person(
        side=Side(side),
        given_name=data.given_name.strip(),
        family_name=data.family_name.strip(),
        date_of_birth=data.date_of_birth,
        gender_identity=data.gender_identity,
        gender_self_described=data.gender_self_described,
        known_as=data.known_as,
        pronouns=data.pronouns,
        preferred_language=data.preferred_language,
        other_language=data.other_language,
        interpreter_needed=data.interpreter_needed,
        has_disability=data.has_disability,
        access_needs=data.access_needs,
        work_pattern=data.work_pattern,
        ethnicity=data.ethnicity,
        sexual_orientation=data.sexual_orientation,
        area=data.area,
        police_reference=data.police_reference.strip(),
        nhs_number=data.nhs_number.replace(" ", ""),
        social_services_reference=data.social_services_reference.strip(),
        address=data.address or None,
        phone=data.phone or None,
        email=data.email or None,
        school=data.school or None,
        contact_arrangements=data.contact_arrangements.strip(),
        created_by=user,
        modified_by=user,
    )


@transaction.atomic
def person_create(
    *,
    actor: Actor | None,
    data: PersonInput,
    side: Side,
    reason: str,
    agencies: list[Agency] | None = None,
) -> Person:
    """Save a person on `side` of the family. The acting agency (or `agencies`) works with the record from
    then on, but only where the access policy lets an agency of its type see that side: a perpetrator
    service that refers a man and names his partner never owns her record."""
    person = person_build(data=data, side=side, actor=actor)
    person.save()
    for agency in agencies if agencies is not None else ([actor.agency] if actor and actor.agency else []):
        person_access_grant(person=person, agency=agency, reason=reason)
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="person",
        record_id=person.pk,
        details={"reason": reason},
    )
    return person


def person_access_grant(*, person: Person, agency: Agency, reason: str) -> bool:
    """Share a person's record with an agency that is now working with them. False, and nothing shared,
    when the agency's type may not see the person's side of the family."""
    if not agency_may_see_side(agency, person.side):
        return False
    PersonAccess.objects.get_or_create(person=person, agency=agency, defaults={"reason": reason[:200]})
    return True


def relationship_create(*, person: Person, other: Person, kind: RelationshipKind | str) -> Relationship:
    relationship, _ = Relationship.objects.get_or_create(person=person, other=other, kind=kind)
    return relationship
