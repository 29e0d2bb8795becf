"""Writes of sessions: a service's groups and their rosters, sessions one-to-one or in a group with who
attended, and the follow-ups the region's file sets after a case ends, with what was learned.

A session the person attended is contact with him and work he has agreed to: it needs the first-contact
gate open (someone has judged, with a reason, that contact will not increase risk) and his consent given.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pathways.accounts.models import User
from pathways.cases.choices import (
    ATTENDED,
    AttendanceStatus,
    CaseEventKind,
    CaseStatus,
    ConsentState,
    FollowUpLearned,
    FollowUpWith,
    SessionStatus,
    TaskKind,
    TaskStatus,
)
from pathways.cases.models import Attendance, Case, CaseTask, FollowUp, Group, GroupMember, Session
from pathways.cases.rulesfile import Programme
from pathways.cases.selectors.rules import CaseworkNotLoaded, casework_rules_for
from pathways.cases.selectors.sessions import case_programme, group_programme, service_staff
from pathways.cases.services.base import AuditAction, CaseError, case_audit, case_event_add, case_for_change
from pathways.cases.services.journeys import journeys_casework_refresh
from pathways.core.policy import Actor, Perm, allows, can_see_record, runs_service, visible_to
from pathways.directory.models import Service
from pathways.panels.protected import protected_markers_for_person
from pathways.people.sealed import sealed_details_refuse

if TYPE_CHECKING:
    from pathways.cases.rulesfile import Ending

MAX_TEXT = 500


@dataclass(frozen=True)
class Attended:
    """One person's attendance at a session as typed: a status and, when absent with a reason, the reason."""

    status: str
    reason: str = ""


def _refuse_sealed(*, actor: Actor, case: Case, fields: Mapping[str, str], record_type: str) -> None:
    """Typed text about the person must not carry the sealed details of the people he harms."""
    if not any((text or "").strip() for text in fields.values()):
        return
    sealed_details_refuse(
        fields=fields,
        markers=protected_markers_for_person(person=case.person, region_id=case.service.region_id),
        actor=actor,
        record_type=record_type,
        record_id=case.pk,
        error=CaseError,
    )


def _group_for_change(*, actor: Actor, group: Group) -> Group:
    if not allows(actor, Perm.CASE_CHANGE) or not can_see_record(actor, group, Perm.CASE_CHANGE):
        raise PermissionDenied
    return Group.objects.select_for_update().select_related("service").get(pk=group.pk)


def _facilitators(service: Service, chosen: Iterable[User]) -> list[User]:
    staff = {u.pk: u for u in service_staff(service=service)}
    chosen = list(chosen)
    if any(u.pk not in staff for u in chosen):
        raise CaseError(
            _("Choose facilitators from the practitioners and managers at the service."), "facilitators"
        )
    return chosen


# --- Groups -------------------------------------------------------------------------------------------


@transaction.atomic
def group_create(
    *,
    actor: Actor,
    service: Service,
    name: str,
    starts_on: datetime.date,
    facilitators: Iterable[User] = (),
) -> Group:
    """A group at a service the actor's agency runs, following the service's programme where the region's
    file gives it one."""
    if not allows(actor, Perm.CASE_CHANGE) or not runs_service(actor, service):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise CaseError(_("Enter the group's name"), "name")
    if len(name) > 100:
        raise CaseError(_("The group's name must be 100 characters or fewer"), "name")
    people = _facilitators(service, facilitators)
    try:
        programme = casework_rules_for(region_id=service.region_id).programme(service.slug)
    except CaseworkNotLoaded:
        programme = None
    group = Group.objects.create(
        service=service, name=name, starts_on=starts_on, programme=service.slug if programme else ""
    )
    group.facilitators.set(people)
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="group",
        record_id=group.pk,
        details={"service": service.slug, "facilitators": sorted(str(u.pk) for u in people)},
    )
    return group


@transaction.atomic
def group_facilitators_set(*, actor: Actor, group: Group, facilitators: Iterable[User]) -> Group:
    group = _group_for_change(actor=actor, group=group)
    people = _facilitators(group.service, facilitators)
    before = sorted(str(pk) for pk in group.facilitators.values_list("pk", flat=True))
    group.facilitators.set(people)
    case_audit(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="group",
        record_id=group.pk,
        details={
            "before": {"facilitators": before},
            "after": {"facilitators": sorted(str(u.pk) for u in people)},
        },
    )
    return group


@transaction.atomic
def group_end(*, actor: Actor, group: Group) -> Group:
    """End a group that has run its course: it takes no more sessions or members; its roster and its
    sessions stay on the record, and on each case."""
    group = _group_for_change(actor=actor, group=group)
    if not group.is_active:
        raise CaseError(_("This group has ended."), "group")
    group.is_active = False
    group.save(update_fields=["is_active"])
    case_audit(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="group",
        record_id=group.pk,
        details={"before": {"is_active": True}, "after": {"is_active": False}},
    )
    return group


@transaction.atomic
def group_roster_add(*, actor: Actor, group: Group, case: Case) -> GroupMember:
    """Put an open case at the group's service on its roster."""
    group = _group_for_change(actor=actor, group=group)
    if not group.is_active:
        raise CaseError(_("This group has ended."), "case")
    case = case_for_change(actor=actor, case=case)
    if case.service_id != group.service_id:
        raise CaseError(
            _("Only open cases at %(service)s can join this group.") % {"service": group.service.name}, "case"
        )
    if GroupMember.objects.filter(group=group, case=case).exists():
        raise CaseError(_("This case is already on the group's roster."), "case")
    member = GroupMember.objects.create(group=group, case=case)
    case_event_add(
        case=case,
        kind=CaseEventKind.SESSION,
        actor=actor,
        detail={"roster": "joined", "group": str(group.pk)},
    )
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="group_member",
        record_id=member.pk,
        details={"group": str(group.pk), "case": str(case.pk)},
    )
    return member


@transaction.atomic
def group_roster_remove(*, actor: Actor, group: Group, case: Case) -> None:
    """Take a case off the group's roster; its attendance so far stays on the case."""
    group = _group_for_change(actor=actor, group=group)
    case = case_for_change(actor=actor, case=case, open_only=False)
    member = GroupMember.objects.filter(group=group, case=case).first()
    if member is None:
        raise CaseError(_("This case is not on the group's roster."), "case")
    member_id = member.pk
    member.delete()
    case_event_add(
        case=case, kind=CaseEventKind.SESSION, actor=actor, detail={"roster": "left", "group": str(group.pk)}
    )
    case_audit(
        action=AuditAction.RECORD_DELETED,
        actor=actor,
        record_type="group_member",
        record_id=member_id,
        details={"group": str(group.pk), "case": str(case.pk)},
    )


# --- Sessions -----------------------------------------------------------------------------------------


def _check_date(status: str, held_on: datetime.date) -> None:
    today = timezone.localdate()
    if status == SessionStatus.HELD and held_on > today:
        raise CaseError(_("The date of a session that was held must be today or in the past"), "held_on")
    if status == SessionStatus.PLANNED and held_on < today:
        raise CaseError(_("The date of a planned session must be today or in the future"), "held_on")


def _check_step(programme: Programme | None, step: str, format: str) -> dict[str, str] | None:
    """The step's names from the region's file, or None for an ad-hoc session."""
    if not step:
        return None
    rule = next((s for s in programme.sessions if s.slug == step), None) if programme else None
    if rule is None or rule.format != format:
        raise CaseError(_("Choose a session from the programme, or an ad-hoc session"), "step")
    return {"en": rule.name.en, "cy": rule.name.cy}


def _check_attended(case: Case, field: str) -> None:
    """A session the person attended is contact and change work: the gate open and consent given."""
    if case.status != CaseStatus.OPEN:
        raise CaseError(_("This case is closed."), field)
    if not case.contact_allowed:
        raise CaseError(
            _(
                "Contact is not allowed yet: record the decision that contact will not increase risk before "
                "recording a session the person attended."
            ),
            field,
        )
    if case.consent != ConsentState.GIVEN:
        raise CaseError(
            _(
                "The person has not given consent to this work: record their consent before recording a "
                "session they attended."
            ),
            field,
        )


def _check_attendance(
    *, actor: Actor, case: Case, given: Attended, field: str, reason_field: str
) -> Attended:
    if given.status not in AttendanceStatus.values:
        raise CaseError(_("Say whether the person attended"), field)
    reason = (given.reason or "").strip()
    if given.status == AttendanceStatus.ABSENT_WITH_REASON:
        if not reason:
            raise CaseError(_("Give the reason for the absence"), reason_field)
        if len(reason) > MAX_TEXT:
            raise CaseError(_("The reason must be 500 characters or fewer"), reason_field)
    else:
        reason = ""
    if given.status in ATTENDED:
        _check_attended(case, field)
    return Attended(given.status, reason)


def _first_contact(case: Case, held_on: datetime.date, starts_at: datetime.time | None) -> None:
    if case.first_contact_at is not None:
        return
    if held_on == timezone.localdate() and starts_at is None:
        case.first_contact_at = timezone.now()
    else:
        at = datetime.datetime.combine(held_on, starts_at or datetime.time(0, 0))
        case.first_contact_at = timezone.make_aware(at)
    case.save(update_fields=["first_contact_at"])


def _reasons_refuse(*, actor: Actor, one_to_one: bool, given: Mapping[uuid.UUID, Attended]) -> None:
    typed = {
        case_id: a.reason.strip()
        for case_id, a in given.items()
        if a.status == AttendanceStatus.ABSENT_WITH_REASON and (a.reason or "").strip()
    }
    if not typed:
        return
    cases = visible_to(actor, Case.objects.filter(pk__in=list(typed)), Perm.CASE_CHANGE).select_related(
        "person", "service"
    )
    for case in cases:
        field = "reason" if one_to_one else f"reason_{case.pk}"
        _refuse_sealed(actor=actor, case=case, fields={field: typed[case.pk]}, record_type="attendance")


def session_record(
    *,
    actor: Actor,
    held_on: datetime.date,
    case: Case | None = None,
    group: Group | None = None,
    step: str = "",
    starts_at: datetime.time | None = None,
    status: str = SessionStatus.HELD,
    attendance: Mapping[uuid.UUID, Attended] | None = None,
    facilitators: Iterable[User] | None = None,
) -> Session:
    """Record a session: one-to-one with `case`, or with `group`, for a session of the service's programme
    (`step`, a session slug from the region's file) or ad hoc (blank). A held session takes the attendance
    of the case, or of every open case on the group's roster (by case id); a planned or cancelled one none.
    A planned session of the same programme step is the one recorded as held or cancelled."""
    if (case is None) == (group is None):
        raise ValueError("a session is one-to-one (case) or a group's (group)")
    # Checked before anything is written, so that the refused attempt stays on the audit log.
    if status == SessionStatus.HELD:
        _reasons_refuse(actor=actor, one_to_one=case is not None, given=attendance or {})
    with transaction.atomic():
        return _session_record(
            actor=actor,
            held_on=held_on,
            case=case,
            group=group,
            step=step,
            starts_at=starts_at,
            status=status,
            attendance=attendance,
            facilitators=facilitators,
        )


def _session_record(
    *,
    actor: Actor,
    held_on: datetime.date,
    case: Case | None,
    group: Group | None,
    step: str,
    starts_at: datetime.time | None,
    status: str,
    attendance: Mapping[uuid.UUID, Attended] | None,
    facilitators: Iterable[User] | None,
) -> Session:
    if status not in SessionStatus.values:
        raise CaseError(_("Say whether the session was held, is planned or was cancelled"), "status")
    _check_date(status, held_on)
    given = dict(attendance or {}) if status == SessionStatus.HELD else {}
    if case is not None:
        case = case_for_change(actor=actor, case=case)
        service = case.service
        programme = case_programme(case=case)
        names = _check_step(programme, step, "one_to_one")
        members = {case.pk: case}
        default_facilitators = [actor.user] if actor.user in service_staff(service=service) else []
    else:
        assert group is not None
        group = _group_for_change(actor=actor, group=group)
        if not group.is_active:
            raise CaseError(_("This group has ended."), "step")
        service = group.service
        programme = group_programme(group=group)
        names = _check_step(programme, step, "group")
        members = {
            c.pk: c
            for c in Case.objects.select_for_update(of=("self",))
            .filter(group_memberships__group=group, status=CaseStatus.OPEN)
            .select_related("service", "person")
        }
        default_facilitators = list(group.facilitators.all())
    people = _facilitators(service, default_facilitators if facilitators is None else facilitators)
    checked: dict[uuid.UUID, Attended] = {}
    if status == SessionStatus.HELD:
        unknown = set(given) - set(members)
        if unknown:
            raise CaseError(_("Only open cases on the group's roster can attend its sessions."))
        for case_id, member in members.items():
            field = "attendance" if group is None else f"member_{case_id}"
            reason_field = "reason" if group is None else f"reason_{case_id}"
            if case_id not in given:
                raise CaseError(_("Say whether the person attended"), field)
            checked[case_id] = _check_attendance(
                actor=actor, case=member, given=given[case_id], field=field, reason_field=reason_field
            )
    if case is not None and step and checked.get(case.pk) and checked[case.pk].status in ATTENDED:
        earlier = (
            Attendance.objects.filter(case=case, session__programme_step=step, status__in=ATTENDED)
            .select_related("session")
            .first()
        )
        if earlier is not None:
            raise CaseError(
                _("This programme session is already recorded as attended, on %(date)s.")
                % {"date": date_format(earlier.session.held_on, "j F Y")},
                "step",
            )
    planned = None
    if step:
        planned = (
            Session.objects.select_for_update()
            .filter(case=case, group=group, programme_step=step, status=SessionStatus.PLANNED)
            .order_by("held_on")
            .first()
        )
    if planned is not None:
        session = planned
        session.held_on, session.starts_at, session.status = held_on, starts_at, status
        session.recorded_by, session.recorded_at = actor.user, timezone.now()
        session.save()
        action = AuditAction.RECORD_CHANGED
    else:
        session = Session.objects.create(
            service=service,
            case=case,
            group=group,
            programme_step=step,
            held_on=held_on,
            starts_at=starts_at,
            status=status,
            recorded_by=actor.user,
        )
        action = AuditAction.RECORD_CREATED
    session.facilitators.set(people)
    Attendance.objects.bulk_create(
        Attendance(session=session, case_id=case_id, status=a.status, reason=a.reason)
        for case_id, a in checked.items()
    )
    facts: dict[str, Any] = {
        "session": str(session.pk),
        "held_on": held_on.isoformat(),
        "status": status,
        "group": group is not None,
    }
    if names:
        facts["step"] = names
    for case_id, member in members.items():
        if status == SessionStatus.HELD and case_id not in checked:
            continue
        if group is not None and status != SessionStatus.HELD:
            continue  # a group's planned or cancelled session is the group's, not each case's history
        detail = dict(facts)
        if case_id in checked:
            detail["attendance"] = checked[case_id].status
            if checked[case_id].status in ATTENDED:
                _first_contact(member, held_on, starts_at)
        case_event_add(case=member, kind=CaseEventKind.SESSION, actor=actor, detail=detail)
    journeys_casework_refresh(case_ids=list(checked))
    case_audit(
        action=action,
        actor=actor,
        record_type="session",
        record_id=session.pk,
        details={
            "service": service.slug,
            "case": str(case.pk) if case else "",
            "group": str(group.pk) if group else "",
            "step": step,
            "status": status,
            "held_on": held_on.isoformat(),
            "attendance": {str(k): v.status for k, v in checked.items()},
        },
    )
    return session


# --- Follow-ups ---------------------------------------------------------------------------------------


def sessions_case_ended(*, case: Case, actor: Actor | None, ending: Ending) -> list[CaseTask]:
    """When a case ends: each follow-up of the service's programme in the region's file becomes a task for
    the case worker at the service's agency, due that many weeks after the end. Called once per ending;
    a follow-up already set is not set again."""
    programme = case_programme(case=case)
    agency = case.service.agencies.order_by("pk").first()
    if programme is None or not programme.follow_ups or agency is None:
        return []
    ended_on = timezone.localdate(case.closed_at) if case.closed_at else timezone.localdate()
    created = []
    for rule in programme.follow_ups:
        if CaseTask.objects.filter(case=case, kind=TaskKind.FOLLOW_UP, detail__follow_up=rule.slug).exists():
            continue
        due_on = ended_on + datetime.timedelta(weeks=rule.weeks_after_end)
        task = CaseTask.objects.create(
            case=case,
            kind=TaskKind.FOLLOW_UP,
            agency=agency,
            user=case.worker,
            due_on=due_on,
            detail={"follow_up": rule.slug},
        )
        case_event_add(
            case=case,
            kind=CaseEventKind.FOLLOW_UP,
            actor=actor,
            detail={"follow_up": {"en": rule.name.en, "cy": rule.name.cy}, "due_on": due_on.isoformat()},
        )
        case_audit(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="case_task",
            record_id=task.pk,
            details={
                "case": str(case.pk),
                "kind": TaskKind.FOLLOW_UP,
                "follow_up": rule.slug,
                "ending": ending.state,
            },
        )
        created.append(task)
    return created


def follow_up_record(
    *,
    actor: Actor,
    case: Case,
    task: CaseTask,
    done_on: datetime.date,
    with_whom: str,
    learned: str,
    detail: str = "",
) -> FollowUp:
    """Record a follow-up as done: when, with whom and what was learned; the task it was is done. Follow-ups
    come after a case ends, so a closed case takes them."""
    if not allows(actor, Perm.CASE_CHANGE) or not can_see_record(actor, case, Perm.CASE_CHANGE):
        raise PermissionDenied
    detail = (detail or "").strip()
    # Checked before anything is written, so that the refused attempt stays on the audit log.
    _refuse_sealed(actor=actor, case=case, fields={"detail": detail}, record_type="follow_up")
    with transaction.atomic():
        return _follow_up_record(
            actor=actor,
            case=case,
            task=task,
            done_on=done_on,
            with_whom=with_whom,
            learned=learned,
            detail=detail,
        )


def _follow_up_record(
    *,
    actor: Actor,
    case: Case,
    task: CaseTask,
    done_on: datetime.date,
    with_whom: str,
    learned: str,
    detail: str,
) -> FollowUp:
    case = case_for_change(actor=actor, case=case, open_only=False)
    task = CaseTask.objects.select_for_update().filter(pk=task.pk, case=case, kind=TaskKind.FOLLOW_UP).first()  # type: ignore[assignment]
    if task is None:
        raise CaseError(_("Choose a follow-up that is due on this case."), "task")
    if task.status != TaskStatus.OPEN:
        raise CaseError(_("This follow-up is already recorded."), "task")
    if done_on > timezone.localdate():
        raise CaseError(_("The date of the follow-up must be today or in the past"), "done_on")
    if case.closed_at is not None and done_on < timezone.localdate(case.closed_at):
        raise CaseError(
            _("A follow-up comes after the case ended, on %(date)s.")
            % {"date": date_format(timezone.localdate(case.closed_at), "j F Y")},
            "done_on",
        )
    if with_whom not in FollowUpWith.values:
        raise CaseError(_("Say who the follow-up was with"), "with_whom")
    if learned not in FollowUpLearned.values:
        raise CaseError(_("Say what was learned"), "learned")
    if len(detail) > MAX_TEXT:
        raise CaseError(_("What was learned must be 500 characters or fewer"), "detail")
    slug = str(task.detail.get("follow_up", ""))
    follow_up = FollowUp.objects.create(
        case=case,
        task=task,
        slug=slug,
        done_on=done_on,
        with_whom=with_whom,
        learned=learned,
        detail=detail,
        recorded_by=actor.user,
    )
    task.status, task.done_at, task.done_by = TaskStatus.DONE, timezone.now(), actor.user
    task.save(update_fields=["status", "done_at", "done_by"])
    programme = case_programme(case=case)
    rule = next((f for f in programme.follow_ups if f.slug == slug), None) if programme else None
    case_event_add(
        case=case,
        kind=CaseEventKind.FOLLOW_UP,
        actor=actor,
        detail={
            "follow_up": {"en": rule.name.en, "cy": rule.name.cy} if rule else {"en": slug, "cy": slug},
            "with_whom": with_whom,
            "learned": learned,
        },
    )
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="follow_up",
        record_id=follow_up.pk,
        details={"case": str(case.pk), "task": str(task.pk), "with_whom": with_whom, "learned": learned},
    )
    case_audit(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="case_task",
        record_id=task.pk,
        details={"before": {"status": TaskStatus.OPEN}, "after": {"status": TaskStatus.DONE}},
    )
    return follow_up
