"""A practitioner's first page: what waits for them across referrals, tasks and panels. Reads only, each
through the selector (and so the access policy) of the app it belongs to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from pathways.cases.selectors import tasks as case_tasks
from pathways.cases.selectors.tasks import AgencyActivity, AgencyTask
from pathways.core.policy import Actor, Perm, allows
from pathways.core.sealedtext import Marker
from pathways.panels import protected
from pathways.panels import selectors as panels
from pathways.panels.choices import ActionStatus
from pathways.panels.models import Action, Meeting
from pathways.referrals import selectors as referrals
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral
from pathways.referrals.selectors import DueAssessment, ReferralRow

SHOWN = 10


@dataclass
class Work:
    new_referrals: list[ReferralRow] = field(default_factory=list)
    new_count: int = 0
    to_choose: list[ReferralRow] = field(default_factory=list)
    intake_waiting: int | None = None
    intake_oldest: list[ReferralRow] = field(default_factory=list)
    reassessments: list[DueAssessment] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    # The sealed details kept out of each action's text, by agenda item (as on the Tasks page).
    action_markers: dict[Any, list[Marker]] = field(default_factory=dict)
    meetings: list[Meeting] = field(default_factory=list)
    # What cases ask of the agency: the plan activities it does and the tasks sent to it (as on Tasks).
    activities: list[AgencyActivity] = field(default_factory=list)
    activity_count: int = 0
    case_tasks: list[AgencyTask] = field(default_factory=list)
    case_task_count: int = 0

    @property
    def empty(self) -> bool:
        waiting = (self.new_referrals, self.to_choose, self.intake_waiting, self.reassessments)
        return not any((*waiting, self.actions, self.meetings, self.activities, self.case_tasks))


def work_for(*, actor: Actor, today: datetime.date) -> Work:
    """New referrals to the actor's agency's services, its own referrals waiting for a choice (new, or back
    after a decline), the intake queue for an intake team, re-assessments and panel actions due, the plan
    activities and case tasks waiting for the agency, and the next meetings of the panels the actor sits
    on."""
    work = Work()
    if actor.agency is None:
        return work
    if allows(actor, Perm.REFERRAL_VIEW):
        new = referrals.referrals_for(actor=actor).filter(
            service__agencies=actor.agency, status__in=(Status.TRIAGED, Status.OFFERED)
        )
        work.new_count = new.count()
        work.new_referrals = _rows(actor, new.order_by("-created_at")[:SHOWN])
        waiting = referrals.referrals_for(actor=actor).filter(
            referring_agency=actor.agency, status=Status.RECEIVED
        )
        work.to_choose = _rows(actor, waiting.order_by("created_at")[:SHOWN])
        if referrals.agency_is_intake_team(agency=actor.agency):
            queue = referrals.intake_queue(actor=actor)[0]
            work.intake_waiting = len(queue)
            work.intake_oldest = referrals.referral_rows(actor=actor, referrals=queue[:SHOWN])
    if allows(actor, Perm.ASSESSMENT_CHANGE):
        work.reassessments = referrals.reassessments_due(actor=actor, today=today)[:SHOWN]
    if allows(actor, Perm.TASK_VIEW):
        work.activities, work.activity_count = case_tasks.agency_activities(
            actor=actor, today=today, limit=SHOWN
        )
        work.case_tasks, work.case_task_count = case_tasks.agency_tasks(actor=actor, today=today, limit=SHOWN)
    if allows(actor, Perm.PANEL_CASE_VIEW):
        work.actions = list(
            panels.actions_for_agency(agency=actor.agency).filter(status=ActionStatus.OPEN)[:SHOWN]
        )
        work.action_markers = protected.protected_markers_by_item(items=[a.item for a in work.actions])
        seated = list(panels.panels_for(actor=actor).filter(members__user=actor.user).distinct())
        work.meetings = sorted(
            panels.meetings_next(panels=seated, today=today).values(), key=lambda m: m.held_on
        )
    return work


def _rows(actor: Actor, found: object) -> list[ReferralRow]:
    page: list[Referral] = list(found)  # type: ignore[call-overload]
    return referrals.referral_rows(actor=actor, referrals=page)
