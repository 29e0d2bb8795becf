"""Writes of a case's plan: its goals, and its activities from the region's catalogue, each done by an
agency by a date. The service plans; the agency doing an activity marks its progress from its Tasks.

Two rules guard the work. Support and behaviour change that need the person's consent do not start, nor
are they done, without it; disrupt work never needs it. A closed case's plan is finished, except that the
disrupt work a case leaves open when it ends without ending that work (he dropped out) stays with the
agencies doing it, who go on marking it."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency
from pathways.audit.choices import AuditAction
from pathways.cases.choices import (
    ACTIVITY_CHOSEN,
    ACTIVITY_OPEN,
    ACTIVITY_STARTED,
    ActivityKind,
    ActivityStatus,
    CaseEventKind,
    CaseStatus,
    ConsentState,
    GoalStatus,
)
from pathways.cases.models import Activity, Case, Goal
from pathways.cases.models.plan import DETAIL_LENGTH, GOAL_LENGTH
from pathways.cases.rulesfile import Activity as CatalogueEntry
from pathways.cases.rulesfile import Ending
from pathways.cases.selectors.plan import (
    activity_owners,
    activity_text_markers,
    case_text_markers,
    catalogue_entry,
)
from pathways.cases.selectors.rules import casework_rules_for_case
from pathways.cases.services.base import CaseError, case_audit, case_event_add, case_for_change
from pathways.core.access import AgencyType
from pathways.core.policy import Actor, Perm, allows, can_see_record
from pathways.core.sealedtext import Marker
from pathways.people.sealed import sealed_details_refuse


def _user(actor: Actor | None) -> Any:
    return actor.user if actor is not None and actor.user.is_authenticated else None


def _runs_case(actor: Actor, case: Case) -> bool:
    return allows(actor, Perm.CASE_CHANGE) and can_see_record(actor, case, Perm.CASE_CHANGE)


def _refuse_unless_runs(actor: Actor, case: Case) -> None:
    # Before typed text is compared with anyone's sealed details: only those who may change the case.
    if not _runs_case(actor, case):
        raise PermissionDenied


def _refuse_sealed(
    *, actor: Actor, case: Case, fields: Mapping[str, str], markers: list[Marker], record_type: str
) -> None:
    sealed_details_refuse(
        fields=fields,
        markers=markers,
        actor=actor,
        record_type=record_type,
        record_id=case.pk,
        error=lambda message, field: CaseError(message, field),
    )


def _names(key: str, en: str, cy: str) -> dict[str, str]:
    # Both languages are kept, so that the case's history reads in its reader's.
    return {f"{key}_en": en, f"{key}_cy": cy}


def _activity_facts(activity: Activity, entry: CatalogueEntry | None) -> dict[str, str]:
    en = entry.name.en if entry else activity.activity
    cy = entry.name.cy if entry else activity.activity
    return {"activity": activity.activity, **_names("activity", en, cy)}


# --- Goals ---------------------------------------------------------------------------------------------


def _goal_text(description: str) -> str:
    text = (description or "").strip()
    if not text:
        raise CaseError(_("Enter the goal."), "description")
    if len(text) > GOAL_LENGTH:
        raise CaseError(
            _("The goal must be %(count)s characters or fewer.") % {"count": GOAL_LENGTH}, "description"
        )
    return text


def goal_add(*, actor: Actor, case: Case, description: str) -> Goal:
    """A goal for the case, in the service's words (checked for the family's sealed details)."""
    _refuse_unless_runs(actor, case)
    text = _goal_text(description)
    _refuse_sealed(
        actor=actor,
        case=case,
        fields={"description": text},
        markers=case_text_markers(case=case),
        record_type="goal",
    )
    with transaction.atomic():
        case = case_for_change(actor=actor, case=case)
        goal = Goal.objects.create(
            case=case, description=text, created_by=_user(actor), updated_by=_user(actor)
        )
        case_event_add(case=case, kind=CaseEventKind.PLAN, actor=actor, detail={"change": "goal_added"})
        case_audit(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="goal",
            record_id=goal.pk,
            details={"case": str(case.pk), "status": goal.status},
        )
    return goal


def goal_update(
    *, actor: Actor, goal: Goal, status: str | None = None, description: str | None = None
) -> Goal:
    """Mark how far the goal was met, or reword it."""
    _refuse_unless_runs(actor, goal.case)
    if status is not None and status not in GoalStatus.values:
        raise CaseError(_("Choose how far the goal was met."), "status")
    text = _goal_text(description) if description is not None else None
    if text is not None:
        _refuse_sealed(
            actor=actor,
            case=goal.case,
            fields={"description": text},
            markers=case_text_markers(case=goal.case),
            record_type="goal",
        )
    with transaction.atomic():
        case = case_for_change(actor=actor, case=goal.case)
        goal = Goal.objects.select_for_update().get(pk=goal.pk, case=case)
        before = {"status": goal.status}
        changes: list[str] = []
        if status is not None and status != goal.status:
            goal.status = status
            changes.append("status")
        if text is not None and text != goal.description:
            goal.description = text
            changes.append("description")
        if not changes:
            return goal
        goal.updated_at, goal.updated_by = timezone.now(), _user(actor)
        goal.save(update_fields=[*changes, "updated_at", "updated_by"])
        if "status" in changes:
            detail: dict[str, Any] = {"change": "goal_status", "status": goal.status}
        else:
            detail = {"change": "goal_changed"}
        case_event_add(case=case, kind=CaseEventKind.PLAN, actor=actor, detail=detail)
        case_audit(
            action=AuditAction.RECORD_CHANGED,
            actor=actor,
            record_type="goal",
            record_id=goal.pk,
            details={"before": before, "after": {"status": goal.status}, "changed": changes},
        )
    return goal


# --- Activities ----------------------------------------------------------------------------------------


def _owner_checked(case: Case, entry: CatalogueEntry, owner: Agency | None) -> Agency:
    if owner is None:
        raise CaseError(_("Choose the agency that will do it."), "owner")
    if owner.pk not in {a.pk for a in activity_owners(case=case, entry=entry)}:
        raise CaseError(
            _("Choose an agency that does this kind of work on this case: %(type)s.")
            % {"type": owner_type_label(entry)},
            "owner",
        )
    return owner


def owner_type_label(entry: CatalogueEntry) -> str:
    return str(AgencyType(entry.owner).label).lower()


def _consent_checked(case: Case, entry: CatalogueEntry | None, status: str) -> None:
    needs = status in ACTIVITY_STARTED and entry is not None and entry.needs_consent
    if needs and case.consent != ConsentState.GIVEN:
        raise CaseError(
            _(
                "This work needs the person's consent, and the case does not have it: it cannot "
                "start, or be done, until the consent is recorded."
            ),
            "status",
        )


def activity_add(
    *,
    actor: Actor,
    case: Case,
    activity: str,
    owner: Agency | None,
    due_on: datetime.date | None,
    goal: Goal | None = None,
    detail: str = "",
) -> Activity:
    """An activity from the region's catalogue, done by `owner` (an agency of the entry's type) by
    `due_on`, towards one of the case's goals where given. It starts planned."""
    _refuse_unless_runs(actor, case)
    text = (detail or "").strip()
    if len(text) > DETAIL_LENGTH:
        raise CaseError(
            _("The detail must be %(count)s characters or fewer.") % {"count": DETAIL_LENGTH}, "detail"
        )
    # Checked before anything is locked or written, so that the refused attempt stays in the audit log.
    _refuse_sealed(
        actor=actor,
        case=case,
        fields={"detail": text},
        markers=activity_text_markers(cases=[case]).get(case.pk, []),
        record_type="activity",
    )
    with transaction.atomic():
        case = case_for_change(actor=actor, case=case)
        rules = casework_rules_for_case(case=case)
        entry = rules.activity(activity or "")
        if entry is None or entry not in rules.file.catalogue(case.person.side):
            raise CaseError(_("Choose an activity from the list."), "activity")
        owner = _owner_checked(case, entry, owner)
        if due_on is None:
            raise CaseError(_("Enter the due date."), "due_on")
        if goal is not None and goal.case_id != case.pk:
            raise CaseError(_("Choose one of this case's goals."), "goal")
        made = Activity.objects.create(
            case=case,
            goal=goal,
            activity=entry.slug,
            rules=rules.version,
            kind=entry.kind,
            owner=owner,
            due_on=due_on,
            detail=text,
            created_by=_user(actor),
            changed_by=_user(actor),
        )
        case_event_add(
            case=case,
            kind=CaseEventKind.ACTIVITY,
            actor=actor,
            detail={
                "change": "added",
                **_activity_facts(made, entry),
                **_names("owner", owner.name_en, owner.name_cy),
                "due": due_on.isoformat(),
            },
        )
        case_audit(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="activity",
            record_id=made.pk,
            details={
                "case": str(case.pk),
                "activity": entry.slug,
                "kind": entry.kind,
                "owner": str(owner.pk),
                "due": due_on.isoformat(),
            },
        )
    return made


def _owns(actor: Actor, activity: Activity) -> bool:
    agency = actor.agency
    return (
        agency is not None
        and activity.owner_id == agency.pk
        and allows(actor, Perm.TASK_CHANGE)
        and can_see_record(actor, activity, Perm.TASK_CHANGE)
    )


@transaction.atomic
def activity_update(
    *,
    actor: Actor,
    activity: Activity,
    status: str | None = None,
    due_on: datetime.date | None = None,
    owner: Agency | None = None,
) -> Activity:
    """Change an activity's status, due date or owner. The service running the case may change any of
    them while the case is open; the agency doing it marks its status, and goes on marking disrupt work a
    case left open when it ended. Work that needs consent is not started or done without it."""
    locked = Activity.objects.select_for_update(of=("self",)).select_related(
        "case__service", "case__person", "owner"
    )
    activity = locked.get(pk=activity.pk)
    case = activity.case
    runs, owns = _runs_case(actor, case), _owns(actor, activity)
    if not runs and not owns:
        raise PermissionDenied
    moving = (due_on is not None and due_on != activity.due_on) or (
        owner is not None and owner.pk != activity.owner_id
    )
    if case.status != CaseStatus.OPEN:
        left_open = activity.kind == ActivityKind.DISRUPT and activity.status in ACTIVITY_OPEN
        if not (owns and left_open) or moving:
            raise CaseError(_("This case is closed: its plan can no longer be changed."))
    if moving and not runs:
        raise CaseError(_("Only the service working the case can change who does this or by when."), "owner")
    if activity.status == ActivityStatus.ENDED_WITH_CASE:
        raise CaseError(_("This activity ended with the case."), "status")
    entry = catalogue_entry(activity=activity)
    before = {"status": activity.status, "due": activity.due_on.isoformat(), "owner": str(activity.owner_id)}
    facts: dict[str, Any] = {}
    fields: list[str] = []
    if status is not None and status != activity.status:
        if status not in ACTIVITY_CHOSEN:
            raise CaseError(_("Choose the activity's status."), "status")
        _consent_checked(case, entry, status)
        activity.status = status
        facts["status"] = status
        fields.append("status")
    if due_on is not None and due_on != activity.due_on:
        activity.due_on = due_on
        facts["due"] = due_on.isoformat()
        fields.append("due_on")
    if owner is not None and owner.pk != activity.owner_id:
        if entry is None:
            raise CaseError(_("This activity is no longer in the region's catalogue."), "owner")
        activity.owner = _owner_checked(case, entry, owner)
        facts.update(_names("owner", owner.name_en, owner.name_cy))
        fields.append("owner")
    if not fields:
        return activity
    activity.changed_at, activity.changed_by = timezone.now(), _user(actor)
    activity.save(update_fields=[*fields, "changed_at", "changed_by"])
    case_event_add(
        case=case,
        kind=CaseEventKind.ACTIVITY,
        actor=actor,
        detail={"change": "changed", **_activity_facts(activity, entry), **facts},
    )
    case_audit(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="activity",
        record_id=activity.pk,
        details={
            "before": before,
            "after": {
                "status": activity.status,
                "due": activity.due_on.isoformat(),
                "owner": str(activity.owner_id),
            },
        },
    )
    return activity


def plan_case_ended(*, case: Case, actor: Actor | None, ending: Ending) -> None:
    """When the case ends: its open activities end with it, except, where this way of ending does not end
    disrupt work (he dropped out), the open disrupt activities, which stay on their owners' Tasks."""
    with transaction.atomic():
        open_ = Activity.objects.select_for_update().filter(case=case, status__in=ACTIVITY_OPEN)
        kept = 0
        if not ending.ends_disrupt:
            kept = open_.filter(kind=ActivityKind.DISRUPT).count()
            open_ = open_.exclude(kind=ActivityKind.DISRUPT)
        ending_now = list(open_)
        if not ending_now and not kept:
            return
        now, user = timezone.now(), _user(actor)
        for activity in ending_now:
            before = activity.status
            activity.status = ActivityStatus.ENDED_WITH_CASE
            activity.changed_at, activity.changed_by = now, user
            case_audit(
                action=AuditAction.RECORD_CHANGED,
                actor=actor,
                record_type="activity",
                record_id=activity.pk,
                details={
                    "before": {"status": before},
                    "after": {"status": activity.status},
                    "ending": ending.state,
                },
            )
        Activity.objects.bulk_update(ending_now, ["status", "changed_at", "changed_by"])
        case_event_add(
            case=case,
            kind=CaseEventKind.ACTIVITY,
            actor=actor,
            detail={"change": "ended_with_case", "ended": len(ending_now), "kept": kept},
        )
