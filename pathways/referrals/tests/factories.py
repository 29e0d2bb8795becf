"""Building referrals for tests, through the same services the pages use."""

from __future__ import annotations

from typing import Any

from pathways.accounts.models import Agency, User
from pathways.core.policy import Actor
from pathways.directory.models import Area, Service
from pathways.factories import actor_of as actor_of  # one definition, used here and by the tests
from pathways.factories import make_agency, make_user
from pathways.people.services import PersonInput
from pathways.referrals.models import Referral
from pathways.referrals.services import PartnerInput, ReferralInput, referral_create

PARTNER_PHONE = "07700 900555"
PARTNER_ADDRESS = "12 Canary Wharf Road, Cardiff"
CHILD_SCHOOL = "Ysgol Canary Primary"


def agency_running(slug: str, kind: str, *services: str) -> Agency:
    agency = make_agency(slug, kind, ["cardiff", "vale-of-glamorgan"])
    agency.services.set(Service.objects.filter(slug__in=services))
    return agency


def staff(username: str, agency: Agency, role: str = "practitioner") -> User:
    return make_user(username, agency, role)


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
