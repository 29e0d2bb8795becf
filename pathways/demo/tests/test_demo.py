"""The demo (`make run`) seats its accounts on a MARAC and a MATAC and schedules each one's next meeting."""

from __future__ import annotations

import datetime

import pytest

from pathways.accounts.models import User
from pathways.core.policy import Actor
from pathways.demo.cast import load_demo_accounts
from pathways.demo.police import load_demo_police_data
from pathways.directory.models import Region
from pathways.panels.choices import MemberRole, PanelKind
from pathways.panels.models import Meeting, Panel, PanelMember
from pathways.police.models import PoliceRecord, RfgRun

pytestmark = pytest.mark.django_db


def _seats(kind: str) -> set[tuple[str, str, str]]:
    panel = Panel.objects.get(kind=kind, slug__startswith=f"{kind}-cardiff")
    return {(m.user.username, m.agency.slug, m.role) for m in panel.members.select_related("user", "agency")}


def test_the_demo_has_a_marac_and_a_matac_with_a_chair_a_coordinator_and_a_meeting(region: None) -> None:
    names = {user.username for user in load_demo_accounts()}
    assert {"matac", "probation", "drive"} <= names  # printed with the other demo logins

    matac = _seats(PanelKind.MATAC)
    assert ("matac", "south-wales-police", MemberRole.COORDINATOR) in matac
    assert ("chair", "south-wales-police", MemberRole.CHAIR) in matac
    assert ("coordinator", "marac-cardiff", MemberRole.COORDINATOR) in _seats(PanelKind.MARAC)
    for kind in (PanelKind.MARAC, PanelKind.MATAC):
        assert len({agency for _user, agency, _role in _seats(kind)}) >= 4  # enough agencies for a quorum
        assert Meeting.objects.filter(panel__kind=kind, held_on__gte=datetime.date.today()).count() == 1


def test_loading_the_demo_again_changes_nothing(region: None) -> None:
    load_demo_accounts()
    seats, meetings = PanelMember.objects.count(), Meeting.objects.count()
    load_demo_accounts()
    assert (PanelMember.objects.count(), Meeting.objects.count()) == (seats, meetings)


def test_the_demo_police_extract_puts_serial_perpetrators_at_the_top_of_each_area(region: None) -> None:
    load_demo_accounts()
    coordinator = User.objects.get(username="matac")
    actor = Actor(user=coordinator, membership=coordinator.memberships.select_related("agency").get())
    cardiff_and_vale = Region.objects.get(slug="cardiff-and-vale")
    load_demo_police_data(cardiff_and_vale, actor)
    run = RfgRun.objects.get()
    for area in ("cardiff", "vale-of-glamorgan"):
        top = run.scores.filter(area__slug=area).order_by("rank")[:4]
        assert [score.serial for score in top] == [True] * 4
    records = PoliceRecord.objects.count()
    load_demo_police_data(cardiff_and_vale, actor)  # the demo loaded again: nothing new, no new run
    assert (PoliceRecord.objects.count(), RfgRun.objects.count()) == (records, 1)
