"""What each case on a caseload waits for next: the earliest due of its open plan activities and of the
tasks it has given the service's own staff (reviews, follow-ups, alerts). A few queries for a whole page
of cases, however many activities and tasks they hold."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import F, OuterRef, Subquery

from pathways.cases.choices import ACTIVITY_OPEN, TaskKind, TaskStatus
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
    # Each case's earliest open activity and earliest open task for its own staff, found by the database:
    # a page of cases holds hundreds of items, and only one a case is shown. An undated item comes last.
    earliest = (F("due_on").asc(nulls_last=True), "created_at", "pk")
    first_activity = Activity.objects.filter(case=OuterRef("pk"), status__in=ACTIVITY_OPEN).order_by(
        *earliest
    )
    first_task = CaseTask.objects.filter(
        case=OuterRef("pk"), status=TaskStatus.OPEN, agency__services=OuterRef("service")
    ).order_by(*earliest)
    firsts = (
        visible_to(actor, Case.objects.filter(pk__in=[c.pk for c in cases]), Perm.CASE_VIEW, per_row=True)
        .annotate(
            activity_id=Subquery(first_activity.values("pk")[:1]),
            task_id=Subquery(first_task.values("pk")[:1]),
        )
        .values_list("activity_id", "task_id")
    )
    activity_ids = {a for a, _ in firsts if a is not None}
    task_ids = {t for _, t in firsts if t is not None}
    activities = (
        visible_to(actor, Activity.objects.filter(pk__in=activity_ids), Perm.CASE_VIEW, per_row=True)
        .only("case_id", "activity", "rules_id", "owner_id", "due_on")
        .prefetch_related("owner")
    )
    tasks = visible_to(actor, CaseTask.objects.filter(pk__in=task_ids), Perm.CASE_VIEW, per_row=True).only(
        "case_id", "kind", "due_on"
    )
    found: dict[uuid.UUID, tuple[datetime.date, Activity | str]] = {
        a.case_id: (a.due_on or datetime.date.max, a) for a in activities
    }
    for task in tasks:
        day = task.due_on or datetime.date.max
        # An activity due the same day as a task comes first, as it does on the case's own page.
        if task.case_id not in found or day < found[task.case_id][0]:
            found[task.case_id] = (day, task.kind)
    kinds = dict(TaskKind.choices)

    def named(what: Activity | str) -> str:
        if isinstance(what, Activity):
            return f"{_activity_name(what)} ({what.owner.name})"
        return str(kinds.get(what, what))

    return {
        case_id: NextAction(named(what), None if day == datetime.date.max else day, day < today)
        for case_id, (day, what) in found.items()
    }
