"""What cases ask of an agency: the plan activities it does and the tasks sent to it, for its Tasks and
first page. The agency reads the work and, where it may see the person's record, his name; the case
itself only where it runs the service."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet

from pathways.cases.choices import ACTIVITY_OPEN, TaskStatus
from pathways.cases.models import Activity, Case, CaseTask
from pathways.cases.selectors.plan import activity_name, activity_text_markers
from pathways.core.policy import Actor, Perm, get_for_actor, visible_to
from pathways.core.sealedtext import Marker
from pathways.people.models import Person


@dataclass(frozen=True)
class About:
    """Whose case the work is on, as far as the reader may know: the person's name where they may see his
    record, and the case's service and referral always."""

    case: Case
    name: str
    # The reader's agency runs the service: it may open the case.
    runs_service: bool


@dataclass(frozen=True)
class AgencyActivity:
    activity: Activity
    name: str
    about: About
    overdue: bool


@dataclass(frozen=True)
class AgencyTask:
    task: CaseTask
    shown: str
    about: About
    overdue: bool


def _owned_activities(actor: Actor) -> QuerySet[Activity]:
    if actor.agency is None:
        return Activity.objects.none()
    found = Activity.objects.filter(owner=actor.agency, status__in=ACTIVITY_OPEN)
    return visible_to(actor, found, Perm.TASK_VIEW)


def _open_tasks(actor: Actor) -> QuerySet[CaseTask]:
    if actor.agency is None:
        return CaseTask.objects.none()
    found = CaseTask.objects.filter(agency=actor.agency, status=TaskStatus.OPEN)
    return visible_to(actor, found, Perm.TASK_VIEW)


def _abouts(actor: Actor, cases: list[Case]) -> dict[Any, About]:
    """Two queries, however many cases."""
    people = Person.objects.filter(pk__in={c.person_id for c in cases})
    named = set(visible_to(actor, people, Perm.PERSON_VIEW).values_list("pk", flat=True))
    ours = set(actor.agency.services.values_list("pk", flat=True)) if actor.agency is not None else set()
    return {
        c.pk: About(c, c.person.display_name if c.person_id in named else "", c.service_id in ours)
        for c in cases
    }


_CASE_PARTS = ("case__service", "case__referral", "case__person")


def agency_activities(
    *, actor: Actor, today: datetime.date, limit: int | None = None
) -> tuple[list[AgencyActivity], int]:
    """The open activities the actor's agency does, soonest due first (the first `limit`), and how many
    there are: the same few queries however many."""
    found = _owned_activities(actor)
    count = found.count()
    ordered = found.select_related(*_CASE_PARTS, "owner").order_by("due_on", "created_at", "pk")
    activities = list(ordered[:limit] if limit is not None else ordered)
    abouts = _abouts(actor, [a.case for a in activities])
    rows = [
        AgencyActivity(a, activity_name(activity=a), abouts[a.case_id], a.due_on < today) for a in activities
    ]
    return rows, count


def agency_activity_get(*, actor: Actor, activity_id: Any) -> Activity:
    """One open activity the actor's agency does, or Http404."""
    return get_for_actor(actor, _owned_activities(actor), Perm.TASK_VIEW, pk=activity_id)


def agency_tasks(
    *, actor: Actor, today: datetime.date, limit: int | None = None
) -> tuple[list[AgencyTask], int]:
    """The open tasks cases have given the actor's agency, soonest due first (those without a date last),
    and how many there are."""
    found = _open_tasks(actor)
    count = found.count()
    ordered = found.select_related(*_CASE_PARTS, "user").order_by(
        F("due_on").asc(nulls_last=True), "created_at", "pk"
    )
    tasks = list(ordered[:limit] if limit is not None else ordered)
    abouts = _abouts(actor, [t.case for t in tasks])
    rows = [
        AgencyTask(t, t.shown(), abouts[t.case_id], t.due_on is not None and t.due_on < today) for t in tasks
    ]
    return rows, count


def agency_task_get(*, actor: Actor, task_id: Any) -> CaseTask:
    """One open task given to the actor's agency, or Http404."""
    return get_for_actor(actor, _open_tasks(actor), Perm.TASK_VIEW, pk=task_id)


def agency_activity_markers(*, rows: list[AgencyActivity]) -> dict[Any, list[Marker]]:
    """The sealed details kept out of each activity's detail as shown, by case."""
    typed = {r.activity.case_id: r.activity.case for r in rows if r.activity.detail}
    by_case = activity_text_markers(cases=list(typed.values()))
    return {r.activity.case_id: by_case.get(r.activity.case_id, []) for r in rows}
