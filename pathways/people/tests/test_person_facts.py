"""A person's age and partners are worked out in one place, the model, for triage, assessments and panels."""

from __future__ import annotations

import datetime

import pytest

from pathways.core.access import Side
from pathways.factories import make_person
from pathways.people.choices import RelationshipKind
from pathways.people.models import Relationship

pytestmark = pytest.mark.django_db


def test_partners_are_found_from_either_side_of_the_relationship(region: None) -> None:
    him = make_person(given_name="Rhys")
    partner = make_person(side=Side.VICTIM, given_name="Carys")
    ex = make_person(side=Side.VICTIM, given_name="Ffion")
    child = make_person(side=Side.VICTIM, given_name="Osian")
    Relationship.objects.create(person=him, other=partner, kind=RelationshipKind.CURRENT_PARTNER)
    Relationship.objects.create(person=ex, other=him, kind=RelationshipKind.EX_PARTNER)  # recorded from her
    Relationship.objects.create(person=him, other=child, kind=RelationshipKind.PARENT_OF)

    assert {p.given_name for p in him.partners()} == {"Carys", "Ffion"}
    assert [p.given_name for p in partner.partners()] == ["Rhys"]
    assert list(child.partners()) == []


def test_age_counts_whole_years_and_a_birthday_on_29_february(region: None) -> None:
    leap = make_person(date_of_birth=datetime.date(2008, 2, 29))
    assert leap.age_on(datetime.date(2026, 2, 28)) == 17
    assert leap.age_on(datetime.date(2026, 3, 1)) == 18
    assert make_person().age is None
    assert make_person(area="cardiff").region is not None and make_person(area=None).region is None
