"""Building a meeting's agenda: MARAC criteria, repeats, RFG top scores, nominations and case reviews. On the
demo's panels, with its chair and IDVA; the demo MARAC's and MATAC's next meetings are on the test's day."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from pathways.accounts.models import User
from pathways.audit.models import AuditEntry
from pathways.core.access import Side
from pathways.core.policy import Actor
from pathways.factories import actor_of, agency_of, make_person
from pathways.panels import services
from pathways.panels.choices import AgendaReason, MeetingStatus
from pathways.panels.models import AgendaItem, Meeting, Panel, RfgNomination
from pathways.panels.tests import factories as f
from pathways.panels.tests.factories import assess, quorate, rfg_run
from pathways.referrals.choices import Status
from pathways.referrals.tests.factories import refer

VICTIM = Side.VICTIM

pytestmark = pytest.mark.django_db
DAY = f.meeting_day()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def panels(cast: dict[str, User]) -> dict[str, Panel]:
    found = f.panels_by_slug()
    for slug in ("dapp-cardiff-and-vale", "daily-cardiff"):  # the demo seats the MARAC and the MATAC only
        f.seats(found[slug], cast["chair"], cast["probation"], cast["idva"])
    for slug in (f.MARAC, f.MATAC):
        f.next_meeting_moved(found[slug], DAY)
    return found


@pytest.fixture
def chair(cast: dict[str, User]) -> Actor:
    return actor_of(cast["chair"])


@pytest.fixture
def idva(cast: dict[str, User]) -> Actor:
    return actor_of(cast["idva"])


def meeting(panel: Panel, chair: Actor, on: datetime.date = DAY) -> Meeting:
    return f.meeting_on(panel, on, chair)


def agenda(items: list[AgendaItem]) -> dict[Any, AgendaItem]:
    return {item.person_id or item.police_reference: item for item in items}


def decide(item: AgendaItem, chair: Actor, **extra: Any) -> None:
    quorate(item.meeting, chair)
    services.decision_record(
        item=item, outcome="support", reasons="Agreed at the table.", actor=chair, **extra
    )


def test_marac_cases_meeting_the_criteria_are_on_the_agenda_and_others_are_not(
    panels: dict[str, Panel], chair: Actor, idva: Actor
) -> None:
    marac = panels["marac-cardiff"]
    high = make_person(side=VICTIM)
    assess(idva, high, DAY - days(3))
    low = make_person(side=VICTIM)
    assess(idva, low, DAY - days(3), yes=6)
    elsewhere = make_person(side=VICTIM, area="vale-of-glamorgan")
    assess(idva, elsewhere, DAY - days(3))
    too_early = make_person(
        side=VICTIM
    )  # before the window (the first meeting looks back one cadence, 14 days)
    assess(idva, too_early, DAY - days(20))
    improved = make_person(side=VICTIM)  # met the criteria, but the latest assessment does not
    assess(idva, improved, DAY - days(10))
    assess(idva, improved, DAY - days(2), yes=5)
    judged = make_person(side=VICTIM)  # professional judgement alone meets the criteria
    assess(
        idva, judged, DAY - days(1), yes=2, professional_judgement="yes", judgement_reason="Threats to kill."
    )
    items = agenda(services.agenda_build(meeting=meeting(marac, chair), actor=chair))
    assert set(items) == {high.pk, judged.pk}
    first = items[high.pk]
    assert (first.reason, first.repeat, first.referring_agency_id) == (
        AgendaReason.MARAC_CRITERIA,
        False,
        idva.agency.pk,  # type: ignore[union-attr]
    )
    assert first.assessment is not None
    # Waited longest first.
    assert [i.person_id for i in AgendaItem.objects.order_by("position")] == [high.pk, judged.pk]
    assert AuditEntry.objects.filter(record_type="meeting_agenda").count() == 1


def test_a_case_heard_is_not_heard_again_at_the_next_meeting(
    panels: dict[str, Panel], chair: Actor, idva: Actor
) -> None:
    marac = panels["marac-cardiff"]
    victim = make_person(side=VICTIM)
    assess(idva, victim, DAY)  # on the day of the first meeting: inside the next meeting's window too
    first = services.agenda_build(meeting=meeting(marac, chair), actor=chair)
    decide(first[0], chair)
    services.meeting_close(meeting=first[0].meeting, actor=chair)
    assert services.agenda_build(meeting=meeting(marac, chair, DAY + days(14)), actor=chair) == []


def test_a_case_the_last_meeting_did_not_decide_is_heard_next_time(
    panels: dict[str, Panel], chair: Actor, idva: Actor
) -> None:
    marac = panels["marac-cardiff"]
    victim = make_person(side=VICTIM)
    assess(idva, victim, DAY)
    first = services.agenda_build(meeting=meeting(marac, chair), actor=chair)
    services.meeting_close(meeting=first[0].meeting, actor=chair)
    again = services.agenda_build(meeting=meeting(marac, chair, DAY + days(14)), actor=chair)
    assert [i.person_id for i in again] == [victim.pk]


@pytest.mark.parametrize(("gap", "repeat"), [(364, True), (365, True), (366, False)])
def test_a_case_back_within_twelve_months_of_its_last_marac_is_a_repeat(
    panels: dict[str, Panel], chair: Actor, idva: Actor, gap: int, repeat: bool
) -> None:
    marac = panels["marac-cardiff"]
    victim = make_person(side=VICTIM)
    earlier = meeting(marac, chair, DAY - days(gap))
    AgendaItem.objects.create(meeting=earlier, person=victim, reason=AgendaReason.MARAC_CRITERIA, position=1)
    Meeting.objects.filter(pk=earlier.pk).update(status=MeetingStatus.HELD)
    assess(idva, victim, DAY)
    items = agenda(services.agenda_build(meeting=meeting(marac, chair), actor=chair))
    item = items[victim.pk]
    assert item.repeat is repeat
    assert item.reason == (AgendaReason.REPEAT if repeat else AgendaReason.MARAC_CRITERIA)


def test_a_repeat_told_by_the_assessment_is_flagged(
    panels: dict[str, Panel], chair: Actor, idva: Actor
) -> None:
    victim = make_person(side=VICTIM)
    last = (DAY - days(100)).isoformat()
    assess(idva, victim, DAY - days(1), last_marac_referral=last, incident_date=(DAY - days(2)).isoformat())
    (item,) = services.agenda_build(meeting=meeting(panels["daily-cardiff"], chair), actor=chair)
    assert item.repeat and item.reason == AgendaReason.REPEAT


def test_matac_hears_the_top_scores_per_area_among_people_not_already_being_worked_with(
    panels: dict[str, Panel], chair: Actor
) -> None:
    matac = panels["matac-cardiff-and-vale"]  # top 4 per area
    cardiff = [make_person() for _ in range(6)]
    vale = [make_person(area="vale-of-glamorgan") for _ in range(5)]
    run = rfg_run(
        [(f"C{n}", p, "cardiff", 90.0 - n) for n, p in enumerate(cardiff)]
        + [(f"V{n}", p, "vale-of-glamorgan", 80.0 - n) for n, p in enumerate(vale)]
        + [("POLICE-ONLY", None, "vale-of-glamorgan", 99.0)]
    )
    referral = refer(None, partner=False, children=0)
    referral.person = cardiff[1]
    referral.status = Status.STARTED
    referral.save()
    items = services.agenda_build(meeting=meeting(matac, chair), actor=chair)
    heard = agenda(items)
    assert {cardiff[n].pk for n in (0, 2, 3, 4)} <= set(heard)  # the fifth moved up past the one in work
    assert cardiff[1].pk not in heard and cardiff[5].pk not in heard
    assert {vale[n].pk for n in (0, 1, 2)} <= set(heard) and vale[3].pk not in heard
    police_only = heard["POLICE-ONLY"]
    assert police_only.person is None and police_only.reason == AgendaReason.RFG
    assert len(items) == 8
    assert all(i.rfg_score is not None for i in items)
    assert [i.rfg_score.score for i in items] == sorted((i.rfg_score.score for i in items), reverse=True)  # type: ignore[union-attr]
    assert Meeting.objects.get(pk=items[0].meeting_id).rfg_run == run


def test_a_nomination_appears_once_and_is_heard_once(
    panels: dict[str, Panel], chair: Actor, cast: dict[str, User]
) -> None:
    matac = panels["matac-cardiff-and-vale"]
    serial = make_person()
    rfg_run([("C1", serial, "cardiff", 70.0)])
    police, probation = agency_of(cast["chair"]), agency_of(cast["probation"])
    services.nomination_create(
        panel=matac, person=serial, agency=police, reason="Three partners in two years.", actor=chair
    )
    services.nomination_create(
        panel=matac, person=serial, agency=probation, reason="Breached his order.", actor=chair
    )
    with pytest.raises(services.PanelError, match="already referred this person in"):
        services.nomination_create(panel=matac, person=serial, agency=police, reason="Again.", actor=chair)
    with pytest.raises(services.PanelError, match="Say why"):
        services.nomination_create(panel=matac, person=make_person(), agency=police, reason="  ", actor=chair)
    first = meeting(matac, chair)
    (item,) = services.agenda_build(meeting=first, actor=chair)
    assert (item.person_id, item.reason, item.other_reasons) == (serial.pk, AgendaReason.RFG, ["nominated"])
    (again,) = services.agenda_build(meeting=first, actor=chair)  # rebuilt: still once
    assert again.person_id == serial.pk
    decide(again, chair)
    services.meeting_close(meeting=first, actor=chair)
    assert RfgNomination.objects.filter(heard_at=first).count() == 2
    # Still among the top scores next time, but the referrals in were heard.
    (next_time,) = services.agenda_build(meeting=meeting(matac, chair, DAY + days(28)), actor=chair)
    assert (next_time.reason, next_time.other_reasons, next_time.nomination) == (AgendaReason.RFG, [], None)


def test_a_case_the_panel_is_working_with_leaves_the_rfg_list_until_its_review(
    panels: dict[str, Panel], chair: Actor
) -> None:
    matac = panels["matac-cardiff-and-vale"]
    serial, next_one = make_person(), make_person()
    rfg_run([("C1", serial, "cardiff", 70.0), ("C2", next_one, "cardiff", 60.0)])
    Panel.objects.filter(pk=matac.pk).update(top_n=1)
    matac.refresh_from_db()
    first = meeting(matac, chair)
    (item,) = services.agenda_build(meeting=first, actor=chair)
    decide(item, chair, review_on=DAY + days(56))
    services.meeting_close(meeting=first, actor=chair)
    (then,) = services.agenda_build(meeting=meeting(matac, chair, DAY + days(28)), actor=chair)
    assert then.person_id == next_one.pk


def test_a_nomination_on_a_panel_without_rfg_is_heard(
    panels: dict[str, Panel], chair: Actor, cast: dict[str, User]
) -> None:
    dapp = panels["dapp-cardiff-and-vale"]
    someone = make_person()
    services.nomination_create(
        panel=dapp,
        person=someone,
        agency=agency_of(cast["socialworker"]),
        reason="Children at risk.",
        actor=chair,
    )
    (item,) = services.agenda_build(meeting=meeting(dapp, chair), actor=chair)
    assert (item.reason, item.referring_agency.slug) == (AgendaReason.NOMINATED, "cardiff-childrens-services")  # type: ignore[union-attr]


def test_a_case_review_falls_due_and_is_listed_first(
    panels: dict[str, Panel], chair: Actor, cast: dict[str, User]
) -> None:
    dapp = panels["dapp-cardiff-and-vale"]
    reviewed, new = make_person(), make_person()
    services.nomination_create(
        panel=dapp,
        person=reviewed,
        agency=agency_of(cast["probation"]),
        reason="Starting a programme.",
        actor=chair,
    )
    first = meeting(dapp, chair)
    (item,) = services.agenda_build(meeting=first, actor=chair)
    decide(item, chair, review_on=DAY + days(56))
    services.meeting_close(meeting=first, actor=chair)
    services.nomination_create(
        panel=dapp, person=new, agency=agency_of(cast["probation"]), reason="New case.", actor=chair
    )
    early = meeting(dapp, chair, DAY + days(28))
    assert [i.person_id for i in services.agenda_build(meeting=early, actor=chair)] == [new.pk]
    due = meeting(dapp, chair, DAY + days(56))
    services.nomination_create(
        panel=dapp, person=reviewed, agency=agency_of(cast["chair"]), reason="New incident.", actor=chair
    )
    items = services.agenda_build(meeting=due, actor=chair)
    assert [i.person_id for i in items] == [reviewed.pk]  # the new case waits at the open meeting
    assert (items[0].reason, items[0].other_reasons) == (AgendaReason.CASE_REVIEW, ["nominated"])
    assert items[0].review_of == item.decision
    decide(items[0], chair)
    assert services.agenda_build(meeting=meeting(dapp, chair, DAY + days(84)), actor=chair) == []


def test_an_agenda_for_a_panel_with_no_members_is_refused_and_nothing_changes(
    panels: dict[str, Panel], chair: Actor, cast: dict[str, User]
) -> None:
    victim = make_person(side=VICTIM, area="vale-of-glamorgan")
    assess(actor_of(cast["idva-elsewhere"]), victim, DAY)  # an IDVA in the Vale
    empty = meeting(panels["marac-vale"], chair)  # the demo seats nobody on the Vale's MARAC
    with pytest.raises(services.PanelError, match="no members"):
        services.agenda_build(meeting=empty, actor=chair)
    assert not AgendaItem.objects.exists()
    assert Meeting.objects.get(pk=empty.pk).agenda_built_at is None
    assert not AuditEntry.objects.filter(record_type="meeting_agenda").exists()


def test_rebuilding_keeps_decided_items_and_replaces_the_rest(
    panels: dict[str, Panel], chair: Actor, idva: Actor
) -> None:
    marac = panels["marac-cardiff"]
    decided, undecided, late = make_person(side=VICTIM), make_person(side=VICTIM), make_person(side=VICTIM)
    assess(idva, decided, DAY - days(5))
    assess(idva, undecided, DAY - days(4))
    target = meeting(marac, chair)
    first = services.agenda_build(meeting=target, actor=chair)
    decide(first[0], chair)
    assess(idva, late, DAY - days(6))
    rebuilt = services.agenda_build(meeting=target, actor=chair)
    assert [i.person_id for i in rebuilt] == [late.pk, decided.pk, undecided.pk]
    assert rebuilt[1].pk == first[0].pk and rebuilt[2].pk != first[1].pk


def test_an_agenda_is_not_built_for_a_closed_or_past_meeting(panels: dict[str, Panel], chair: Actor) -> None:
    marac = panels["marac-cardiff"]
    past = meeting(marac, chair, timezone.localdate() - days(1))
    with pytest.raises(services.PanelError, match="already been held"):
        services.agenda_build(meeting=past, actor=chair)
    closed = meeting(marac, chair)
    services.meeting_close(meeting=closed, actor=chair)
    with pytest.raises(services.PanelError, match="minutes of this meeting have been issued"):
        services.agenda_build(meeting=closed, actor=chair)
