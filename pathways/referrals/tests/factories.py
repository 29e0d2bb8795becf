"""Building referrals for tests, through the same services the pages use."""

from __future__ import annotations

from typing import Any

from pathways.core.policy import Actor
from pathways.directory.models import Area
from pathways.factories import actor_of as actor_of  # kept for pathways/core and insights tests' imports
from pathways.factories import agency_running as agency_running  # the same
from pathways.factories import make_user
from pathways.people.services import PersonInput
from pathways.referrals.models import Referral
from pathways.referrals.services import PartnerInput, ReferralInput, referral_create
from pathways.referrals.triagefile import CASE_FACTS

PARTNER_PHONE = "07700 900555"
PARTNER_ADDRESS = "12 Canary Wharf Road, Cardiff"
CHILD_SCHOOL = "Ysgol Canary Primary"

# `staff(username, agency, role)` is `make_user`, kept for pathways/core and insights tests' imports.
staff = make_user


def refer(
    actor: Actor | None,
    *,
    gender: str = "man",
    area: str = "cardiff",
    route: str = "childrens_services",
    risk: str = "standard",
    partner: bool = True,
    partner_gender: str = "woman",
    children: int = 1,
    **extra: Any,
) -> Referral:
    place = Area.objects.get(slug=area)
    return referral_create(
        actor=actor,
        data=ReferralInput(
            route=route,
            reason="Shouting and controlling money; children present.",
            risk_level=risk,
            person=PersonInput(given_name="Rhys", family_name="Jenkins", gender_identity=gender, area=place),
            partner=PartnerInput(
                person=PersonInput(
                    given_name="Carys",
                    family_name="Jenkins",
                    gender_identity=partner_gender,
                    area=place,
                    phone=PARTNER_PHONE,
                    address=PARTNER_ADDRESS,
                )
            )
            if partner
            else None,
            children=[
                PersonInput(given_name=f"Child{n}", family_name="Jenkins", area=place, school=CHILD_SCHOOL)
                for n in range(children)
            ],
            **extra,
        ),
    )


def api_answered(body: dict[str, Any]) -> dict[str, Any]:
    """An API referral body with every answer the API requires, as the form does, filled in where the test
    gives none: not known, English, not heard at MARAC."""
    person = {
        "gender_identity": "not_known",
        "area": None,
        "preferred_language": "en",
        "work_pattern": "not_known",
        **body.get("person", {}),
    }
    answered = {
        "risk_level": "not_known",
        "been_to_marac": False,
        **{fact: None for fact in CASE_FACTS},
        **body,
        "person": person,
    }
    if body.get("partner"):
        answered["partner"] = {"gender_identity": "not_known", **body["partner"]}
    return answered
