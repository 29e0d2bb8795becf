"""Members, the meeting schedule and quorum, on the demo's panels and with its cast."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from pathways.accounts.models import User
from pathways.core.policy import Actor
from pathways.factories import actor_of, agency_of, make_staff
from pathways.panels import selectors, services
from pathways.panels.choices import MeetingStatus
from pathways.panels.models import Panel
from pathways.panels.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def panels(cast: dict[str, User]) -> dict[str, Panel]:
    return f.panels_by_slug()


@pytest.fixture
def chair(cast: dict[str, User]) -> Actor:
    return actor_of(cast["chair"])


def test_a_member_must_work_for_the_agency_whose_seat_they_hold(
    panels: dict[str, Panel], cast: dict[str, User]
) -> None:
    marac, officer = panels["marac-cardiff"], cast["matac"]  # at the police, with no seat on the MARAC
    police, probation = (agency_of(cast[name]) for name in ("chair", "probation"))
    with pytest.raises(services.PanelError, match="does not work for"):
        services.panel_member_add(panel=marac, agency=probation, user=officer, role="member")
    with pytest.raises(services.PanelError, match="deputy must also work for"):
        services.panel_member_add(
            panel=marac, agency=police, user=officer, role="member", deputy=cast["probation"]
        )
    member = services.panel_member_add(
        panel=marac, agency=police, user=officer, role="chair", deputy=cast["chair"]
    )
    assert member.deputy == cast["chair"]
    with pytest.raises(services.PanelError, match="already has a seat"):
        services.panel_member_add(panel=marac, agency=police, user=officer, role="member")


def test_meetings_follow_the_panels_cadence(panels: dict[str, Panel], chair: Actor) -> None:
    vale, today = panels["marac-vale"], timezone.localdate()  # fortnightly, and not met in the demo
    first = services.meeting_schedule(panel=vale, actor=chair)
    second = services.meeting_schedule(panel=vale, actor=chair)
    assert (first.held_on, second.held_on) == (today, today + datetime.timedelta(days=14))
    assert first.status == MeetingStatus.PLANNED
    with pytest.raises(services.PanelError, match="already meets on"):
        services.meeting_schedule(panel=vale, held_on=second.held_on, actor=chair)
    # The demo MARAC's next meeting is a week on: the one after it is a fortnight after that.
    marac = panels["marac-cardiff"]
    demo_next = marac.meetings.get()
    assert services.meeting_schedule(panel=marac, actor=chair).held_on == demo_next.held_on + (
        datetime.timedelta(days=14)
    )
    daily = panels["daily-cardiff"]
    services.meeting_schedule(panel=daily, held_on=today - datetime.timedelta(days=10), actor=chair)
    # A long gap: the next date on the cadence that is not in the past.
    assert services.meeting_schedule(panel=daily, actor=chair).held_on == today
    dapp = panels["dapp-cardiff-and-vale"]  # four-weekly
    services.meeting_schedule(panel=dapp, held_on=today - datetime.timedelta(days=30), actor=chair)
    assert services.meeting_schedule(panel=dapp, actor=chair).held_on == today + datetime.timedelta(days=26)


def test_an_inactive_panel_is_not_scheduled(panels: dict[str, Panel], chair: Actor) -> None:
    Panel.objects.filter(pk=panels["marac-vale"].pk).update(is_active=False)
    with pytest.raises(services.PanelError, match="no longer meets"):
        services.meeting_schedule(panel=Panel.objects.get(slug="marac-vale"), actor=chair)


def test_quorum_counts_member_agencies_present_in_person_or_by_deputy(
    panels: dict[str, Panel], chair: Actor, cast: dict[str, User]
) -> None:
    marac = panels["marac-cardiff"]  # quorum 3, six seats in the demo
    seats = {m.user.username: m for m in marac.members.select_related("user")}
    police, idva, probation, drive = (seats[name] for name in ("chair", "idva", "probation", "drive"))
    police_too = f.seat(marac, cast["matac"])  # a second seat for the same agency: still one agency
    probation.deputy = make_staff(probation.agency)  # a colleague who can stand in for the officer
    probation.save(update_fields=["deputy"])
    meeting = marac.meetings.get()  # the demo's next MARAC
    with f.on_the_day(meeting):
        services.meeting_attendance_record(
            meeting=meeting,
            attendance={police.pk: (True, False), police_too.pk: (True, False), idva.pk: (True, False)},
            actor=chair,
        )
    below = selectors.meeting_quorum(meeting=meeting)
    assert not below.quorate and below.needed == 3
    assert sorted(a.slug for a in below.present) == ["rise-cardiff", "south-wales-police"]
    assert sorted(a.slug for a in below.missing) == [
        "cardiff-childrens-services",
        "drive-cardiff",
        "marac-cardiff",
        "probation-cardiff-vale",
    ]
    with f.on_the_day(meeting):
        services.meeting_attendance_record(
            meeting=meeting, attendance={probation.pk: (False, True)}, actor=chair
        )  # the deputy came
    at = selectors.meeting_quorum(meeting=meeting)
    assert at.quorate and len(at.present) == 3
    with f.on_the_day(meeting):
        services.meeting_attendance_record(meeting=meeting, attendance={idva.pk: (False, False)}, actor=chair)
    assert not selectors.meeting_quorum(meeting=meeting).quorate
    assert meeting.__class__.objects.get(pk=meeting.pk).status == MeetingStatus.HELD
    with pytest.raises(services.PanelError, match="no deputy"), f.on_the_day(meeting):
        services.meeting_attendance_record(meeting=meeting, attendance={drive.pk: (False, True)}, actor=chair)


def test_attendance_is_only_for_the_panels_members(
    panels: dict[str, Panel], chair: Actor, cast: dict[str, User]
) -> None:
    other = f.seat(panels["marac-vale"], cast["matac"])  # a seat on the Vale's MARAC, not Cardiff's
    meeting = panels["marac-cardiff"].meetings.get()
    with pytest.raises(services.PanelError, match="Only the panel's members"), f.on_the_day(meeting):
        services.meeting_attendance_record(meeting=meeting, attendance={other.pk: (True, False)}, actor=chair)
    assert not meeting.attendance.exists()
