"""Writes of joint case meetings: planning one on the region's cadence (its agenda is every pair of linked
open cases), minuting each item (the minute both services read is checked for her sealed details; the
support service's own minute stays on her side), agreeing actions, which go on the Tasks of the service
doing them, and recording the meeting as held."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.cases.choices import JointMeetingStatus, TaskKind
from pathways.cases.models import CaseTask, JointAction, JointItem, JointItemHer, JointMeeting
from pathways.cases.rulesfile import JointMeetingRule
from pathways.cases.selectors.alerts import worker_agency_ids
from pathways.cases.selectors.case import case_sealed_markers
from pathways.cases.selectors.joint import joint_agenda_pairs, joint_reader
from pathways.cases.services.base import AuditAction, CaseError, case_audit, text_markers_refuse
from pathways.core.policy import Actor, Perm, allows, runs_service
from pathways.directory.models import Service

TEXT_MAX = 4000
RECORDED_AFTER_DAYS = 365
PLANNED_AHEAD_DAYS = 365
ACTION_MAX = 500


def _may_change(actor: Actor, meeting: JointMeeting, *, planned_only: bool = False) -> None:
    reader = joint_reader(actor=actor, meeting=meeting)
    if not allows(actor, Perm.CASE_CHANGE) or not (reader.his_side or reader.her_side):
        raise PermissionDenied
    if planned_only and meeting.status != JointMeetingStatus.PLANNED:
        raise CaseError(_("The meeting has been held: its minutes and actions stand as they are."))


@transaction.atomic
def joint_meeting_plan(
    *, actor: Actor, rule: JointMeetingRule, region_id: int, held_on: datetime.date
) -> JointMeeting:
    """Plan the next meeting of a series on a day (or record one held in the last year), with its agenda
    built from the linked open cases."""
    services = {s.slug: s for s in Service.objects.filter(region_id=region_id)}
    his_service, her_service = services.get(rule.perpetrator_service), services.get(rule.support_service)
    if his_service is None or her_service is None:
        raise CaseError(_("The region's directory no longer lists both services of this series."), "held_on")
    if not allows(actor, Perm.CASE_CHANGE) or not (
        runs_service(actor, his_service) or runs_service(actor, her_service)
    ):
        raise PermissionDenied
    # A meeting already held may be recorded afterwards, within the year.
    if held_on < timezone.localdate() - datetime.timedelta(days=RECORDED_AFTER_DAYS):
        raise CaseError(_("The meeting must be within the last year, or later."), "held_on")
    if held_on > timezone.localdate() + datetime.timedelta(days=PLANNED_AHEAD_DAYS):
        raise CaseError(_("The meeting must be within the next year."), "held_on")
    taken = CaseError(_("A meeting of this series is already planned on that day."), "held_on")
    if JointMeeting.objects.filter(slug=rule.slug, held_on=held_on).exists():
        raise taken
    try:
        with transaction.atomic():
            meeting = JointMeeting.objects.create(
                slug=rule.slug,
                perpetrator_service=his_service,
                support_service=her_service,
                held_on=held_on,
                created_by=actor.user,
            )
    except IntegrityError as error:  # planned by someone else a moment ago
        raise taken from error
    added = _agenda_fill(meeting)
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="joint_meeting",
        record_id=meeting.pk,
        details={"series": rule.slug, "held_on": held_on.isoformat(), "items": added},
    )
    return meeting


def _agenda_fill(meeting: JointMeeting) -> int:
    """Add each pair of linked open cases not yet on the agenda. How many were added."""
    on_agenda = set(
        JointItemHer.objects.filter(item__meeting=meeting).values_list("item__his_case_id", "her_case_id")
    )
    position = JointItem.objects.filter(meeting=meeting).aggregate(n=Max("position"))["n"] or 0
    added = 0
    for his, hers in joint_agenda_pairs(
        perpetrator_service=meeting.perpetrator_service, support_service=meeting.support_service
    ):
        if (his.pk, hers.pk) in on_agenda:
            continue
        position += 1
        item = JointItem.objects.create(meeting=meeting, his_case=his, position=position)
        JointItemHer.objects.create(item=item, her_case=hers)
        added += 1
    meeting.agenda_built_at = timezone.now()
    meeting.save(update_fields=["agenda_built_at"])
    return added


@transaction.atomic
def joint_agenda_update(*, actor: Actor, meeting: JointMeeting) -> int:
    """Bring a planned meeting's agenda up to date: pairs linked since it was planned are added."""
    _may_change(actor, meeting)
    meeting = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != JointMeetingStatus.PLANNED:
        raise CaseError(_("The meeting has been held: its agenda is kept as it was."))
    added = _agenda_fill(meeting)
    case_audit(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="joint_meeting",
        record_id=meeting.pk,
        details={"items_added": added},
    )
    return added


def joint_minute_record(
    *, actor: Actor, item: JointItem, shared_minute: str, support_minute: str | None = None
) -> JointItem:
    """Minute an item: the minute both services read (refused if it holds a sealed detail of anyone he
    harms) and, for the support service only, its own minute on her side. Only before it is held."""
    _may_change(actor, item.meeting, planned_only=True)
    reader = joint_reader(actor=actor, meeting=item.meeting)
    shared_minute = (shared_minute or "").strip()
    if len(shared_minute) > TEXT_MAX:
        raise CaseError(
            _("The minute must be %(max)s characters or fewer.") % {"max": TEXT_MAX}, "shared_minute"
        )
    if support_minute is not None and not reader.her_side:
        raise PermissionDenied
    text_markers_refuse(
        actor=actor,
        markers=case_sealed_markers(case=item.his_case),
        fields={"shared_minute": shared_minute},
        record_type="joint_item",
        record_id=item.pk,
    )
    with transaction.atomic():
        item = JointItem.objects.select_for_update().get(pk=item.pk)
        now = timezone.now()
        if shared_minute != item.shared_minute:
            item.shared_minute, item.minuted_by, item.minuted_at = shared_minute, actor.user, now
            item.save(update_fields=["shared_minute", "minuted_by", "minuted_at"])
        changed_hers = False
        if support_minute is not None:
            hers = JointItemHer.objects.select_for_update().get(item=item)
            support_minute = support_minute.strip()[:TEXT_MAX]
            if support_minute != hers.support_minute:
                hers.support_minute, hers.minuted_by, hers.minuted_at = support_minute, actor.user, now
                hers.save(update_fields=["support_minute", "minuted_by", "minuted_at"])
                changed_hers = True
        case_audit(
            action=AuditAction.RECORD_CHANGED,
            actor=actor,
            record_type="joint_item",
            record_id=item.pk,
            details={"meeting": str(item.meeting_id), "support_minute": changed_hers},
        )
    return item


def joint_action_add(
    *, actor: Actor, item: JointItem, text: str, service: Service, due_on: datetime.date
) -> JointAction:
    """Agree an action about his case for one of the two services: a task on its agency's Tasks. Only
    before the meeting is recorded as held."""
    _may_change(actor, item.meeting, planned_only=True)
    text = (text or "").strip()
    meeting = item.meeting
    if not text:
        raise CaseError(_("Say what is to be done."), "text")
    if len(text) > ACTION_MAX:
        raise CaseError(_("The action must be %(max)s characters or fewer.") % {"max": ACTION_MAX}, "text")
    if service.pk not in (meeting.perpetrator_service_id, meeting.support_service_id):
        raise CaseError(_("Choose one of the two services at the meeting."), "service")
    if due_on < meeting.held_on:
        raise CaseError(_("The action must be due on or after the day of the meeting."), "due_on")
    text_markers_refuse(
        actor=actor,
        markers=case_sealed_markers(case=item.his_case),
        fields={"text": text},
        record_type="joint_action",
        record_id=item.pk,
    )
    with transaction.atomic():
        case = item.his_case
        worker = case.worker_id if service.pk == case.service_id else None
        agency_id = worker_agency_ids([(service.pk, worker)]).get((service.pk, worker))
        task = None
        if agency_id is not None:
            task = CaseTask.objects.create(
                case=case,
                kind=TaskKind.JOINT_ACTION,
                agency_id=agency_id,
                user_id=worker,
                due_on=due_on,
                detail={"joint_meeting": str(meeting.pk), "meeting_on": meeting.held_on.isoformat()},
            )
        action = JointAction.objects.create(
            item=item, text=text, service=service, due_on=due_on, task=task, created_by=actor.user
        )
        case_audit(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="joint_action",
            record_id=action.pk,
            details={
                "meeting": str(meeting.pk),
                "service": service.slug,
                "task": str(task.pk) if task else "",
            },
        )
    return action


@transaction.atomic
def joint_meeting_held(*, actor: Actor, meeting: JointMeeting) -> JointMeeting:
    """Record that the meeting was held: its agenda and minutes stand as they are."""
    _may_change(actor, meeting)
    meeting = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == JointMeetingStatus.HELD:
        raise CaseError(_("The meeting is already recorded as held."))
    if meeting.held_on > timezone.localdate():
        raise CaseError(_("A meeting planned for a later day cannot be recorded as held yet."))
    meeting.status = JointMeetingStatus.HELD
    meeting.save(update_fields=["status", "modified_at"])
    case_audit(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="joint_meeting",
        record_id=meeting.pk,
        details={"status": JointMeetingStatus.HELD},
    )
    return meeting
