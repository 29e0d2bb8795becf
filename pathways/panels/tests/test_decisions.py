"""The panel's decisions: reasons, quorum, the screening record for Drive, and who decided."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from pathways.assessments.models import ScreeningRound
from pathways.audit.models import AuditEntry
from pathways.core.policy import Actor
from pathways.directory.models import Service
from pathways.panels import services
from pathways.panels.choices import Outcome
from pathways.panels.models import AgendaItem, Decision, Panel, PanelMember
from pathways.panels.tests.meeting_factories import (
    actor_of,
    agency,
    load,
    meeting_day,
    person,
    quorate,
    rfg_run,
    seat,
)
from pathways.people.models import Person
from pathways.referrals import screening
from pathways.referrals import services as referrals
from pathways.referrals.tests.factories import actor_of as referral_actor
from pathways.referrals.tests.factories import agency_running, refer, staff

pytestmark = pytest.mark.django_db
DAY = meeting_day()


@pytest.fixture
def marac(region: None) -> Panel:
    return load()["marac-cardiff"]  # quorum 3, refers to Drive Cardiff


@pytest.fixture
def members(marac: Panel) -> list[PanelMember]:
    return [seat(marac, slug) for slug in ("police", "idva", "probation", "health")]


@pytest.fixture
def chair(members: list[PanelMember]) -> Actor:
    return actor_of(members[0].user)


def item_for(panel: Panel, who: Person, chair: Actor) -> AgendaItem:
    services.nomination_create(
        panel=panel, person=who, agency=agency("police"), reason="Escalating threats.", actor=chair
    )
    meeting = services.meeting_schedule(panel=panel, held_on=DAY, actor=chair)
    (item,) = services.agenda_build(meeting=meeting, actor=chair)
    return item


def drive_screening(taken: bool) -> tuple[Person, ScreeningRound]:
    """A MARAC referral of a man to Drive Cardiff, and Drive's screening in which he was (not) taken; the
    MARAC hears his partner's case."""
    coordinator = referral_actor(staff("marac-coordinator", agency_running("marac-office", "other")))
    referral = referrals.referral_service_choose(
        actor=coordinator,
        referral=refer(coordinator, route="marac", risk="high"),
        service_slug="drive-cardiff",
    )
    drive = referral_actor(
        staff("drive-worker", agency_running("drive", "perpetrator_service", "drive-cardiff"))
    )
    record = screening.record_screening(
        actor=drive,
        service=Service.objects.get(slug="drive-cardiff"),
        places=1,
        held_on=DAY - datetime.timedelta(days=2),
        decisions={str(referral.pk): (taken, "" if taken else "No places left for lower harm.")},
    )
    assert referral.partner is not None
    return referral.partner, record


def decide(item: AgendaItem, chair: Actor, **given: Any) -> Decision:
    arguments: dict[str, Any] = {"outcome": Outcome.SUPPORT, "reasons": "Support through the IDVA."}
    return services.decision_record(item=item, **{**arguments, **given}, actor=chair)


def test_the_panel_decides_with_reasons_and_the_agencies_present_are_kept(
    marac: Panel, members: list[PanelMember], chair: Actor
) -> None:
    item = item_for(marac, person(), chair)
    present = {m.pk: (m.agency.slug != "health", False) for m in members}
    services.meeting_attendance_record(meeting=item.meeting, attendance=present, actor=chair)
    decision = decide(item, chair, outcome=Outcome.DISRUPT, reasons="  Bail conditions; police visit.  ")
    assert (decision.outcome, decision.reasons) == (Outcome.DISRUPT, "Bail conditions; police visit.")
    assert sorted(a.slug for a in decision.decided_by.all()) == ["idva", "police", "probation"]
    # A later change of attendance does not rewrite who decided.
    services.meeting_attendance_record(
        meeting=item.meeting, attendance={members[3].pk: (True, False)}, actor=chair
    )
    assert decision.decided_by.count() == 3
    entry = AuditEntry.objects.get(record_type="panel_decision")
    assert entry.details["agencies_present"] == ["idva", "police", "probation"]


def test_a_decision_without_reasons_is_refused(marac: Panel, chair: Actor) -> None:
    item = item_for(marac, person(), chair)
    quorate(item.meeting, chair)
    with pytest.raises(services.PanelError, match="reasons"):
        decide(item, chair, reasons="   ")
    with pytest.raises(services.PanelError, match="Choose the panel's decision"):
        decide(item, chair, outcome="shrug")
    assert not Decision.objects.exists()


def test_a_panel_that_is_not_quorate_cannot_decide(
    marac: Panel, members: list[PanelMember], chair: Actor
) -> None:
    item = item_for(marac, person(), chair)
    with pytest.raises(services.PanelError, match="not quorate"):
        decide(item, chair)  # no attendance recorded
    services.meeting_attendance_record(
        meeting=item.meeting, attendance={m.pk: (True, False) for m in members[:2]}, actor=chair
    )
    with pytest.raises(services.PanelError, match=r"not quorate \(2 of 3"):
        decide(item, chair)
    assert not Decision.objects.exists()
    services.meeting_attendance_record(
        meeting=item.meeting, attendance={members[2].pk: (True, False)}, actor=chair
    )
    assert decide(item, chair).pk


def test_a_decision_made_again_replaces_the_last_until_the_minutes_are_issued(
    marac: Panel, chair: Actor
) -> None:
    item = item_for(marac, person(), chair)
    quorate(item.meeting, chair)
    first = decide(item, chair)
    second = decide(item, chair, outcome=Outcome.ENFORCEMENT, reasons="New offence disclosed.")
    assert first.pk == second.pk and Decision.objects.get().outcome == Outcome.ENFORCEMENT
    services.meeting_close(meeting=item.meeting, actor=chair)
    with pytest.raises(services.PanelError, match="minutes of this meeting have been issued"):
        decide(item, chair)
    assert Decision.objects.get().outcome == Outcome.ENFORCEMENT


def test_a_review_date_must_follow_the_meeting(marac: Panel, chair: Actor) -> None:
    item = item_for(marac, person(), chair)
    quorate(item.meeting, chair)
    with pytest.raises(services.PanelError, match="review date"):
        decide(item, chair, review_on=DAY)
    assert decide(item, chair, review_on=DAY + datetime.timedelta(days=28)).review_on


def test_referring_to_drive_needs_drives_screening_record_in_which_the_person_was_taken(
    marac: Panel, chair: Actor
) -> None:
    who, record = drive_screening(taken=True)
    item = item_for(marac, who, chair)
    quorate(item.meeting, chair)
    with pytest.raises(services.PanelError, match="needs its screening record"):
        decide(item, chair, outcome=Outcome.REFER_SCREENED, reasons="High harm; Drive can take him.")
    assert not Decision.objects.exists()
    decision = decide(item, chair, outcome=Outcome.REFER_SCREENED, reasons="High harm.", screening=record)
    assert decision.screening == record


def test_a_screening_in_which_the_person_was_not_taken_does_not_do(marac: Panel, chair: Actor) -> None:
    who, record = drive_screening(taken=False)
    item = item_for(marac, who, chair)
    quorate(item.meeting, chair)
    with pytest.raises(services.PanelError, match="was not taken"):
        decide(item, chair, outcome=Outcome.REFER_SCREENED, screening=record)
    with pytest.raises(services.PanelError, match="goes only with a referral"):
        decide(item, chair, outcome=Outcome.SUPPORT, screening=record)
    assert not Decision.objects.exists()


def test_someone_known_only_by_police_reference_cannot_be_referred_to_drive(region: None) -> None:
    matac = load()["matac-cardiff-and-vale"]
    members = [seat(matac, slug) for slug in ("police", "probation", "idva")]
    chair = actor_of(members[0].user)
    rfg_run([("SWP-123", None, "cardiff", 88.0)])
    meeting = services.meeting_schedule(panel=matac, held_on=DAY, actor=chair)
    (item,) = services.agenda_build(meeting=meeting, actor=chair)
    quorate(meeting, chair)
    with pytest.raises(services.PanelError, match="Record who this person is"):
        decide(item, chair, outcome=Outcome.REFER_SCREENED)
    assert decide(item, chair, outcome=Outcome.DISRUPT).item.police_reference == "SWP-123"


def test_a_panel_without_a_limited_service_cannot_refer_to_one(region: None) -> None:
    daily = load()["daily-cardiff"]
    members = [seat(daily, slug) for slug in ("police", "probation", "idva")]
    chair = actor_of(members[0].user)
    item = item_for(daily, person(), chair)
    quorate(item.meeting, chair)
    with pytest.raises(services.PanelError, match="does not refer to a service with limited places"):
        decide(item, chair, outcome=Outcome.REFER_SCREENED)
