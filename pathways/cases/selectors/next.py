"""What each case on a caseload waits for next: the earliest due of its open plan activities and of the
tasks it has given the service's own staff (reviews, follow-ups, alerts). A few queries for a whole page
of cases, however many activities and tasks they hold."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from pathways.accounts.models import Agency
from pathways.cases.choices import ACTIVITY_OPEN, TaskKind, TaskStatus
from pathways.cases.models import Activity, Case, CaseTask
from pathways.cases.selectors.rules import casework_file_version, name_shown
from pathways.core.policy import Actor, Perm, visible_to


@dataclass(frozen=True)
class NextAction:
    what: str
    due_on: datetime.date | None
    overdue: bool


def _activity_name(*, slug: str, rules_id: int) -> str:
    entry = next((a for a in casework_file_version(version_id=rules_id).activities if a.slug == slug), None)
    return name_shown(entry.name) if entry is not None else slug


def caseload_next_actions(
    *, actor: Actor, cases: list[Case], today: datetime.date
) -> dict[uuid.UUID, NextAction]:
    """For each case the reader may see, its next action, by case id; a case with nothing due has none."""
    # Each case's earliest open activity and earliest open task for its own staff, found by the database
    # (the first of each case's items in due order): a page of cases holds hundreds of items, and only
    # one a case is shown. An undated item comes last.
    ids = [c.pk for c in cases]
    earliest = Window(
        RowNumber(),
        partition_by=F("case_id"),
        order_by=(F("due_on").asc(nulls_last=True), "created_at", "pk"),
    )
    activities = (
        visible_to(
            actor,
            Activity.objects.filter(case_id__in=ids, status__in=ACTIVITY_OPEN),
            Perm.CASE_VIEW,
            per_row=True,
        )
        .annotate(place=earliest)
        .filter(place=1)
        .values_list("case_id", "activity", "rules_id", "due_on", "owner__name_en", "owner__name_cy")
    )
    tasks = (
        visible_to(
            actor,
            CaseTask.objects.filter(
                case_id__in=ids, status=TaskStatus.OPEN, agency__services=F("case__service")
            ),
            Perm.CASE_VIEW,
            per_row=True,
        )
        .annotate(place=earliest)
        .filter(place=1)
        .values_list("case_id", "kind", "due_on")
    )
    found: dict[uuid.UUID, tuple[datetime.date, str]] = {}
    for case_id, slug, rules_id, due_on, owner_en, owner_cy in activities:
        owner = Agency(name_en=owner_en, name_cy=owner_cy).name
        found[case_id] = (
            due_on or datetime.date.max,
            f"{_activity_name(slug=slug, rules_id=rules_id)} ({owner})",
        )
    kinds = dict(TaskKind.choices)
    for case_id, kind, task_due in tasks:
        day = task_due or datetime.date.max
        # An activity due the same day as a task comes first, as it does on the case's own page.
        if case_id not in found or day < found[case_id][0]:
            found[case_id] = (day, str(kinds.get(kind, kind)))
    return {
        case_id: NextAction(what, None if day == datetime.date.max else day, day < today)
        for case_id, (day, what) in found.items()
    }
