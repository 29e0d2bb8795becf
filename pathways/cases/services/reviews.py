"""Writes of a case's reviews: scheduling the next internal and multi-agency review (with a task for the
case worker), holding one (who attended and advised, what it found and decided), and, when a case that a
panel referred on ends, putting it back on that panel's agenda (the review, section 5.6)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency
from pathways.cases.choices import (
    AdviserRole,
    CaseEventKind,
    ReviewDecision,
    ReviewKind,
    TaskKind,
    TaskStatus,
)
from pathways.cases.models import Case, CaseReview, CaseTask, ReviewAdviser
from pathways.cases.models.reviews import OUTCOME_MAX
from pathways.cases.selectors.case import case_panel_decision
from pathways.cases.selectors.reviews import (
    SCHEDULED_KINDS,
    case_reviews_due,
    review_agencies,
    review_interval_days,
)
from pathways.cases.selectors.rules import CaseworkNotLoaded, casework_rules_for_case
from pathways.cases.services.base import (
    AuditAction,
    CaseError,
    case_audit,
    case_event_add,
    case_for_change,
    case_text_refuse,
)
from pathways.core.policy import Actor, Perm, allows, can_see_record
from pathways.panels.choices import MeetingStatus
from pathways.panels.models import AgendaItem, Decision, Meeting, Panel
from pathways.panels.selectors import panel_coordinating_agency
from pathways.panels.services import PanelError, agenda_review_add

# Rows of advisers a review names on the form.
ADVISER_ROWS = 3
ADVISER_TEXT_MAX = 200


@dataclass(frozen=True)
class AdviserInput:
    name: str
    role: str
    organisation: str = ""


def _service_agency(case: Case) -> Agency | None:
    """The agency running the service that the case's tasks go to: the case worker's, where he works at
    one of them, else the first."""
    agencies = list(case.service.agencies.order_by("slug"))
    if case.worker_id is not None:
        worked = [
            a for a in agencies if a.memberships.filter(user_id=case.worker_id, is_active=True).exists()
        ]
        if worked:
            return worked[0]
    return agencies[0] if agencies else None


def _task_for(case: Case, review: CaseReview, due_on: datetime.date) -> CaseTask | None:
    agency = _service_agency(case)
    if agency is None:
        return None
    return CaseTask.objects.create(
        case=case,
        kind=TaskKind.REVIEW,
        agency=agency,
        user_id=case.worker_id,
        due_on=due_on,
        detail={"review": review.kind, "review_id": str(review.pk)},
    )


def _task_done(task: CaseTask | None, actor: Actor | None) -> None:
    if task is None or task.status == TaskStatus.DONE:
        return
    task.status = TaskStatus.DONE
    task.done_at = timezone.now()
    task.done_by = actor.user if actor is not None and actor.user.is_authenticated else None
    task.save(update_fields=["status", "done_at", "done_by"])


@transaction.atomic
def case_review_schedule(*, case: Case, actor: Actor | None = None) -> list[CaseReview]:
    """The next internal and multi-agency review of an open case, each with a task on the case worker's
    list at the service's agency, made if not made yet (and moved if the region's interval has changed).
    Nothing for a closed case. Safe to run as often as wanted; returns the reviews it made."""
    case = Case.objects.select_for_update().select_related("service").get(pk=case.pk)
    made: list[CaseReview] = []
    waiting = {
        r.kind: r for r in CaseReview.objects.filter(case=case, held_on__isnull=True).select_related("task")
    }
    for due in case_reviews_due(case=case, today=timezone.localdate()):
        review = waiting.get(due.kind)
        if review is not None:
            if review.due_on != due.due_on:
                review.due_on = due.due_on
                review.save(update_fields=["due_on"])
                if review.task is not None and review.task.status == TaskStatus.OPEN:
                    review.task.due_on = due.due_on
                    review.task.save(update_fields=["due_on"])
            continue
        review = CaseReview.objects.create(case=case, kind=due.kind, due_on=due.due_on)
        review.task = _task_for(case, review, due.due_on)
        review.save(update_fields=["task"])
        case_audit(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="case_review",
            record_id=review.pk,
            details={
                "case": str(case.pk),
                "kind": due.kind,
                "due_on": due.due_on.isoformat(),
                "scheduled": True,
            },
        )
        made.append(review)
    return made


def _advisers(advisers: list[AdviserInput]) -> list[AdviserInput]:
    kept = []
    for n, adviser in enumerate(advisers, start=1):
        name, organisation = adviser.name.strip(), adviser.organisation.strip()
        if not name and not adviser.role and not organisation:
            continue
        if not name:
            raise CaseError(_("Enter the adviser's name."), f"adviser_{n}_name")
        if adviser.role not in AdviserRole.values:
            raise CaseError(_("Choose the adviser's role."), f"adviser_{n}_role")
        if len(name) > ADVISER_TEXT_MAX or len(organisation) > ADVISER_TEXT_MAX:
            raise CaseError(
                _("The adviser's name and organisation must be %(max)s characters or fewer.")
                % {"max": ADVISER_TEXT_MAX},
                f"adviser_{n}_name",
            )
        kept.append(AdviserInput(name=name, role=adviser.role, organisation=organisation))
    if len(kept) > ADVISER_ROWS:
        raise CaseError(_("Name up to %(rows)s advisers.") % {"rows": ADVISER_ROWS})
    return kept


def case_review_hold(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    held_on: datetime.date,
    agencies: list[Agency],
    advisers: list[AdviserInput],
    outcome: str,
    decision: str,
) -> CaseReview:
    """Record an internal or multi-agency review held: the day, the agencies attending (a multi-agency
    review needs one besides the service's own), the forensic or other expert advisers it names, what it
    found and what it decided. The review due of that kind is the one held, its task is done, and the next
    is scheduled from the day it was held."""
    if not allows(actor, Perm.CASE_CHANGE) or not can_see_record(actor, case, Perm.CASE_CHANGE):
        raise PermissionDenied
    if kind not in SCHEDULED_KINDS:
        raise CaseError(_("Choose the kind of review."), "kind")
    if held_on is None:
        raise CaseError(_("Enter the date the review was held."), "held_on")
    if held_on > timezone.localdate():
        raise CaseError(_("The date the review was held must be today or in the past."), "held_on")
    if held_on < timezone.localdate(case.opened_at):
        raise CaseError(
            _("The date the review was held must be on or after the day the case opened."), "held_on"
        )
    allowed = {a.pk for a in review_agencies(case=case)}
    if any(a.pk not in allowed for a in agencies):
        raise CaseError(_("Choose agencies from the list."), "agencies")
    own = set(case.service.agencies.values_list("pk", flat=True))
    if kind == ReviewKind.MULTI_AGENCY and not any(a.pk not in own for a in agencies):
        raise CaseError(_("A multi-agency review needs at least one other agency attending."), "agencies")
    if decision not in ReviewDecision.values:
        raise CaseError(_("Choose what the review decided."), "decision")
    outcome = (outcome or "").strip()
    if not outcome:
        raise CaseError(_("Enter what the review found."), "outcome")
    if len(outcome) > OUTCOME_MAX:
        raise CaseError(
            _("The outcome must be %(max)s characters or fewer.") % {"max": OUTCOME_MAX}, "outcome"
        )
    named = _advisers(advisers)
    typed: dict[str, str] = {"outcome": outcome}
    for n, adviser in enumerate(named, start=1):
        typed[f"adviser_{n}_name"] = adviser.name
        typed[f"adviser_{n}_organisation"] = adviser.organisation
    # Checked before the write's transaction, so that the audit of a refused attempt is kept.
    case_text_refuse(actor=actor, case=case, fields=typed, record_type="case")
    with transaction.atomic():
        return _held(
            actor=actor,
            case=case,
            kind=kind,
            held_on=held_on,
            agencies=agencies,
            named=named,
            outcome=outcome,
            decision=decision,
        )


def _held(
    *,
    actor: Actor,
    case: Case,
    kind: str,
    held_on: datetime.date,
    agencies: list[Agency],
    named: list[AdviserInput],
    outcome: str,
    decision: str,
) -> CaseReview:
    case = case_for_change(actor=actor, case=case)
    review = (
        CaseReview.objects.select_for_update(of=("self",))
        .select_related("task")
        .filter(case=case, kind=kind, held_on__isnull=True)
        .first()
    )
    scheduled = review is not None
    if review is None:
        review = CaseReview(case=case, kind=kind, due_on=held_on)
    review.held_on = held_on
    review.chaired_by = actor.user
    review.recorded_by = actor.user
    review.outcome = outcome
    review.decision = decision
    review.next_review_on = held_on + datetime.timedelta(days=review_interval_days(case=case, kind=kind))
    review.save()
    review.agencies.set(agencies)
    ReviewAdviser.objects.bulk_create(
        ReviewAdviser(review=review, name=a.name, role=a.role, organisation=a.organisation) for a in named
    )
    _task_done(review.task, actor)
    case_event_add(
        case=case,
        kind=CaseEventKind.REVIEW,
        actor=actor,
        detail={"kind": kind, "decision": decision, "held_on": held_on.isoformat()},
    )
    case_audit(
        action=AuditAction.RECORD_CHANGED if scheduled else AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="case_review",
        record_id=review.pk,
        details={
            "case": str(case.pk),
            "kind": kind,
            "held_on": held_on.isoformat(),
            "decision": decision,
            "agencies": sorted(a.slug for a in agencies),
            "advisers": [a.role for a in named],
        },
    )
    case_review_schedule(case=case, actor=actor)
    return review


def _next_meeting(panel: Panel) -> Meeting | None:
    return (
        Meeting.objects.filter(panel=panel, status=MeetingStatus.PLANNED, held_on__gte=timezone.localdate())
        .order_by("held_on")
        .first()
    )


def _scheduled_end(case: Case, actor: Actor | None) -> None:
    """The internal and multi-agency reviews still waiting when a case ends are not held: their tasks go."""
    for review in CaseReview.objects.filter(
        case=case, kind__in=SCHEDULED_KINDS, held_on__isnull=True
    ).select_related("task"):
        _task_done(review.task, actor)
        case_audit(
            action=AuditAction.RECORD_DELETED,
            actor=actor,
            record_type="case_review",
            record_id=review.pk,
            details={"case": str(case.pk), "kind": review.kind, "due_on": review.due_on.isoformat()},
        )
        review.delete()


@transaction.atomic
def reviews_case_ended(*, case: Case, actor: Actor | None, ending: Any = None) -> CaseReview | None:
    """When a case ends (settings.CASE_ENDED): the reviews still scheduled are no longer due, and, where
    the region's rules ask for a post-intervention review and the case came from a panel's decision, the
    person goes on that panel's next planned meeting's agenda to review the decision. With no meeting
    planned, the panel's coordinating agency is given a task saying the review is due. Once per case."""
    case = Case.objects.select_related("service", "person").get(pk=case.pk)
    _scheduled_end(case, actor)
    try:
        rules = casework_rules_for_case(case=case)
    except CaseworkNotLoaded:
        return None
    if not rules.file.reviews.post_intervention_review:
        return None
    decision: Decision | None = case_panel_decision(case=case)
    if decision is None:
        return None
    existing = CaseReview.objects.filter(case=case, kind=ReviewKind.POST_INTERVENTION).first()
    if existing is not None:
        return existing
    panel = decision.item.meeting.panel
    meeting = _next_meeting(panel)
    item: AgendaItem | None = None
    if meeting is not None:
        try:
            item = agenda_review_add(meeting=meeting, decision=decision, actor=actor)
        except PanelError:
            item = None
    today = timezone.localdate()
    review = CaseReview.objects.create(
        case=case,
        kind=ReviewKind.POST_INTERVENTION,
        due_on=meeting.held_on if item is not None and meeting is not None else today,
        panel_decision=decision,
        agenda_item=item,
        recorded_by=actor.user if actor is not None and actor.user.is_authenticated else None,
    )
    if item is None:
        agency = panel_coordinating_agency(panel=panel)
        if agency is not None:
            review.task = CaseTask.objects.create(
                case=case,
                kind=TaskKind.REVIEW,
                agency=agency,
                due_on=today,
                detail={
                    "review": ReviewKind.POST_INTERVENTION,
                    "review_id": str(review.pk),
                    "panel": panel.slug,
                    "decision": str(decision.pk),
                },
            )
            review.save(update_fields=["task"])
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="case_review",
        record_id=review.pk,
        details={
            "case": str(case.pk),
            "kind": ReviewKind.POST_INTERVENTION,
            "panel": panel.slug,
            "decision": str(decision.pk),
            "agenda_item": str(item.pk) if item is not None else None,
            "meeting": str(meeting.pk) if item is not None and meeting is not None else None,
        },
    )
    return review
