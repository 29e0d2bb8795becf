from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from pathways.core.policy import Actor, Perm, get_for_actor, visible_to
from pathways.directory.models import Area
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person


def people_for(*, actor: Actor) -> QuerySet[Person]:
    return visible_to(actor, Person.objects.all(), Perm.PERSON_VIEW)


def person_get(*, actor: Actor, person_id: uuid.UUID) -> Person:
    return get_for_actor(actor, Person.objects.prefetch_related("agencies"), Perm.PERSON_VIEW, pk=person_id)


@dataclass(frozen=True)
class RelatedPerson:
    """A relationship as this reader may see it: the other person only when their record is visible to
    the reader; otherwise only the kind (the access policy's crossing "relationship")."""

    kind: str
    kind_label: str
    other: Person | None


def relationships_for(*, actor: Actor, person: Person) -> list[RelatedPerson]:
    rows = list(person.relationships.select_related("other").order_by("kind", "created_at"))
    visible = set(
        people_for(actor=actor).filter(pk__in=[r.other_id for r in rows]).values_list("pk", flat=True)
    )
    labels = dict(RelationshipKind.choices)
    return [
        RelatedPerson(r.kind, str(labels.get(r.kind, r.kind)), r.other if r.other_id in visible else None)
        for r in rows
    ]


def person_referrals(*, actor: Actor, person: Person) -> QuerySet[Any]:
    """The person's referrals the actor may see, newest first. Read through the person's reverse relation,
    so that the people app needs nothing from the referrals app above it."""
    referrals = person.referrals.select_related("service", "referring_agency").order_by("-created_at")
    return visible_to(actor, referrals, Perm.REFERRAL_VIEW)


def person_possible_duplicates(
    *,
    actor: Actor,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date | None,
    area: Area | None,
    police_reference: str = "",
    nhs_number: str = "",
    social_services_reference: str = "",
) -> list[Person]:
    """Records the actor can already see that look like the same person.

    Only visible records are offered: matching against other agencies' records would tell the user who
    else is known, which is itself a disclosure.
    """
    same = Q()
    if date_of_birth is not None:
        same |= Q(
            given_name__iexact=given_name.strip(),
            family_name__iexact=family_name.strip(),
            date_of_birth=date_of_birth,
            area=area,
        )
    for field, value in (
        ("police_reference", police_reference.strip()),
        ("nhs_number", nhs_number.replace(" ", "")),
        ("social_services_reference", social_services_reference.strip()),
    ):
        if value:
            same |= Q(**{field: value})
    if not same:
        return []
    return list(people_for(actor=actor).filter(same)[:5])


def people_search(
    *, actor: Actor, name: str = "", date_of_birth: datetime.date | None = None, reference: str = ""
) -> list[uuid.UUID]:
    """The people the actor may see, matched by every word of a name, a date of birth and a police, NHS or
    social services reference, in name order; nothing when nothing is asked. One pass over the table:
    the ids only, so that a page of them (`people_by_id`) and their number cost no second search."""
    if not (name.strip() or date_of_birth or reference.strip()):
        return []
    found = visible_to(actor, Person.objects.all(), Perm.PERSON_VIEW, per_row=True)
    for word in name.split()[:4]:
        found = found.filter(
            Q(given_name__istartswith=word) | Q(family_name__istartswith=word) | Q(known_as__istartswith=word)
        )
    if date_of_birth:
        found = found.filter(date_of_birth=date_of_birth)
    reference = reference.strip()
    if reference:
        found = found.filter(
            Q(police_reference__iexact=reference)
            | Q(nhs_number=reference.replace(" ", ""))
            | Q(social_services_reference__iexact=reference)
        )
    # Ordered by an expression, so that the database filters first and sorts the few it found, rather
    # than walking the name index checking every row.
    ordered = found.order_by(Lower("family_name"), Lower("given_name"), "pk")
    return list(ordered.values_list("pk", flat=True))


def people_by_id(*, ids: list[uuid.UUID]) -> list[Person]:
    """The people with these ids (from a search the policy has already applied), in that order."""
    found = Person.objects.select_related("area").in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
