"""What each case on a caseload waits for next: the earliest due of its open plan activities and of the
tasks it has given the service's own staff (reviews, follow-ups, alerts). A few queries for a whole page
of cases, however many activities and tasks they hold."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from pathways.cases.choices import ACTIVITY_OPEN, TaskStatus
from pathways.cases.models import Activity, Case, CaseTask
from pathways.cases.selectors.rules import casework_file_version, name_shown
from pathways.core.policy import Actor, Perm, visible_to


@dataclass(frozen=True)
class NextAction:
    what: str
    due_on: datetime.date | None
    overdue: bool


def _activity_name(activity: Activity) -> str:
    entry = next(
        (
            a
            for a in casework_file_version(version_id=activity.rules_id).activities
            if a.slug == activity.activity
        ),
        None,
    )
    return name_shown(entry.name) if entry is not None else activity.activity


def caseload_next_actions(
    *, actor: Actor, cases: list[Case], today: datetime.date
) -> dict[uuid.UUID, NextAction]:
    """For each case the reader may see, its next action, by case id; a case with nothing due has none."""
    ids = [c.pk for c in cases]
    found: dict[uuid.UUID, tuple[datetime.date, str]] = {}

    def offer(case_id: uuid.UUID, due: datetime.date | None, what: str) -> None:
        day = due or datetime.date.max
        if case_id not in found or day < found[case_id][0]:
            found[case_id] = (day, what)

    activities = visible_to(
        actor,
        Activity.objects.filter(case_id__in=ids, status__in=ACTIVITY_OPEN),
        Perm.CASE_VIEW,
        per_row=True,
    ).select_related("owner")
    for activity in activities:
        offer(activity.case_id, activity.due_on, f"{_activity_name(activity)} ({activity.owner.name})")
    own = {c.pk: {a.pk for a in c.service.agencies.all()} for c in cases}
    tasks = visible_to(
        actor, CaseTask.objects.filter(case_id__in=ids, status=TaskStatus.OPEN), Perm.CASE_VIEW, per_row=True
    ).only("case_id", "agency_id", "kind", "due_on", "detail")
    for task in tasks:
        if task.agency_id in own.get(task.case_id, set()):
            offer(task.case_id, task.due_on, str(task.get_kind_display()))
    return {
        case_id: NextAction(what, None if day == datetime.date.max else day, day < today)
        for case_id, (day, what) in found.items()
    }
