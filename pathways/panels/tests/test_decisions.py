"""The panel's decisions: reasons, quorum, the screening record for Drive, and who decided. On the demo
MARAC and MATAC with their cast's seats; each one's next meeting is on the test's day."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from pathways.accounts.models import User
from pathways.assessments.models import ScreeningRound
from pathways.audit.models import AuditEntry
from pathways.core.access import Side
from pathways.core.policy import Actor
from pathways.directory.models import Service
from pathways.factories import actor_of, make_person
from pathways.panels import services
from pathways.panels.choices import Outcome
from pathways.panels.models import AgendaItem, Decision, Panel, PanelMember
from pathways.panels.tests import factories as f
from pathways.panels.tests.factories import on_the_day, quorate, rfg_run
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person, Relationship
from pathways.referrals import screening
from pathways.referrals import services as referrals
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db
DAY = f.meeting_day()


@pytest.fixture
def marac(cast: dict[str, User]) -> Panel:
    panel = Panel.objects.get(slug=f.MARAC)  # quorum 3, refers to Drive Cardiff
    f.next_meeting_moved(panel, DAY)
    return panel


@pytest.fixture
def members(marac: Panel) -> dict[str, PanelMember]:
    """The demo MARAC's seats by the login holding each."""
    return {m.user.username: m for m in marac.members.select_related("user", "agency")}


@pytest.fixture
def chair(cast: dict[str, User]) -> Actor:
    return actor_of(cast["chair"])


def item_for(panel: Panel, who: Person, chair: Actor) -> AgendaItem:
    assert chair.agency is not None
    services.nomination_create(
        panel=panel, person=who, agency=chair.agency, reason="Escalating threats.", actor=chair
    )
    (item,) = services.agenda_build(meeting=f.meeting_on(panel, DAY, chair), actor=chair)
    return item


def drive_screening(cast: dict[str, User], *, taken: bool) -> tuple[Person, ScreeningRound]:
    """A MARAC referral of a man to Drive Cardiff by the demo's MARAC coordinator, and Drive's screening in
    which he was (not) taken; the MARAC hears his partner's case."""
    coordinator = actor_of(cast["coordinator"])
    referral = referrals.referral_service_choose(
        actor=coordinator,
        referral=refer(coordinator, route="marac", risk="high"),
        service_slug="drive-cardiff",
    )
    record = screening.record_screening(
        actor=actor_of(cast["drive"]),
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
    marac: Panel, members: dict[str, PanelMember], chair: Actor
) -> None:
    item = item_for(marac, make_person(side=Side.VICTIM), chair)
    present = {m.pk: (name in ("chair", "idva", "probation"), False) for name, m in members.items()}
    with on_the_day(item.meeting):
        services.meeting_attendance_record(meeting=item.meeting, attendance=present, actor=chair)
    decision = decide(item, chair, outcome=Outcome.DISRUPT, reasons="  Bail conditions; police visit.  ")
    assert (decision.outcome, decision.reasons) == (Outcome.DISRUPT, "Bail conditions; police visit.")
    decided = ["probation-cardiff-vale", "rise-cardiff", "south-wales-police"]
    assert sorted(a.slug for a in decision.decided_by.all()) == decided
    # A later change of attendance does not rewrite who decided.
    with on_the_day(item.meeting):
        services.meeting_attendance_record(
            meeting=item.meeting, attendance={members["socialworker"].pk: (True, False)}, actor=chair
        )
    assert decision.decided_by.count() == 3
    entry = AuditEntry.objects.get(record_type="panel_decision")
    assert entry.details["agencies_present"] == decided


def test_a_decision_without_reasons_is_refused(marac: Panel, chair: Actor) -> None:
    item = item_for(marac, make_person(side=Side.VICTIM), chair)
    quorate(item.meeting, chair)
    with pytest.raises(services.PanelError, match="reasons"):
        decide(item, chair, reasons="   ")
    with pytest.raises(services.PanelError, match="Choose the panel's decision"):
        decide(item, chair, outcome="shrug")
    assert not Decision.objects.exists()


def test_a_panel_that_is_not_quorate_cannot_decide(
    marac: Panel, members: dict[str, PanelMember], chair: Actor
) -> None:
    item = item_for(marac, make_person(side=Side.VICTIM), chair)
    with pytest.raises(services.PanelError, match="not quorate"):
        decide(item, chair)  # no attendance recorded
    with on_the_day(item.meeting):
        services.meeting_attendance_record(
            meeting=item.meeting,
            attendance={members[n].pk: (True, False) for n in ("chair", "idva")},
            actor=chair,
        )
    with pytest.raises(services.PanelError, match=r"not quorate \(2 of 3"):
        decide(item, chair)
    assert not Decision.objects.exists()
    with on_the_day(item.meeting):
        services.meeting_attendance_record(
            meeting=item.meeting, attendance={members["probation"].pk: (True, False)}, actor=chair
        )
    assert decide(item, chair).pk


def test_a_decision_made_again_replaces_the_last_until_the_minutes_are_issued(
    marac: Panel, chair: Actor
) -> None:
    item = item_for(marac, make_person(side=Side.VICTIM), chair)
    quorate(item.meeting, chair)
    first = decide(item, chair)
    second = decide(item, chair, outcome=Outcome.ENFORCEMENT, reasons="New offence disclosed.")
    assert first.pk == second.pk and Decision.objects.get().outcome == Outcome.ENFORCEMENT
    services.meeting_close(meeting=item.meeting, actor=chair)
    with pytest.raises(services.PanelError, match="minutes of this meeting have been issued"):
        decide(item, chair)
    assert Decision.objects.get().outcome == Outcome.ENFORCEMENT


def test_a_review_date_must_follow_the_meeting(marac: Panel, chair: Actor) -> None:
    item = item_for(marac, make_person(side=Side.VICTIM), chair)
    quorate(item.meeting, chair)
    with pytest.raises(services.PanelError, match="review date"):
        decide(item, chair, review_on=DAY)
    assert decide(item, chair, review_on=DAY + datetime.timedelta(days=28)).review_on


def test_referring_to_drive_with_its_screening_record_names_the_screening(
    marac: Panel, chair: Actor, cast: dict[str, User]
) -> None:
    who, record = drive_screening(cast, taken=True)
    item = item_for(marac, who, chair)
    quorate(item.meeting, chair)
    decision = decide(item, chair, outcome=Outcome.REFER_SCREENED, reasons="High harm.", screening=record)
    assert decision.screening == record and decision.referral is None


def test_referring_to_drive_before_it_has_screened_makes_the_referral_drive_then_screens(
    marac: Panel, chair: Actor, cast: dict[str, User]
) -> None:
    who = make_person(given_name="Gareth", family_name="Pugh")
    victim = make_person(given_name="Nerys", family_name="Pugh", side=Side.VICTIM)
    Relationship.objects.create(person=who, other=victim, kind=RelationshipKind.CURRENT_PARTNER)
    item = item_for(marac, victim, chair)
    quorate(item.meeting, chair)
    decision = decide(item, chair, outcome=Outcome.REFER_SCREENED, reasons="High harm; Drive can take him.")
    referral = decision.referral
    assert referral is not None and referral.person == who and referral.service is not None
    assert (referral.service.slug, referral.status, referral.been_to_marac) == (
        "drive-cardiff",
        "triaged",
        True,
    )
    # Its reason names the panel and the day, never the panel's reasons about her case.
    assert "High harm" not in referral.reason and marac.name_en in referral.reason
    # Deciding again finds the referral already open rather than making a second.
    again = decide(item, chair, outcome=Outcome.REFER_SCREENED, reasons="High harm; Drive can take him.")
    assert again.referral == referral


def test_a_screening_in_which_the_person_was_not_taken_does_not_do(
    marac: Panel, chair: Actor, cast: dict[str, User]
) -> None:
    who, record = drive_screening(cast, taken=False)
    item = item_for(marac, who, chair)
    quorate(item.meeting, chair)
    with pytest.raises(services.PanelError, match="was not taken"):
        decide(item, chair, outcome=Outcome.REFER_SCREENED, screening=record)
    with pytest.raises(services.PanelError, match="goes only with a referral"):
        decide(item, chair, outcome=Outcome.SUPPORT, screening=record)
    assert not Decision.objects.exists()


def test_someone_known_only_by_police_reference_cannot_be_referred_to_drive(chair: Actor) -> None:
    matac = Panel.objects.get(slug=f.MATAC)  # refers to Drive Cardiff too
    rfg_run([("SWP-123", None, "cardiff", 88.0)])
    meeting = f.next_meeting_moved(matac, DAY)
    (item,) = services.agenda_build(meeting=meeting, actor=chair)
    quorate(meeting, chair)
    with pytest.raises(services.PanelError, match="Record who this person is"):
        decide(item, chair, outcome=Outcome.REFER_SCREENED)
    assert decide(item, chair, outcome=Outcome.DISRUPT).item.police_reference == "SWP-123"


def test_a_panel_without_a_limited_service_cannot_refer_to_one(chair: Actor, cast: dict[str, User]) -> None:
    daily = Panel.objects.get(slug="daily-cardiff")
    f.seats(daily, cast["chair"], cast["probation"], cast["idva"])
    item = item_for(daily, make_person(side=Side.VICTIM), chair)
    quorate(item.meeting, chair)
    with pytest.raises(services.PanelError, match="does not refer to a service with limited places"):
        decide(item, chair, outcome=Outcome.REFER_SCREENED)
