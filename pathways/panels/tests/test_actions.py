"""Actions from a panel: member agencies only, owners from that agency, due dates, chasing when overdue. On
the region's perpetrator panel, with the demo's chair, probation officer and IDVA seated on it."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from pathways.accounts.models import Agency, User
from pathways.audit.models import AuditEntry
from pathways.core.policy import Actor
from pathways.factories import actor_of, agency_of, make_person
from pathways.panels import selectors, services
from pathways.panels.choices import ActionStatus, MemberRole
from pathways.panels.models import Action, AgendaItem, Panel, PanelMember
from pathways.panels.tests import factories as f

pytestmark = pytest.mark.django_db
DAY = f.meeting_day()


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def dapp(cast: dict[str, User]) -> Panel:
    return Panel.objects.get(slug="dapp-cardiff-and-vale")


@pytest.fixture
def members(dapp: Panel, cast: dict[str, User]) -> list[PanelMember]:
    return [
        f.seat(dapp, cast["chair"], MemberRole.CHAIR),
        f.seat(dapp, cast["probation"]),
        f.seat(dapp, cast["idva"]),
    ]


@pytest.fixture
def chair(members: list[PanelMember]) -> Actor:
    return actor_of(members[0].user)


@pytest.fixture
def probation(cast: dict[str, User]) -> Agency:
    return agency_of(cast["probation"])


@pytest.fixture
def item(dapp: Panel, chair: Actor) -> AgendaItem:
    services.nomination_create(
        panel=dapp,
        person=make_person(family_name="Canary-Surname"),
        agency=agency_of(chair.user),
        reason="Stalking.",
        actor=chair,
    )
    (built,) = services.agenda_build(
        meeting=services.meeting_schedule(panel=dapp, held_on=DAY, actor=chair), actor=chair
    )
    return built


def act(item: AgendaItem, chair: Actor, agency: Agency, due: int = 7, **extra: object) -> Action:
    return services.action_create(
        item=item, description="Visit and review licence conditions.", agency=agency,
        due_on=DAY + days(due), actor=chair, **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_an_action_goes_to_an_agency_with_a_seat(
    item: AgendaItem, chair: Actor, probation: Agency, cast: dict[str, User]
) -> None:
    with pytest.raises(services.PanelError, match="has no seat on this panel"):
        act(item, chair, agency_of(cast["outsider"]))
    assert not Action.objects.exists()
    action = act(item, chair, probation)
    assert (action.agency.slug, action.status, action.owner) == (
        "probation-cardiff-vale",
        ActionStatus.OPEN,
        None,
    )
    assert AuditEntry.objects.filter(record_type="panel_action", action="record.created").count() == 1


def test_an_actions_owner_works_for_its_agency(
    item: AgendaItem, chair: Actor, probation: Agency, cast: dict[str, User]
) -> None:
    with pytest.raises(services.PanelError, match="does not work for"):
        act(item, chair, probation, owner=cast["chair"])  # a police officer owning probation's action
    officer = cast["probation"]
    assert act(item, chair, probation, owner=officer).owner == officer


def test_an_action_cannot_fall_due_before_its_meeting(
    item: AgendaItem, chair: Actor, probation: Agency
) -> None:
    with pytest.raises(services.PanelError, match="before the meeting"):
        act(item, chair, probation, due=-1)
    assert act(item, chair, probation, due=0).due_on == DAY
    with pytest.raises(services.PanelError, match="what the action is"):
        services.action_create(item=item, description=" ", agency=probation, due_on=DAY, actor=chair)


def test_after_the_minutes_actions_are_fixed_but_their_status_still_moves(
    item: AgendaItem, chair: Actor, probation: Agency
) -> None:
    action = act(item, chair, probation)
    services.meeting_close(meeting=item.meeting, actor=chair)
    with pytest.raises(services.PanelError, match="minutes of this meeting have been issued"):
        act(item, chair, probation)
    done = services.action_update(action=action, status=ActionStatus.DONE, actor=chair)
    assert done.status == ActionStatus.DONE and done.completed_on is not None
    reopened = services.action_update(action=action, status=ActionStatus.OPEN, actor=chair)
    assert reopened.completed_on is None
    with pytest.raises(services.PanelError, match="status"):
        services.action_update(action=action, status="forgotten", actor=chair)


def test_overdue_actions_are_listed_by_agency(
    item: AgendaItem, chair: Actor, probation: Agency, cast: dict[str, User]
) -> None:
    late = act(item, chair, probation, due=1)
    act(item, chair, agency_of(cast["idva"]), due=1)
    act(item, chair, probation, due=30)
    done = act(item, chair, probation, due=1)
    services.action_update(action=done, status=ActionStatus.DONE, actor=chair)
    after = DAY + days(2)
    overdue = {a.agency.slug for a in selectors.actions_overdue(today=after)}
    assert overdue == {"probation-cardiff-vale", "rise-cardiff"}
    assert list(selectors.actions_overdue(today=after, agency=probation)) == [late]
    assert list(selectors.actions_overdue(today=DAY + days(1))) == []  # due today is not overdue
    mine = list(selectors.actions_for_agency(agency=probation))
    assert mine[-1] == done and [a.due_on for a in mine[:2]] == [DAY + days(1), DAY + days(30)]


def test_an_overdue_action_is_chased_once_a_day(item: AgendaItem, chair: Actor, probation: Agency) -> None:
    action = act(item, chair, probation, due=1)
    after = DAY + days(3)
    assert services.actions_chase_overdue_count(today=after, actor=None) == 1
    assert services.actions_chase_overdue_count(today=after, actor=None) == 0
    assert Action.objects.get(pk=action.pk).last_chased_on == after
    assert services.actions_chase_overdue_count(today=after + days(1), actor=None) == 1
    assert (
        AuditEntry.objects.filter(record_type="panel_action", details__chased_on=after.isoformat()).count()
        == 1
    )
    services.action_update(action=action, status=ActionStatus.DONE, actor=chair)
    assert services.actions_chase_overdue_count(today=after + days(2), actor=None) == 0


def test_the_chase_command_prints_counts_and_references_only(
    item: AgendaItem,
    chair: Actor,
    probation: Agency,
    cast: dict[str, User],
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = act(item, chair, probation, due=1)
    act(item, chair, probation, due=2)
    act(item, chair, agency_of(cast["idva"]), due=1)
    call_command("chase_actions", "--date", (DAY + days(5)).isoformat())
    out = capsys.readouterr().out
    assert "probation-cardiff-vale: 2 overdue action(s) chased" in out
    assert "rise-cardiff: 1 overdue action(s) chased" in out
    assert str(first.pk) in out and "Chased 3" in out
    assert "Canary-Surname" not in out and "licence conditions" not in out
    call_command("chase_actions", "--date", (DAY + days(5)).isoformat())
    assert "Chased 0" in capsys.readouterr().out
