"""Reading the meeting record: quorum, actions and the minutes.

These read what they are given; the access policy (visible_to / get_for_actor with the agency path
"panel__members__agency" from a meeting) decides who is given what.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency
from pathways.panels.choices import ActionStatus, AgendaReason, MemberRole, Outcome
from pathways.panels.models import Action, AgendaItem, Attendance, Meeting


@dataclass(frozen=True)
class Quorum:
    quorate: bool
    present: list[Agency]
    needed: int
    missing: list[Agency]


def quorum(meeting: Meeting) -> Quorum:
    """Whether enough member agencies were present, in person or by deputy (one agency counts once)."""
    seated = {
        a.pk: a
        for a in Agency.objects.filter(panel_seats__panel_id=meeting.panel_id).distinct().order_by("name_en")
    }
    present_ids = set(
        Attendance.objects.filter(meeting=meeting, present=True).values_list("member__agency_id", flat=True)
    )
    present = [a for pk, a in seated.items() if pk in present_ids]
    missing = [a for pk, a in seated.items() if pk not in present_ids]
    needed = meeting.panel.quorum
    return Quorum(quorate=len(present) >= needed, present=present, needed=needed, missing=missing)


def overdue_actions(today: datetime.date, agency: Agency | None = None) -> QuerySet[Action]:
    """Open actions due before `today`, oldest first; optionally only one agency's."""
    actions = Action.objects.filter(status=ActionStatus.OPEN, due_on__lt=today)
    if agency is not None:
        actions = actions.filter(agency=agency)
    return actions.select_related("agency", "item__meeting__panel").order_by("due_on", "created_at")


def actions_for_agency(agency: Agency) -> QuerySet[Action]:
    """Every action an agency owns: open ones first, soonest due first."""
    open_first = Case(
        When(status=ActionStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        Action.objects.filter(agency=agency)
        .select_related("agency", "owner", "item__meeting__panel")
        .annotate(open_first=open_first)
        .order_by("open_first", "due_on", "created_at")
    )


# --- minutes -------------------------------------------------------------------------------------------


def person_label(item: AgendaItem) -> str:
    """How papers name the person on an item: their name, or the police reference when there is no record.
    Never anything sealed (address, phone, email, school) and never where they live."""
    if item.person is not None:
        return item.person.display_name
    return _("Police reference %(reference)s") % {"reference": item.police_reference}


@dataclass(frozen=True)
class MinutesAction:
    description: str
    agency_name: str
    owner_name: str
    due_on: datetime.date
    status: str
    status_label: str


@dataclass(frozen=True)
class MinutesItem:
    position: int
    person_label: str
    reason: str
    reason_label: str
    other_reason_labels: list[str]
    repeat: bool
    referring_agency_name: str
    decided: bool
    outcome: str
    outcome_label: str
    reasons: str
    review_on: datetime.date | None
    decided_by: list[str]
    actions: list[MinutesAction] = field(default_factory=list)


@dataclass(frozen=True)
class MinutesAttendee:
    agency_name: str
    name: str
    role: str
    role_label: str
    recorded: bool
    present: bool
    by_deputy: bool


@dataclass(frozen=True)
class Minutes:
    """Everything the minutes show, with labels in the language active when it was made."""

    meeting_id: object
    panel_name: str
    panel_kind_label: str
    held_on: datetime.date
    status: str
    status_label: str
    attendance: list[MinutesAttendee]
    quorate: bool
    agencies_present: list[str]
    agencies_needed: int
    agencies_missing: list[str]
    items: list[MinutesItem]


def _label(
    choices: type[AgendaReason] | type[Outcome] | type[ActionStatus] | type[MemberRole], value: str
) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def minutes(meeting: Meeting) -> Minutes:
    """The minutes of a meeting from its record, in the active language. A few queries, whatever the size
    of the agenda. Never a person's sealed contact details or location."""
    meeting = Meeting.objects.select_related("panel").get(pk=meeting.pk)
    panel = meeting.panel
    recorded = {a.member_id: a for a in Attendance.objects.filter(meeting=meeting)}
    attendance = [
        MinutesAttendee(
            agency_name=m.agency.name,
            name=(m.deputy.full_name or m.deputy.username)
            if recorded.get(m.pk) and recorded[m.pk].by_deputy and m.deputy
            else (m.user.full_name or m.user.username),
            role=m.role,
            role_label=_label(MemberRole, m.role),
            recorded=m.pk in recorded,
            present=bool(recorded.get(m.pk) and recorded[m.pk].present),
            by_deputy=bool(recorded.get(m.pk) and recorded[m.pk].by_deputy),
        )
        for m in panel.members.select_related("agency", "user", "deputy").order_by("role", "agency__name_en")
    ]
    items = (
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("person", "referring_agency", "decision")
        .prefetch_related("decision__decided_by", "actions__agency", "actions__owner")
        .order_by("position")
    )
    minutes_items = []
    for item in items:
        decision = getattr(item, "decision", None)
        minutes_items.append(
            MinutesItem(
                position=item.position,
                person_label=person_label(item),
                reason=item.reason,
                reason_label=_label(AgendaReason, item.reason),
                other_reason_labels=[_label(AgendaReason, r) for r in item.other_reasons],
                repeat=item.repeat,
                referring_agency_name=item.referring_agency.name if item.referring_agency else "",
                decided=decision is not None,
                outcome=decision.outcome if decision else "",
                outcome_label=_label(Outcome, decision.outcome) if decision else "",
                reasons=decision.reasons if decision else "",
                review_on=decision.review_on if decision else None,
                decided_by=sorted((a.name for a in decision.decided_by.all()), key=str.casefold)
                if decision
                else [],
                actions=[
                    MinutesAction(
                        description=a.description,
                        agency_name=a.agency.name,
                        owner_name=(a.owner.full_name or a.owner.username) if a.owner else "",
                        due_on=a.due_on,
                        status=a.status,
                        status_label=_label(ActionStatus, a.status),
                    )
                    for a in sorted(item.actions.all(), key=lambda a: (a.due_on, a.created_at))
                ],
            )
        )
    quorum_now = quorum(meeting)
    return Minutes(
        meeting_id=meeting.pk,
        panel_name=panel.name,
        panel_kind_label=str(panel.get_kind_display()),
        held_on=meeting.held_on,
        status=meeting.status,
        status_label=str(meeting.get_status_display()),
        attendance=attendance,
        quorate=quorum_now.quorate,
        agencies_present=[a.name for a in quorum_now.present],
        agencies_needed=quorum_now.needed,
        agencies_missing=[a.name for a in quorum_now.missing],
        items=minutes_items,
    )
