"""Meetings: scheduling the next one, who attended, and closing it when the minutes are issued."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pathways.audit.choices import AuditAction
from pathways.panels.choices import (
    MeetingStatus,
)
from pathways.panels.models import (
    Attendance,
    Meeting,
    Panel,
    RfgNomination,
)

if TYPE_CHECKING:
    from pathways.core.policy import Actor
from pathways.panels.services import base
from pathways.panels.services.base import PanelError, audit_panel, meeting_locked, meeting_refuse_if_closed


@transaction.atomic
def meeting_schedule(*, panel: Panel, held_on: datetime.date | None = None, actor: Actor) -> Meeting:
    """The next meeting: on `held_on`, or else on the panel's cadence after its last meeting (the first such
    date that is not before today; today when it has never met). Never two on one day."""
    panel = Panel.objects.select_for_update().get(pk=panel.pk)
    if not panel.is_active:
        raise PanelError(_("This panel no longer meets."))
    if held_on is None:
        last = panel.meetings.order_by("-held_on").values_list("held_on", flat=True).first()
        today = base.today()
        if last is None:
            held_on = today
        else:
            step = datetime.timedelta(days=panel.every_days)
            held_on = last + step
            if held_on < today:
                held_on += step * -(-(today - held_on).days // panel.every_days)
    if panel.meetings.filter(held_on=held_on).exists():
        raise PanelError(_("This panel already meets on %(date)s.") % {"date": date_format(held_on, "j F Y")})
    meeting = Meeting.objects.create(
        panel=panel, held_on=held_on, created_by=actor.user, modified_by=actor.user
    )
    audit_panel(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="meeting",
        record_id=meeting.pk,
        panel=panel.slug,
        held_on=held_on,
    )
    return meeting


@transaction.atomic
def meeting_attendance_record(
    *, meeting: Meeting, attendance: dict[Any, tuple[bool, bool]], actor: Actor
) -> None:
    """Record who attended: member pk -> (present, by_deputy), where present means the seat was filled and
    by_deputy that the deputy filled it (which counts as present). Members not given stay as they were.
    Recording attendance marks the meeting as held, so it is refused before the meeting's day."""
    meeting = meeting_locked(meeting=meeting)
    meeting_refuse_if_closed(meeting=meeting)
    if meeting.held_on > base.today():
        # Recording attendance marks it held: a meeting still to come cannot have been.
        raise PanelError(
            _("Attendance can be recorded from the day of the meeting, %(date)s.")
            % {"date": date_format(meeting.held_on, "j F Y")}
        )
    members = {str(m.pk): m for m in meeting.panel.members.select_related("agency")}
    unknown = [pk for pk in attendance if str(pk) not in members]
    if unknown:
        raise PanelError(_("Only the panel's members can be recorded as attending."))
    for pk, (present, by_deputy) in attendance.items():
        member = members[str(pk)]
        if by_deputy and member.deputy_id is None:
            raise PanelError(
                _("%(agency)s has no deputy named for this seat.") % {"agency": member.agency.name}
            )
        Attendance.objects.update_or_create(
            meeting=meeting,
            member=member,
            defaults={"present": present or by_deputy, "by_deputy": by_deputy},
        )
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.HELD
    meeting.modified_by = actor.user
    meeting.save(update_fields=["status", "modified_by", "modified_at"])
    audit_panel(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="meeting_attendance",
        record_id=meeting.pk,
        present=sum(1 for present, by_deputy in attendance.values() if present or by_deputy),
        recorded=len(attendance),
    )


@transaction.atomic
def meeting_close(*, meeting: Meeting, actor: Actor) -> Meeting:
    """Issue the minutes: the items' decisions and actions are fixed from now on (actions' statuses still
    move). Referrals in that the meeting did not decide go back to wait for the next one."""
    meeting = meeting_locked(meeting=meeting)
    meeting_refuse_if_closed(meeting=meeting)
    undecided = meeting.items.filter(decision__isnull=True)
    decided_people = meeting.items.filter(decision__isnull=False, person__isnull=False).values("person_id")
    carried = (
        RfgNomination.objects.filter(heard_at=meeting)
        .exclude(person_id__in=decided_people)
        .update(heard_at=None)
    )
    meeting.status = MeetingStatus.CLOSED
    meeting.modified_by = actor.user
    meeting.save(update_fields=["status", "modified_by", "modified_at"])
    audit_panel(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="meeting",
        record_id=meeting.pk,
        status=MeetingStatus.CLOSED,
        items=meeting.items.count(),
        undecided=undecided.count(),
        nominations_carried=carried,
    )
    return meeting
