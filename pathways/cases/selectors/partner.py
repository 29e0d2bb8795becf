"""Reads of the partner-safety loop: her case's safety updates (her side), and what reached his case from
her support worker (his side, the crossing "partner_signal"), each through the access policy."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from pathways.cases.choices import ATTENDED, ActivityKind, CaseStatus
from pathways.cases.models import Activity, Attendance, Case, PartnerSignal, SafetyUpdate
from pathways.cases.selectors.case import case_linked_cases, related_people
from pathways.cases.selectors.rules import (
    CaseworkNotLoaded,
    casework_file_version,
    casework_rules_for_case,
    name_shown,
)
from pathways.core.access import Side
from pathways.core.policy import Actor, Perm, visible_to

# His cases shown on hers: the latest few, however long his history.
MOST_SHOWN = 5


def safety_update_targets(*, case: Case) -> list[Case]:
    """The open cases of the men who harm the case's person, where an update from her case goes. For the
    system's own use: which services work with him is not shown to her side as such."""
    return list(
        case_linked_cases(case=case).filter(person__side=Side.PERPETRATOR).select_related("service", "person")
    )


def safety_updates(*, actor: Actor, case: Case) -> list[SafetyUpdate]:
    return list(
        visible_to(actor, SafetyUpdate.objects.filter(case=case), Perm.CASE_VIEW).select_related("sent_by")
    )


def partner_signals(*, actor: Actor, case: Case) -> list[PartnerSignal]:
    return list(
        visible_to(actor, PartnerSignal.objects.filter(case=case), Perm.CASE_VIEW).select_related("service")
    )


@dataclass(frozen=True)
class DisruptShown:
    name: str
    owner: str
    status: str


@dataclass(frozen=True)
class HisCase:
    """What her support worker may know of a case of the man who harms her (the access policy's crossing
    "his_case", to her side): so that she can be warned. His typed text never crosses."""

    service: str
    open: bool
    attended: int
    missed: int
    last_attended: datetime.date | None
    disrupt: list[DisruptShown]
    ended_on: datetime.date | None
    ending: str


def his_cases(*, case: Case) -> list[HisCase]:
    """The cases of the men who harm the case's person, open or ended, newest first: a few queries however
    many there are. For her side's page; only the crossing's facts."""
    if case.person.side != Side.VICTIM:
        return []
    found = list(
        Case.objects.filter(person_id__in=related_people(case=case), person__side=Side.PERPETRATOR)
        .select_related("service", "ending")
        .order_by("-opened_at", "pk")[:MOST_SHOWN]
    )
    ids = [c.pk for c in found]
    present: dict[Any, list[datetime.date]] = {}
    absent: dict[Any, int] = {}
    rows = Attendance.objects.filter(case_id__in=ids).values_list("case_id", "status", "session__held_on")
    for case_id, status, held_on in rows:
        if status in ATTENDED:
            present.setdefault(case_id, []).append(held_on)
        else:
            absent[case_id] = absent.get(case_id, 0) + 1
    disrupt: dict[Any, list[DisruptShown]] = {}
    for activity in (
        Activity.objects.filter(case_id__in=ids, kind=ActivityKind.DISRUPT)
        .select_related("owner")
        .order_by("due_on", "pk")
    ):
        entry = casework_file_version(version_id=activity.rules_id)
        named = next((a for a in entry.activities if a.slug == activity.activity), None)
        disrupt.setdefault(activity.case_id, []).append(
            DisruptShown(
                name=name_shown(named.name) if named else activity.activity,
                owner=activity.owner.name,
                status=str(activity.get_status_display()),
            )
        )
    shown = []
    for his in found:
        ending = getattr(his, "ending", None)
        ending_name = ""
        if ending is not None:
            try:
                rule = casework_rules_for_case(case=his).ending(ending.state)
            except CaseworkNotLoaded:
                rule = None
            ending_name = name_shown(rule.name) if rule else ending.state
        shown.append(
            HisCase(
                service=his.service.name,
                open=his.status == CaseStatus.OPEN,
                attended=len(present.get(his.pk, [])),
                missed=absent.get(his.pk, 0),
                last_attended=max(present[his.pk]) if his.pk in present else None,
                disrupt=disrupt.get(his.pk, []),
                ended_on=ending.ended_on if ending else None,
                ending=ending_name,
            )
        )
    return shown
