"""Minutes from the record, in English and Welsh, without anything sealed. At the demo MATAC's next meeting,
with its cast's seats."""

from __future__ import annotations

import datetime
import re

import pytest

from pathways.accounts.models import User
from pathways.core.policy import Actor
from pathways.factories import actor_of, agency_of, make_person, make_staff
from pathways.panels import selectors, services
from pathways.panels.choices import Outcome
from pathways.panels.models import Meeting, Panel, PanelMember
from pathways.panels.tests import factories as f
from pathways.panels.tests.factories import on_the_day, rfg_run

pytestmark = pytest.mark.django_db
DAY = f.meeting_day()
CANARIES = ("7 Canary Close, Cardiff", "07700 900123", "canary@example.org", "Ysgol Canary")


@pytest.fixture
def matac(cast: dict[str, User]) -> Panel:
    return Panel.objects.get(slug=f.MATAC)


@pytest.fixture
def members(matac: Panel) -> dict[str, PanelMember]:
    """The demo MATAC's seats by the login holding each; the IDVA's with a deputy, a colleague at RISE."""
    seats = {m.user.username: m for m in matac.members.select_related("user", "agency")}
    seats["idva"].deputy = make_staff(seats["idva"].agency)
    seats["idva"].save(update_fields=["deputy"])
    return seats


@pytest.fixture
def chair(cast: dict[str, User]) -> Actor:
    return actor_of(cast["chair"])


@pytest.fixture
def held(matac: Panel, members: dict[str, PanelMember], chair: Actor) -> Meeting:
    """A MATAC with two RFG cases (one known only to the police), decided, with actions, minutes issued.
    The police (both seats) and probation attend, the IDVA's deputy stands in, Drive and children's
    services do not come."""
    known = make_person(given_name="Gethin", family_name="Morgan", address=CANARIES[0], phone=CANARIES[1])
    known.email, known.school = CANARIES[2], CANARIES[3]
    known.save()
    rfg_run([("SWP-0001", known, "cardiff", 91.0), ("SWP-0002", None, "vale-of-glamorgan", 80.0)])
    meeting = f.next_meeting_moved(matac, DAY)
    first, second = services.agenda_build(meeting=meeting, actor=chair)
    attendance = {members[n].pk: (True, False) for n in ("chair", "matac", "probation")}
    attendance |= {members["idva"].pk: (False, True)}
    attendance |= {members[n].pk: (False, False) for n in ("drive", "socialworker")}
    with on_the_day(meeting):
        services.meeting_attendance_record(meeting=meeting, attendance=attendance, actor=chair)
    services.decision_record(
        item=first,
        outcome=Outcome.DISRUPT,
        reasons="Three victims in two years; disruption agreed.",
        review_on=DAY + datetime.timedelta(days=56),
        actor=chair,
    )
    services.action_create(
        item=first,
        description="Check bail conditions.",
        agency=agency_of(chair.user),
        due_on=DAY + datetime.timedelta(days=7),
        actor=chair,
    )
    services.decision_record(
        item=second, outcome=Outcome.NO_FURTHER_ACTION, reasons="No recent records.", actor=chair
    )
    return services.meeting_close(meeting=meeting, actor=chair)


PRESENT = ["Probation Service, Cardiff and Vale", "RISE Cardiff", "South Wales Police"]


def test_the_minutes_hold_the_record(held: Meeting, chair: Actor) -> None:
    minutes = selectors.minutes_get(meeting=held, reader=chair)
    assert (minutes.panel_name, minutes.held_on, minutes.quorate) == ("Cardiff and Vale MATAC", DAY, True)
    assert sorted(minutes.agencies_present) == PRESENT
    assert sorted(minutes.agencies_missing) == ["Cardiff Children's Services", "Drive Cardiff"]
    attended = sorted((a.agency_name, a.present, a.by_deputy) for a in minutes.attendance)
    assert attended == [
        ("Cardiff Children's Services", False, False),
        ("Drive Cardiff", False, False),
        ("Probation Service, Cardiff and Vale", True, False),
        ("RISE Cardiff", True, True),
        ("South Wales Police", True, False),
        ("South Wales Police", True, False),
    ]
    first, second = minutes.items
    assert (first.person_label, first.outcome, first.reasons) == (
        "Gethin Morgan",
        Outcome.DISRUPT,
        "Three victims in two years; disruption agreed.",
    )
    assert first.decided_by == PRESENT
    actions = [(a.description, a.agency_name) for a in first.actions]
    assert actions == [("Check bail conditions.", "South Wales Police")]
    assert second.person_label == "Police reference SWP-0002" and second.outcome == Outcome.NO_FURTHER_ACTION


def _data(html: str) -> list[str]:
    """The record's data in a rendering: outcomes, positions, quorum and the free text typed at the table."""
    return re.findall(r'data-(?:outcome|position|quorate)="([^"]*)"', html)


def test_minutes_in_english_and_welsh_come_from_the_same_record(held: Meeting, chair: Actor) -> None:
    english, welsh = (
        services.minutes_render(meeting=held, language="en", reader=chair),
        services.minutes_render(meeting=held, language="cy", reader=chair),
    )
    assert english != welsh
    assert _data(english) == _data(welsh) == ["yes", "1", "disrupt", "2", "nfa"]
    assert "Cardiff and Vale MATAC" in english and "MATAC Caerdydd a&#x27;r Fro" in welsh
    assert "Cardiff and Vale MATAC" not in welsh
    # Dates in each language's own words (Django's Welsh month names).
    month = DAY.strftime("%B")
    assert month in english and month not in welsh and "Mehefin" in welsh
    for text in ("Three victims in two years; disruption agreed.", "Check bail conditions.", "SWP-0002"):
        assert text in english and text in welsh
    assert "Decided by" in english and "Reasons" in english


def test_minutes_never_show_sealed_details(held: Meeting, chair: Actor) -> None:
    for language in ("en", "cy"):
        html = services.minutes_render(meeting=held, language=language, reader=chair)
        assert "Gethin Morgan" in html
        for canary in CANARIES:
            assert canary not in html
    assert not any(canary in repr(selectors.minutes_get(meeting=held, reader=chair)) for canary in CANARIES)


def test_draft_minutes_show_what_is_not_decided_yet(matac: Panel, chair: Actor) -> None:
    rfg_run([("SWP-0003", None, "cardiff", 50.0)])
    meeting = f.next_meeting_moved(matac, DAY)
    services.agenda_build(meeting=meeting, actor=chair)
    minutes = selectors.minutes_get(meeting=meeting, reader=chair)
    assert not minutes.quorate and [a.recorded for a in minutes.attendance] == [False] * 6
    assert not minutes.items[0].decided
    assert "No decision recorded" in services.minutes_render(meeting=meeting, language="en", reader=chair)
