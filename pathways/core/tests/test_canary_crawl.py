"""Canary crawl: unique strings in every sealed field, every page and API response fetched as every role;
a canary appears only where the role may see it, and only after a reveal that states a purpose."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from pathways.accounts.choices import Role
from pathways.accounts.models import User
from pathways.conftest import sign_in
from pathways.core.policy import Actor, can_see_sealed
from pathways.directory.models import Area
from pathways.people.models import Person
from pathways.people.services import PersonInput, grant_access
from pathways.referrals import services
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import actor_of, agency_running, staff

pytestmark = pytest.mark.django_db

CANARIES = {
    "address": "CANARY-ADDRESS-7f3a",
    "phone": "07700 900 613",
    "email": "canary-7f3a@example.org",
    "school": "CANARY-SCHOOL-7f3a",
}


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    found: list[str] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _routes(p.url_patterns, prefix + str(p.pattern))
        else:
            found.append(prefix + str(p.pattern))
    return found


def _paths(ids: dict[str, list[str]]) -> list[str]:
    paths = []
    for route in _routes(get_resolver().url_patterns):
        if "(?P<" in route or "admin/" in route:
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if not names:
            paths.append("/" + route)
            continue
        if names == ["slug"]:
            paths.append("/" + re.sub(r"<slug:slug>", "clear", route))
            continue
        for value in ids.get(names[0], []):
            paths.append("/" + re.sub(r"<(?:\w+:)?\w+>", value, route))
    return paths


def _body(response: object) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")  # type: ignore[attr-defined]
    return response.content.decode(errors="replace")  # type: ignore[attr-defined]


@pytest.fixture
def world(region: None, persona: Callable[[str], User]) -> dict[str, object]:
    childrens = agency_running("childrens", "childrens_services")
    agency_running("clear-team", "perpetrator_service", "clear")
    agency_running("rise-team", "victim_service", "rise-cardiff")
    social_worker = staff("sw", childrens)
    clear_worker = staff(
        "clear-worker", Referral._meta.apps.get_model("accounts", "Agency").objects.get(slug="clear-team")
    )
    idva = staff("idva", Referral._meta.apps.get_model("accounts", "Agency").objects.get(slug="rise-team"))
    cardiff = Area.objects.get(slug="cardiff")
    referral = services.create_referral(
        actor=actor_of(social_worker),
        data=services.ReferralInput(
            route="childrens_services",
            reason="canary crawl",
            risk_level="standard",
            person=PersonInput(
                given_name="Rhys",
                family_name="Jenkins",
                gender_identity="man",
                area=cardiff,
                phone=CANARIES["phone"],
                email=CANARIES["email"],
                address=CANARIES["address"],
            ),
            partner=services.PartnerInput(
                person=PersonInput(
                    given_name="Carys",
                    family_name="Jenkins",
                    gender_identity="woman",
                    area=cardiff,
                    phone=CANARIES["phone"],
                    email=CANARIES["email"],
                    address=CANARIES["address"],
                )
            ),
            children=[
                PersonInput(
                    given_name="Ffion", family_name="Jenkins", area=cardiff, school=CANARIES["school"]
                )
            ],
        ),
    )
    services.choose_service(actor=actor_of(social_worker), referral=referral, service_slug="clear")
    people = list(Person.objects.all())
    users = [social_worker, clear_worker, idva] + [persona(role) for role in Role.values]
    for role in Role.values:  # every persona's agency works with everyone here, so pages open for them
        for person in people:
            grant_access(person=person, agency=persona(role).memberships.get().agency, reason="crawl")
    return {
        "users": users,
        "ids": {
            "referral_id": [str(r.pk) for r in Referral.objects.all()],
            "person_id": [str(p.pk) for p in people],
        },
        "people": people,
    }


def test_no_page_or_api_response_shows_a_sealed_value(world: dict[str, object]) -> None:
    paths = _paths(world["ids"])  # type: ignore[arg-type]
    assert any("/people/" in p for p in paths) and any("/api/v1/referrals/" in p for p in paths)
    leaks = []
    for user in world["users"]:  # type: ignore[attr-defined]
        client = sign_in(Client(), user)
        for path in [*paths, "/en/audit/export.csv", "/en/audit/?record="]:
            body = _body(client.get(path))
            leaks += [(user.username, path, name) for name, canary in CANARIES.items() if canary in body]
    assert leaks == []


def test_only_a_stated_need_reveals_and_only_after_a_purpose(world: dict[str, object]) -> None:
    shown_to = set()
    for user in world["users"]:  # type: ignore[attr-defined]
        client = sign_in(Client(), user)
        actor = Actor(user=user, membership=user.memberships.select_related("agency").get())
        for person in world["people"]:  # type: ignore[attr-defined]
            person = Person.objects.prefetch_related("agencies").get(pk=person.pk)
            body = _body(client.post(f"/en/people/{person.pk}/sealed/", {"purpose": "safety planning call"}))
            seen = any(c in body for c in CANARIES.values())
            assert seen == can_see_sealed(actor, person), (user.username, person.given_name)
            if seen:
                shown_to.add(user.username)
            assert not any(
                c in _body(client.post(f"/en/people/{person.pk}/sealed/", {"purpose": ""}))
                for c in CANARIES.values()
            )
    assert {"idva", "sw"} <= shown_to
    assert "clear-worker" not in shown_to
