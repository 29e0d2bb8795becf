"""Anyone a reader may see can be found by name, date of birth or reference; no one else can."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.factories import actor_of, date_fields, sign_in
from pathways.referrals.services import referral_service_choose
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db


def test_people_are_found_by_name_birth_date_and_reference_through_the_policy(cast: dict[str, User]) -> None:
    sw = actor_of(cast["socialworker"])
    referral = refer(sw)
    person = referral.person
    person.date_of_birth, person.police_reference = datetime.date(1986, 4, 12), "SWP/22/0815"
    person.save()
    social_worker = sign_in(Client(), cast["socialworker"])
    by_name = social_worker.get("/en/people/", {"name": "rhys jen"}).content.decode()
    assert person.get_absolute_url() in by_name
    by_date = social_worker.get("/en/people/", date_fields("date_of_birth", "1986-04-12")).content.decode()
    assert person.get_absolute_url() in by_date
    assert (
        person.get_absolute_url()
        in social_worker.get("/en/people/", {"reference": "swp/22/0815"}).content.decode()
    )
    # CLEAR finds him only once he is referred to CLEAR, and never finds his partner.
    clear = sign_in(Client(), cast["practitioner"])
    assert person.get_absolute_url() not in clear.get("/en/people/", {"name": "Rhys"}).content.decode()
    referral_service_choose(actor=sw, referral=referral, service_slug="clear")
    assert person.get_absolute_url() in clear.get("/en/people/", {"name": "Rhys"}).content.decode()
    assert referral.partner is not None
    assert (
        referral.partner.get_absolute_url()
        not in clear.get("/en/people/", {"name": "Carys"}).content.decode()
    )
    assert "0 people found" in clear.get("/en/people/", {"name": "Carys"}).content.decode()


def test_the_referral_list_finds_by_name_and_pages_without_a_silent_cap(cast: dict[str, User]) -> None:
    sw = actor_of(cast["socialworker"])
    for _ in range(53):
        refer(sw)
    social_worker = sign_in(Client(), cast["socialworker"])
    first = social_worker.get("/en/referrals/").content.decode()
    assert "53 referrals" in first and "Page 1 of 2" in first and "Rhys Jenkins" in first
    second = social_worker.get("/en/referrals/", {"page": 2}).content.decode()
    assert second.count('data-reference="') == 3
    assert "0 referrals" in social_worker.get("/en/referrals/", {"q": "Nobody"}).content.decode()
