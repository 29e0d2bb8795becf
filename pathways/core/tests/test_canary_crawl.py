"""Canary crawl: unique strings in every sealed field, every page and API response fetched as every role;
a canary appears only where the role may see it, and only after a reveal that states a purpose."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.cases.models import Attendance as SessionAttendance
from pathways.cases.models import Case, Group, GroupMember, Session
from pathways.core.access import Role, Side
from pathways.core.policy import Actor, can_see_sealed
from pathways.core.tests.conftest_helpers import crawl_paths, response_text
from pathways.directory.models import Area, Region
from pathways.factories import sign_in
from pathways.panels.choices import AgendaReason, MeetingStatus, Outcome, PanelKind
from pathways.panels.models import Action, AgendaItem, Attendance, Decision, Meeting, Panel, PanelMember
from pathways.people.models import Person
from pathways.people.services import PersonInput, person_access_grant
from pathways.referrals import services
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import actor_of

pytestmark = pytest.mark.django_db

CANARIES = {
    "address": "CANARY-ADDRESS-7f3a",
    "phone": "07700 900 613",
    "email": "canary-7f3a@example.org",
    "school": "CANARY-SCHOOL-7f3a",
}
# His own contact details: the agencies working with him may reveal them, never hers.
HIS = {"address": "HIS-ADDRESS-51c2", "phone": "07700 900 514", "email": "his-51c2@example.org"}


def _paths(ids: dict[str, list[str]]) -> list[str]:
    return crawl_paths({"slug": ["clear"], **ids})


@pytest.fixture
def world(region: None, persona: Callable[[str], User]) -> dict[str, object]:
    """The cast's social worker refers a family to CLEAR, whose partner RISE Cardiff's IDVA supports."""
    social_worker = User.objects.get(username="socialworker")
    idva = User.objects.get(username="idva")
    cardiff = Area.objects.get(slug="cardiff")
    referral = services.referral_create(
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
                phone=HIS["phone"],
                email=HIS["email"],
                address=HIS["address"],
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
    services.referral_service_choose(actor=actor_of(social_worker), referral=referral, service_slug="clear")
    people = list(Person.objects.all())
    # Each role's login (CLEAR's practitioner among them) and the logins of the family's own services.
    users = list(dict.fromkeys([social_worker, idva] + [persona(role) for role in Role.values]))
    for role in Role.values:  # every persona's agency works with everyone here, so pages open for them
        for person in people:
            person_access_grant(person=person, agency=persona(role).memberships.get().agency, reason="crawl")
    return {
        "users": users,
        "ids": {
            "referral_id": [str(r.pk) for r in Referral.objects.all()],
            "person_id": [str(p.pk) for p in people],
            "case_id": (cases := _cases(referral)),
            "group_id": _groups(cases[0]),
            **_panels(users, people),
        },
        "people": people,
    }


def _cases(referral: Referral) -> list[str]:
    """His case at CLEAR and, on her side, her case at the support service her referral went to."""
    referral = Referral.objects.select_related("service").get(pk=referral.pk)
    partner = Referral.objects.select_related("service").get(linked_referral=referral)
    assert referral.service is not None and partner.service is not None
    his = Case.objects.create(person=referral.person, service=referral.service)
    hers = Case.objects.create(person=partner.person, service=partner.service)
    return [str(his.pk), str(hers.pk)]


def _groups(case_id: str) -> list[str]:
    """A group at his service with him on its roster, and a session he was absent from, with a reason."""
    case = Case.objects.select_related("service").get(pk=case_id)
    group = Group.objects.create(
        service=case.service, name="Crawl group", starts_on=datetime.date(2026, 3, 2)
    )
    GroupMember.objects.create(group=group, case=case)
    session = Session.objects.create(service=case.service, group=group, held_on=datetime.date(2026, 3, 9))
    SessionAttendance.objects.create(session=session, case=case, status="absent_reason", reason="crawl")
    return [str(group.pk)]


def _panels(users: list[User], people: list[Person]) -> dict[str, list[str]]:
    """A MARAC and a perpetrator panel (MATAC) with every user's agency on both, and everyone in the
    family (the victim with her sealed address included) on both agendas, decided, with actions."""
    region = Region.objects.get(slug="cardiff-and-vale")
    ids: dict[str, list[str]] = {"panel_id": [], "meeting_id": [], "item_id": [], "action_id": []}
    for kind in (PanelKind.MARAC, PanelKind.MATAC):
        panel = Panel.objects.create(
            region=region, slug=f"crawl-{kind}", kind=kind, name_en=kind, name_cy=kind, every_days=14
        )
        panel.areas.set(Area.objects.filter(slug="cardiff"))
        for user in users:
            membership = user.memberships.get()
            PanelMember.objects.create(panel=panel, agency=membership.agency, user=user)
        for held_on, status in (
            (datetime.date(2026, 3, 2), MeetingStatus.CLOSED),
            (datetime.date(2026, 3, 30), MeetingStatus.PLANNED),
        ):
            meeting = Meeting.objects.create(panel=panel, held_on=held_on, status=status)
            for member in panel.members.all():
                Attendance.objects.create(meeting=meeting, member=member, present=True)
            for position, person in enumerate(people, start=1):
                item = AgendaItem.objects.create(
                    meeting=meeting, person=person, reason=AgendaReason.NOMINATED, position=position
                )
                Decision.objects.create(item=item, outcome=Outcome.SUPPORT, reasons="crawl")
                action = Action.objects.create(
                    item=item,
                    description="Safety plan review",
                    agency=users[0].memberships.get().agency,
                    due_on=datetime.date(2026, 3, 1),
                )
                ids["item_id"].append(str(item.pk))
                ids["action_id"].append(str(action.pk))
            ids["meeting_id"].append(str(meeting.pk))
        ids["panel_id"].append(str(panel.pk))
    return ids


def test_no_page_or_api_response_shows_a_sealed_value(world: dict[str, object]) -> None:
    paths = _paths(world["ids"])  # type: ignore[arg-type]
    assert any("/people/" in p for p in paths) and any("/api/v1/referrals/" in p for p in paths)
    assert any("/minutes/" in p for p in paths) and any("/panels/items/" in p for p in paths)
    leaks = []
    panel_pages_read: set[tuple[str, str]] = set()
    for user in world["users"]:  # type: ignore[attr-defined]
        client = sign_in(Client(), user)
        minutes_in_welsh = [f"{p}?lang=cy" for p in paths if p.endswith("/minutes/")]
        for path in [*paths, *minutes_in_welsh, "/en/audit/export.csv", "/en/audit/?record="]:
            response = client.get(path)
            body = response_text(response)
            leaks += [(user.username, path, name) for name, canary in CANARIES.items() if canary in body]
            if response.status_code == 200 and "/panels/" in path:
                panel_pages_read.add((user.username, path.split("/")[3]))
    assert leaks == []
    # The panels' papers, items and minutes were really read (by the victim's own IDVA among others).
    assert {("idva", "items"), ("idva", "meetings")} <= panel_pages_read


def test_only_a_stated_need_reveals_and_only_after_a_purpose(world: dict[str, object]) -> None:
    shown_to = set()
    for user in world["users"]:  # type: ignore[attr-defined]
        client = sign_in(Client(), user)
        actor = Actor(user=user, membership=user.memberships.select_related("agency").get())
        for person in world["people"]:  # type: ignore[attr-defined]
            person = Person.objects.prefetch_related("agencies").get(pk=person.pk)
            body = response_text(
                client.post(f"/en/people/{person.pk}/sealed/", {"purpose": "safety planning call"})
            )
            planted = HIS if person.side == Side.PERPETRATOR else CANARIES
            seen = any(c in body for c in planted.values())
            assert seen == can_see_sealed(actor, person), (user.username, person.given_name)
            # Her details never show on his record, whoever reveals it.
            assert person.side == Side.VICTIM or not any(c in body for c in CANARIES.values())
            if seen and person.side == Side.VICTIM:
                shown_to.add(user.username)
            assert not any(
                c in response_text(client.post(f"/en/people/{person.pk}/sealed/", {"purpose": ""}))
                for c in (*CANARIES.values(), *HIS.values())
            )
    assert {"idva", "socialworker"} <= shown_to
    assert "practitioner" not in shown_to
