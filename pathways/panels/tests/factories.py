"""The panels' test builders, for tests on the demo's cast and its panels (`pathways.factories`,
`pathways.demo.cast`): the Cardiff MARAC and the Cardiff and Vale MATAC with the cast's seats and each
one's next meeting, and the region's other panels, loaded without seats or meetings.

Seats, meetings, attendance and assessments go through the same services the pages use. The `raw_*`
builders write the tables directly, past the panels' rules, for the tests that need a record those rules
would not make or that they are not about: an agenda item for a chosen person (no agenda build), a meeting
already held or closed, attendance without the form. An RFG run is written as the scoring would leave it.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

from django.conf import settings
from django.utils import timezone

from pathways.accounts.models import User
from pathways.assessments import services as assessments
from pathways.assessments.models import Assessment
from pathways.core.access import Side
from pathways.core.policy import Actor
from pathways.directory.models import Area, Region
from pathways.factories import agency_of, make_person
from pathways.panels import services
from pathways.panels.choices import AgendaReason, MeetingStatus, MemberRole
from pathways.panels.models import AgendaItem, Attendance, Meeting, Panel, PanelMember
from pathways.panels.services import base as panels_base
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person, PersonAccess, Relationship
from pathways.police.models import RfgModelVersion, RfgRun, RfgScore

PANELS_FILE = Path(settings.BASE_DIR) / "regions" / "cardiff-and-vale" / "panels.yaml"
MARAC = "marac-cardiff"  # the demo's MARAC: quorum 3, refers to Drive Cardiff through its screening
MATAC = "matac-cardiff-and-vale"  # the demo's MATAC: the top 4 RFG scores in each area
QUESTIONS = [f"q{n:02d}" for n in range(1, 25)]

# A victim's sealed details, distinctive enough that finding them in a page cannot be chance.
VICTIM_ADDRESS = "Flat 2, 17 Kingfisher Crescent\nLlanrumney\nCardiff\nCF3 4QZ"
VICTIM_POSTCODE = "CF3 4QZ"
VICTIM_PHONE = "07700 900461"
VICTIM_EMAIL = "seren.morgan@example.org"
CHILD_SCHOOL = "Ysgol Gynradd Glan Morfa"


def meeting_day() -> datetime.date:
    """10 June of the next year after today whose twelve months before it hold no 29 February, so that
    "364 days" and "366 days" fall either side of twelve calendar months."""
    year = timezone.localdate().year + 1
    while calendar.isleap(year):
        year += 1
    return datetime.date(year, 6, 10)


def panels_by_slug() -> dict[str, Panel]:
    return {panel.slug: panel for panel in Panel.objects.all()}


def next_meeting_moved(panel: Panel, held_on: datetime.date) -> Meeting:
    """The demo's next meeting of the panel, moved to `held_on`, so that a test's dates stand alone."""
    Meeting.objects.filter(panel=panel).update(held_on=held_on)
    return panel.meetings.get()


# --- through the services ---------------------------------------------------------------------------


def seat(
    panel: Panel, user: User, role: str = MemberRole.MEMBER, *, deputy: User | None = None
) -> PanelMember:
    """A seat on the panel for the user's agency, held by the user (a cast login, most often)."""
    return services.panel_member_add(panel=panel, agency=agency_of(user), user=user, role=role, deputy=deputy)


def seats(panel: Panel, *users: User) -> list[PanelMember]:
    """A member's seat on the panel for each user (cast logins on a panel the demo seats nobody on)."""
    return [seat(panel, user) for user in users]


def meeting_on(panel: Panel, held_on: datetime.date, actor: Actor) -> Meeting:
    """The panel's meeting on the day: the one it has, or one scheduled."""
    return panel.meetings.filter(held_on=held_on).first() or services.meeting_schedule(
        panel=panel, held_on=held_on, actor=actor
    )


@contextlib.contextmanager
def on_the_day(meeting: Meeting) -> Iterator[None]:
    """The panels' clock on the meeting's day: attendance is recorded from the day a meeting is held, and
    the tests' meetings are mostly still to come."""
    with mock.patch.object(panels_base, "today", return_value=meeting.held_on):
        yield


def present(meeting: Meeting, *users: User, actor: Actor) -> None:
    """Attendance recorded on the day: the seats the users hold present in person, every other absent."""
    with on_the_day(meeting):
        services.meeting_attendance_record(
            meeting=meeting,
            attendance={
                m.pk: (m.user_id in {u.pk for u in users}, False) for m in meeting.panel.members.all()
            },
            actor=actor,
        )


def quorate(meeting: Meeting, actor: Actor) -> None:
    """Everyone on the panel present."""
    present(meeting, *(m.user for m in meeting.panel.members.select_related("user")), actor=actor)


def dash_answers(yes: int, **extra: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {q: "yes" if n < yes else "no" for n, q in enumerate(QUESTIONS)}
    if answers["q08"] == "yes":  # keep the stalking follow-up closed: move q08's yes to q24
        answers["q08"], answers["q24"] = "no", "yes"
    answers.update({"incident_date": "2026-06-01", "professional_judgement": "no"})
    answers.update(extra)
    return answers


def assess(assessor: Actor, who: Person, on: datetime.date, *, yes: int = 15, **extra: Any) -> Assessment:
    """A completed DASH: 14 or more yes answers meets the MARAC criteria (visible high risk)."""
    draft = assessments.assessment_start(
        actor=assessor, person=who, instrument_id="dash-partner-agency", context="intake", assessed_on=on
    )
    return assessments.assessment_save(
        actor=assessor, assessment=draft, answers=dash_answers(yes, **extra), complete=True
    )


def rfg_run(scores: list[tuple[str, Person | None, str, float]]) -> RfgRun:
    """A run of the region's RFG scores: (perpetrator reference, person or None, area slug, score); ranks
    are given per area from the highest score down."""
    region = Region.objects.get(slug="cardiff-and-vale")
    model = RfgModelVersion.objects.filter(region=region).first() or RfgModelVersion.objects.create(
        region=region, version=1, settings={}, file_sha256="test"
    )
    day = timezone.localdate()
    run = RfgRun.objects.create(
        region=region, model=model, window_start=day - datetime.timedelta(days=365), window_end=day
    )
    ranks: dict[str, int] = {}
    for reference, who, area, score in sorted(scores, key=lambda s: -s[3]):
        ranks[area] = ranks.get(area, 0) + 1
        RfgScore.objects.create(
            run=run,
            perpetrator_ref=reference,
            person=who,
            area=Area.objects.get(slug=area),
            score=score,
            recency=score / 4,
            frequency=score / 4,
            gravity=score / 4,
            victims=score / 4,
            records=3,
            victim_count=2,
            harm=10.0,
            last_on=day,
            serial=True,
            rank=ranks[area],
        )
    return run


# --- people -----------------------------------------------------------------------------------------


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
    return make_person(**{**defaults, **fields})


def relate(a: Person, kind: str, b: Person) -> Relationship:
    return Relationship.objects.create(person=a, other=b, kind=kind)


def partners(perpetrator: Person, partner: Person) -> None:
    relate(perpetrator, RelationshipKind.CURRENT_PARTNER, partner)


def works_with(user: User, who: Person) -> None:
    """The user's agency works with the person: it may see the record on the sides its type may."""
    PersonAccess.objects.get_or_create(person=who, agency=agency_of(user), defaults={"reason": "test"})


# --- straight to the tables, past the rules ---------------------------------------------------------


def raw_meeting(on: Panel, held_on: datetime.date, status: str = MeetingStatus.HELD) -> Meeting:
    return Meeting.objects.create(panel=on, held_on=held_on, status=status)


def raw_item(at: Meeting, who: Person | None = None, **fields: Any) -> AgendaItem:
    position = fields.pop("position", None) or (at.items.count() + 1)
    return AgendaItem.objects.create(
        meeting=at,
        person=who,
        position=position,
        reason=fields.pop("reason", AgendaReason.MARAC_CRITERIA),
        **fields,
    )


def raw_attended(at: Meeting, *users: User) -> None:
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


# The names pathways/core's tests import these by.
item = raw_item
attended = raw_attended
