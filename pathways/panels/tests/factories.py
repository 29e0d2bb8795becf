"""Panels, seats, meetings, agenda items and people for the information-sharing and return tests, made
directly through the models so that they stand apart from the meeting rules."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from pathways.accounts.models import Agency, User
from pathways.core.access import AgencyType, Role, Side
from pathways.directory.models import Area, Region
from pathways.factories import actor_of as actor_of  # one definition, used here and by the tests
from pathways.factories import agency_get_or_make, make_user
from pathways.panels.choices import AgendaReason, MeetingStatus, MemberRole, PanelKind
from pathways.panels.models import AgendaItem, Attendance, Meeting, Panel, PanelMember
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person, PersonAccess, Relationship

_numbers = itertools.count(1)

# A victim's sealed details, distinctive enough that finding them in a page cannot be chance.
VICTIM_ADDRESS = "Flat 2, 17 Kingfisher Crescent\nLlanrumney\nCardiff\nCF3 4QZ"
VICTIM_POSTCODE = "CF3 4QZ"
VICTIM_PHONE = "07700 900461"
VICTIM_EMAIL = "seren.morgan@example.org"
CHILD_SCHOOL = "Ysgol Gynradd Glan Morfa"


def agency(slug: str, kind: str) -> Agency:
    return agency_get_or_make(slug, kind, ["cardiff", "vale-of-glamorgan"])


def staff(at: Agency, role: str = Role.PRACTITIONER) -> User:
    return make_user(f"{at.slug}-{role}-{next(_numbers)}".replace("_", "-"), at, role)


def panel(kind: str = PanelKind.MARAC, **fields: Any) -> Panel:
    n = next(_numbers)
    made = Panel.objects.create(
        region=Region.objects.get(),
        slug=fields.pop("slug", f"{kind}-{n}"),
        kind=kind,
        name_en=fields.pop("name_en", f"{kind.upper()} panel {n}"),
        name_cy=fields.pop("name_cy", f"Panel {kind.upper()} {n}"),
        every_days=fields.pop("every_days", 14 if kind == PanelKind.MARAC else 28),
        **fields,
    )
    made.areas.set(Area.objects.filter(slug="cardiff"))
    return made


def seat(on: Panel, at: Agency, role: str = MemberRole.MEMBER, user: User | None = None) -> PanelMember:
    """A seat for the agency, held by `user` (a new practitioner there if not given)."""
    return PanelMember.objects.create(panel=on, agency=at, user=user or staff(at), role=role)


def meeting(on: Panel, held_on: datetime.date, status: str = MeetingStatus.HELD) -> Meeting:
    return Meeting.objects.create(panel=on, held_on=held_on, status=status)


def item(at: Meeting, who: Person | None = None, **fields: Any) -> AgendaItem:
    position = fields.pop("position", None) or (at.items.count() + 1)
    return AgendaItem.objects.create(
        meeting=at,
        person=who,
        position=position,
        reason=fields.pop("reason", AgendaReason.MARAC_CRITERIA),
        **fields,
    )


def person(**fields: Any) -> Person:
    """Someone referred for their own behaviour, unless `side` says otherwise."""
    n = next(_numbers)
    return Person.objects.create(
        given_name=fields.pop("given_name", f"Person{n}"),
        family_name=fields.pop("family_name", "Test"),
        side=fields.pop("side", Side.PERPETRATOR),
        **fields,
    )


def victim(**fields: Any) -> Person:
    """Someone with every sealed contact detail set."""
    defaults: dict[str, Any] = {
        "given_name": "Seren",
        "family_name": "Morgan",
        "gender_identity": "woman",
        "side": Side.VICTIM,
        "address": VICTIM_ADDRESS,
        "phone": VICTIM_PHONE,
        "email": VICTIM_EMAIL,
    }
    return person(**{**defaults, **fields})


def relate(a: Person, kind: str, b: Person) -> Relationship:
    return Relationship.objects.create(person=a, other=b, kind=kind)


def partners(perpetrator: Person, partner: Person) -> None:
    relate(perpetrator, RelationshipKind.CURRENT_PARTNER, partner)


def table(on: Panel) -> dict[str, User]:
    """A seat for one agency of each type that sits at panels, and the users who act for them:
    practitioners, plus a coordinator at the victim service (a role with a stated need for sealed details)
    and a chair at the police."""
    users: dict[str, User] = {}
    for kind in (
        AgencyType.POLICE,
        AgencyType.PROBATION,
        AgencyType.VICTIM_SERVICE,
        AgencyType.PERPETRATOR_SERVICE,
        AgencyType.HEALTH,
        AgencyType.CHILDRENS_SERVICES,
        AgencyType.HOUSING,
    ):
        at = agency(f"{on.slug}-{kind}".replace("_", "-"), kind)
        users[kind] = staff(at)
        seat(on, at, user=users[kind])
    coordination = agency(f"{on.slug}-coordination".replace("_", "-"), AgencyType.VICTIM_SERVICE)
    users["coordinator"] = staff(coordination, Role.PANEL_COORDINATOR)
    seat(on, coordination, MemberRole.COORDINATOR, users["coordinator"])
    chair_at = Agency.objects.get(slug=f"{on.slug}-police")
    users["chair"] = make_user(f"{on.slug}-chair", chair_at, Role.PANEL_CHAIR)
    seat(on, chair_at, MemberRole.CHAIR, users["chair"])
    return users


def attended(at: Meeting, *users: User) -> None:
    """Each user's seat at the meeting's panel recorded as filled by them (as holder or as deputy)."""
    for user in users:
        for member in PanelMember.objects.filter(panel=at.panel_id, user=user):
            Attendance.objects.update_or_create(
                meeting=at, member=member, defaults={"present": True, "by_deputy": False}
            )
        for member in PanelMember.objects.filter(panel=at.panel_id, deputy=user):
            Attendance.objects.update_or_create(
                meeting=at, member=member, defaults={"present": True, "by_deputy": True}
            )


def works_with(user: User, who: Person) -> None:
    """The user's agency works with the person: it may see the record on the sides its type may."""
    agency = user.memberships.get().agency
    PersonAccess.objects.get_or_create(person=who, agency=agency, defaults={"reason": "test"})
