"""Minutes from the record, in English and Welsh, without anything sealed."""

from __future__ import annotations

import datetime
import re

import pytest

from pathways.core.access import Side
from pathways.core.policy import Actor
from pathways.panels import selectors, services
from pathways.panels.choices import Outcome
from pathways.panels.models import Meeting, Panel, PanelMember
from pathways.panels.tests.meeting_factories import (
    actor_of,
    agency,
    load,
    meeting_day,
    person,
    rfg_run,
    seat,
)

pytestmark = pytest.mark.django_db
DAY = meeting_day()
CANARIES = ("7 Canary Close, Cardiff", "07700 900123", "canary@example.org", "Ysgol Canary")


@pytest.fixture
def matac(region: None) -> Panel:
    return load()["matac-cardiff-and-vale"]


@pytest.fixture
def members(matac: Panel) -> list[PanelMember]:
    return [seat(matac, slug, deputy=slug == "idva") for slug in ("police", "probation", "idva", "housing")]


@pytest.fixture
def held(matac: Panel, members: list[PanelMember]) -> Meeting:
    """A MATAC with two RFG cases (one known only to the police), decided, with actions, minutes issued."""
    chair = actor_of(members[0].user)
    known = person(
        given_name="Gethin",
        family_name="Morgan",
        side=Side.PERPETRATOR,
        address=CANARIES[0],
        phone=CANARIES[1],
    )
    known.email, known.school = CANARIES[2], CANARIES[3]
    known.save()
    rfg_run([("SWP-0001", known, "cardiff", 91.0), ("SWP-0002", None, "vale-of-glamorgan", 80.0)])
    meeting = services.meeting_schedule(panel=matac, held_on=DAY, actor=chair)
    first, second = services.agenda_build(meeting=meeting, actor=chair)
    attendance = {m.pk: (True, False) for m in members[:2]} | {members[2].pk: (False, True)}
    services.meeting_attendance_record(
        meeting=meeting, attendance=attendance | {members[3].pk: (False, False)}, actor=chair
    )
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
        agency=agency("police"),
        due_on=DAY + datetime.timedelta(days=7),
        actor=chair,
    )
    services.decision_record(
        item=second, outcome=Outcome.NO_FURTHER_ACTION, reasons="No recent records.", actor=chair
    )
    return services.meeting_close(meeting=meeting, actor=chair)


def _chair(meeting: Meeting) -> Actor:
    return actor_of(meeting.panel.members.get(agency__slug="police").user)


def test_the_minutes_hold_the_record(held: Meeting) -> None:
    minutes = selectors.minutes_get(meeting=held, reader=_chair(held))
    assert (minutes.panel_name, minutes.held_on, minutes.quorate) == ("Cardiff and Vale MATAC", DAY, True)
    assert sorted(minutes.agencies_present) == ["Idva", "Police", "Probation"]
    assert minutes.agencies_missing == ["Housing"]
    attended = {a.agency_name: (a.present, a.by_deputy) for a in minutes.attendance}
    assert attended == {
        "Police": (True, False),
        "Probation": (True, False),
        "Idva": (True, True),
        "Housing": (False, False),
    }
    first, second = minutes.items
    assert (first.person_label, first.outcome, first.reasons) == (
        "Gethin Morgan",
        Outcome.DISRUPT,
        "Three victims in two years; disruption agreed.",
    )
    assert first.decided_by == ["Idva", "Police", "Probation"]
    assert [(a.description, a.agency_name) for a in first.actions] == [("Check bail conditions.", "Police")]
    assert second.person_label == "Police reference SWP-0002" and second.outcome == Outcome.NO_FURTHER_ACTION


def _data(html: str) -> list[str]:
    """The record's data in a rendering: outcomes, positions, quorum and the free text typed at the table."""
    return re.findall(r'data-(?:outcome|position|quorate)="([^"]*)"', html)


def test_minutes_in_english_and_welsh_come_from_the_same_record(held: Meeting) -> None:
    english, welsh = (
        services.minutes_render(meeting=held, language="en", reader=_chair(held)),
        services.minutes_render(meeting=held, language="cy", reader=_chair(held)),
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


def test_minutes_never_show_sealed_details(held: Meeting) -> None:
    for language in ("en", "cy"):
        html = services.minutes_render(meeting=held, language=language, reader=_chair(held))
        assert "Gethin Morgan" in html
        for canary in CANARIES:
            assert canary not in html
    assert not any(
        canary in repr(selectors.minutes_get(meeting=held, reader=_chair(held))) for canary in CANARIES
    )


def test_draft_minutes_show_what_is_not_decided_yet(matac: Panel, members: list[PanelMember]) -> None:
    chair = actor_of(members[0].user)
    rfg_run([("SWP-0003", None, "cardiff", 50.0)])
    meeting = services.meeting_schedule(panel=matac, held_on=DAY, actor=chair)
    services.agenda_build(meeting=meeting, actor=chair)
    minutes = selectors.minutes_get(meeting=meeting, reader=_chair(meeting))
    assert not minutes.quorate and [a.recorded for a in minutes.attendance] == [False] * 4
    assert not minutes.items[0].decided
    assert "No decision recorded" in services.minutes_render(
        meeting=meeting, language="en", reader=_chair(meeting)
    )
