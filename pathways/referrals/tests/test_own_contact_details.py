"""The person referred is contacted by the services that work with him: his own phone, email and address
are taken on every route and shown to those services, while his partner's stay sealed from them, and so
does any detail of his that is also hers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.factories import NO_CONCERNS, actor_of, sign_in
from pathways.people.models import Person
from pathways.referrals.models import Referral
from pathways.referrals.services import referral_service_choose

pytestmark = pytest.mark.django_db

HIS_PHONE = "07700 900123"
HER_PHONE = "07700 900987"
HER_ADDRESS = "4 Heron Way, Llanishen, Cardiff CF14 5ZZ"

FORM = {
    "given_name": "Gethin",
    "family_name": "Prosser",
    "gender_identity": "man",
    "area": "cardiff",
    "preferred_language": "en",
    "work_pattern": "regular_hours",
    "phone": HIS_PHONE,
    "email": "gethin.prosser@example.org",
    "contact_arrangements": "Mobile only, after 6pm.",
    "route": "childrens_services",
    "reason": "Controlling behaviour; the children have seen arguments.",
    "risk_level": "standard",
    **NO_CONCERNS,
    "partner_given_name": "Lowri",
    "partner_family_name": "Prosser",
    "partner_gender": "woman",
    "partner_relationship": "current_partner",
    "partner_phone": HER_PHONE,
    "partner_address": HER_ADDRESS,
}


def _refer_to_clear(cast: dict[str, User], **changes: Any) -> Referral:
    social_worker = sign_in(Client(), cast["socialworker"])
    response = social_worker.post("/en/referrals/new/", {**FORM, **changes})
    assert response.status_code == 302, response.content.decode()
    referral = Referral.objects.get(person__given_name="Gethin")
    return referral_service_choose(
        actor=actor_of(cast["socialworker"]), referral=referral, service_slug="clear"
    )


def _revealed(client: Client, person: Person) -> str:
    response = client.post(f"/en/people/{person.pk}/sealed/", {"purpose": "to arrange a first session"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_clear_worker_sees_his_phone_and_never_hers(cast: dict[str, User]) -> None:
    referral = _refer_to_clear(cast)
    clear = sign_in(Client(), cast["practitioner"])
    page = _revealed(clear, referral.person)
    assert HIS_PHONE in page and "gethin.prosser@example.org" in page
    assert "Mobile only, after 6pm." in clear.get(f"/en/people/{referral.person.pk}/").content.decode()
    assert HER_PHONE not in page and "Heron Way" not in page
    assert referral.partner is not None
    assert clear.get(f"/en/people/{referral.partner.pk}/").status_code == 404


def test_his_address_when_it_is_also_hers_is_withheld_from_his_service(cast: dict[str, User]) -> None:
    referral = _refer_to_clear(cast, address=HER_ADDRESS)
    page = _revealed(sign_in(Client(), cast["practitioner"]), referral.person)
    assert HIS_PHONE in page and "Heron Way" not in page
    # The social worker, whose agency holds the family's address for safeguarding, sees it.
    assert "Heron Way" in _revealed(sign_in(Client(), cast["socialworker"]), referral.person)


def test_a_service_that_does_not_work_with_him_cannot_reveal_them(cast: dict[str, User]) -> None:
    referral = _refer_to_clear(cast)
    elsewhere = sign_in(Client(), cast["practitioner-elsewhere"])
    assert (
        elsewhere.post(f"/en/people/{referral.person.pk}/sealed/", {"purpose": "curious"}).status_code == 404
    )


def test_how_to_contact_him_may_not_hold_her_details(cast: dict[str, User]) -> None:
    social_worker = sign_in(Client(), cast["socialworker"])
    response = social_worker.post(
        "/en/referrals/new/", {**FORM, "contact_arrangements": f"Ring {HER_PHONE} if he does not answer"}
    )
    assert response.status_code == 200
    assert "contact details or location of a partner" in response.content.decode()
    assert not Referral.objects.exists()
