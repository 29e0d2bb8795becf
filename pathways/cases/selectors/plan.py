"""Reads of a case's plan: its goals, its activities by kind, the region's catalogue to plan from and the
agencies that may do each activity. Each read goes through the access policy."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from pathways.accounts.models import Agency
from pathways.cases.choices import ACTIVITY_OPEN, ActivityKind, ActivityStatus, ConsentState
from pathways.cases.models import Activity, Case, Goal
from pathways.cases.rulesfile import Activity as CatalogueEntry
from pathways.cases.selectors.case import case_sealed_markers
from pathways.cases.selectors.rules import casework_file_version, casework_rules_for_case, name_shown
from pathways.core.access import AgencyType, Side
from pathways.core.policy import Actor, Perm, agency_may_see_side, get_for_actor, visible_to
from pathways.core.sealedtext import Marker
from pathways.panels.protected import Subject, protected_ids_for_subjects
from pathways.people.sealed import markers_of

KIND_ORDER = (ActivityKind.DISRUPT, ActivityKind.SUPPORT, ActivityKind.CHANGE)
# Her support and safety plan.
VICTIM_KIND_ORDER = (ActivityKind.SAFETY, ActivityKind.SUPPORT)


def kind_order(case: Case) -> tuple[ActivityKind, ...]:
    return VICTIM_KIND_ORDER if case.person.side == Side.VICTIM else KIND_ORDER


def catalogue_entry(*, activity: Activity) -> CatalogueEntry | None:
    """The activity's entry in the version of the region's file it was planned under."""
    file = casework_file_version(version_id=activity.rules_id)
    return next((a for a in (*file.activities, *file.safety_activities) if a.slug == activity.activity), None)


def activity_name(*, activity: Activity) -> str:
    entry = catalogue_entry(activity=activity)
    return name_shown(entry.name) if entry is not None else activity.activity


def activity_owners(*, case: Case, entry: CatalogueEntry) -> list[Agency]:
    """The agencies that may do this activity on this case: the service's own agencies for a perpetrator
    service's work; else the active agencies of the entry's type that cover the person's area, or any
    active one of that type where none does. Never one that may not see the case's side of the family."""
    if entry.owner == AgencyType.PERPETRATOR_SERVICE:
        found: QuerySet[Agency] = case.service.agencies.filter(is_active=True)
    else:
        of_type = Agency.objects.filter(type=entry.owner, is_active=True)
        covering = of_type.filter(areas=case.person.area_id) if case.person.area_id else of_type.none()
        found = covering if covering.exists() else of_type
    side = case.person.side
    return [a for a in found.distinct().order_by("name_en") if agency_may_see_side(a, side)]


@dataclass(frozen=True)
class CatalogueGroup:
    kind: str
    label: str
    entries: list[CatalogueEntry]


def activity_catalogue(*, case: Case) -> list[CatalogueGroup]:
    """The region's catalogue, by kind, to plan the case's activities from."""
    activities = casework_rules_for_case(case=case).file.catalogue(case.person.side)
    return [
        CatalogueGroup(kind, str(ActivityKind(kind).label), [a for a in activities if a.kind == kind])
        for kind in kind_order(case)
        if any(a.kind == kind for a in activities)
    ]


def activity_owner_groups(*, case: Case) -> list[tuple[str, list[Agency]]]:
    """The agencies that may do some activity of the catalogue on this case, by type (each type once)."""
    groups: dict[str, list[Agency]] = {}
    for entry in casework_rules_for_case(case=case).file.catalogue(case.person.side):
        if entry.owner not in groups:
            groups[entry.owner] = activity_owners(case=case, entry=entry)
    return [(str(AgencyType(kind).label), agencies) for kind, agencies in groups.items() if agencies]


def case_text_markers(*, case: Case) -> list[Marker]:
    """The sealed details kept out of what the service types on the case (its goals): on the case of a
    person who uses abuse, his partners', ex-partners' and children's."""
    return case_sealed_markers(case=case)


def activity_text_markers(*, cases: list[Case]) -> dict[Any, list[Marker]]:
    """The sealed details kept out of an activity's detail, by case (with its person and service): his
    family's and the victims' on his police records, as for all text typed on his case, and on a
    victim's own case hers, since the detail goes to the agency doing the work."""
    subjects = [Subject(c.pk, c.person, "", c.service.region_id) for c in cases]
    return markers_of(protected_ids_for_subjects(subjects=subjects))


@dataclass(frozen=True)
class ActivityRow:
    activity: Activity
    name: str
    overdue: bool
    is_open: bool
    # Planned work that needs the person's consent, which the case does not have.
    waiting_for_consent: bool = False


@dataclass(frozen=True)
class KindGroup:
    kind: str
    label: str
    rows: list[ActivityRow]


@dataclass(frozen=True)
class Plan:
    goals: list[Goal]
    groups: list[KindGroup]
    goal_markers: list[Marker]
    detail_markers: list[Marker]


def plan_activities(*, actor: Actor, case: Case) -> QuerySet[Activity]:
    return visible_to(actor, Activity.objects.filter(case=case), Perm.CASE_VIEW)


def plan_for(*, actor: Actor, case: Case, today: datetime.date) -> Plan:
    """The case's goals, and its activities by kind (each kind shown, empty or not), soonest due first."""
    goals = list(
        visible_to(actor, Goal.objects.filter(case=case), Perm.CASE_VIEW).select_related("updated_by")
    )
    activities = list(plan_activities(actor=actor, case=case).select_related("owner", "goal", "changed_by"))
    groups = []
    consented = case.consent == ConsentState.GIVEN
    for kind in kind_order(case):
        rows = []
        for a in activities:
            if a.kind != kind:
                continue
            entry = catalogue_entry(activity=a)
            rows.append(
                ActivityRow(
                    a,
                    name_shown(entry.name) if entry is not None else a.activity,
                    a.status in ACTIVITY_OPEN and a.due_on < today,
                    a.status in ACTIVITY_OPEN,
                    a.status == ActivityStatus.PLANNED
                    and entry is not None
                    and entry.needs_consent
                    and not consented,
                )
            )
        groups.append(KindGroup(kind, str(ActivityKind(kind).label), rows))
    detail_markers = activity_text_markers(cases=[case]).get(case.pk, [])
    return Plan(goals, groups, case_text_markers(case=case), detail_markers)


def plan_activity_get(*, actor: Actor, case: Case, activity_id: Any) -> Activity:
    """One of the case's activities, or Http404."""
    return get_for_actor(
        actor,
        Activity.objects.filter(case=case).select_related("owner", "case"),
        Perm.CASE_VIEW,
        pk=activity_id,
    )


def plan_goal_get(*, actor: Actor, case: Case, goal_id: Any) -> Goal:
    return get_for_actor(actor, Goal.objects.filter(case=case), Perm.CASE_VIEW, pk=goal_id)


@dataclass(frozen=True)
class PlanSummary:
    counts: list[tuple[str, int]]
    next_due: ActivityRow | None


def plan_summary(*, actor: Actor, case: Case, today: datetime.date) -> PlanSummary:
    """For the case's overview: its open activities per kind, and the one due next."""
    open_ = plan_activities(actor=actor, case=case).filter(status__in=ACTIVITY_OPEN)
    by_kind: dict[str, int] = {str(kind): 0 for kind in kind_order(case)}
    for kind in open_.values_list("kind", flat=True):
        by_kind[kind] = by_kind.get(kind, 0) + 1
    first = open_.select_related("owner").order_by("due_on", "created_at").first()
    next_due = (
        ActivityRow(first, activity_name(activity=first), first.due_on < today, True) if first else None
    )
    return PlanSummary([(str(ActivityKind(k).label), n) for k, n in by_kind.items()], next_due)
