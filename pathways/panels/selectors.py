"""Reading the meeting record: look-ups through the access policy, quorum, actions and the minutes.

Every record is found through the policy (`visible_to` / `get_for_actor`), which reads each model's
ownership declaration: a panel's record belongs to the people holding its seats, on the sides of a family
their agency may see. Someone without a seat is told the record does not exist.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency, User
from pathways.assessments.models import RegionAssessmentSettings, ScreeningRound
from pathways.core.access import Side
from pathways.core.policy import Actor, Perm, get_for_actor, visible_to
from pathways.core.sealedtext import Marker
from pathways.panels import protected
from pathways.panels.choices import (
    ActionStatus,
    AgendaReason,
    MemberRole,
    Outcome,
    PanelKind,
    agenda_reason_label,
)
from pathways.panels.models import Action, AgendaItem, Attendance, Meeting, Panel, PanelMember, RfgNomination
from pathways.people.choices import PARTNER_KINDS
from pathways.people.models import Relationship
from pathways.people.sealed import sealed_details_withhold, withheld_message

# --- look-ups --------------------------------------------------------------------------------------


def panels_for(*, actor: Actor) -> QuerySet[Panel]:
    """The active panels the actor holds (or deputises in) a seat on."""
    return visible_to(actor, Panel.objects.filter(is_active=True), Perm.PANEL_CASE_VIEW)


def panel_get(*, actor: Actor, panel_id: uuid.UUID, perm: Perm = Perm.PANEL_CASE_VIEW) -> Panel:
    return get_for_actor(actor, Panel.objects.select_related("region"), perm, pk=panel_id)


def marac_get(*, actor: Actor, panel_id: uuid.UUID, perm: Perm) -> Panel:
    """A MARAC the actor may read in the way `perm` says (its quarterly return, say)."""
    return get_for_actor(actor, Panel.objects.filter(kind=PanelKind.MARAC), perm, pk=panel_id)


def panel_members(*, panel: Panel) -> list[PanelMember]:
    return list(panel.members.select_related("agency", "user", "deputy"))


def panel_coordinating_agency(*, panel: Panel) -> Agency | None:
    """The agency of the panel's coordinator's seat (the chair's, if it has no coordinator): where work
    for the panel's next discussion goes."""
    for role in (MemberRole.COORDINATOR, MemberRole.CHAIR):
        seat = panel.members.filter(role=role).select_related("agency").order_by("pk").first()
        if seat is not None:
            return seat.agency
    return None


def panel_member_agencies(*, panel: Panel) -> QuerySet[Agency]:
    return Agency.objects.filter(panel_seats__panel=panel).distinct().order_by("name_en")


def action_owners(*, agencies: QuerySet[Agency]) -> QuerySet[User]:
    """The people an action may be given to: active staff of the panel's member agencies."""
    return (
        User.objects.filter(
            is_active=True, memberships__is_active=True, memberships__agency__in=agencies.values("pk")
        )
        .distinct()
        .order_by("full_name", "username")
    )


def meetings_next(*, panels: list[Panel], today: datetime.date) -> dict[object, Meeting]:
    """Each panel's next meeting on or after `today`, by panel id, in one query."""
    upcoming: dict[object, Meeting] = {}
    for meeting in Meeting.objects.filter(panel__in=panels, held_on__gte=today).order_by("held_on"):
        upcoming.setdefault(meeting.panel_id, meeting)
    return upcoming


def nominations_waiting(*, actor: Actor, panel: Panel) -> QuerySet[RfgNomination]:
    """People referred in to the panel and not yet heard, as far as the actor may see them."""
    waiting = RfgNomination.objects.filter(panel=panel, heard_at__isnull=True)
    return visible_to(actor, waiting, Perm.PANEL_CASE_VIEW).select_related("person", "agency")


def meeting_get(*, actor: Actor, meeting_id: uuid.UUID) -> Meeting:
    return get_for_actor(actor, Meeting.objects.select_related("panel"), Perm.PANEL_CASE_VIEW, pk=meeting_id)


def agenda_item_get(*, actor: Actor, item_id: uuid.UUID, perm: Perm = Perm.PANEL_CASE_VIEW) -> AgendaItem:
    items = AgendaItem.objects.select_related(
        "meeting__panel",
        "person",
        "assessment__instrument_version",
        "rfg_score__area",
        "nomination__agency",
        "review_of__item__meeting",
        "referring_agency",
    )
    return get_for_actor(actor, items, perm, pk=item_id)


def agenda_items_for(*, actor: Actor, meeting: Meeting) -> QuerySet[AgendaItem]:
    """The meeting's items the actor may see: a seat on the perpetrator side sees no victim's case."""
    return visible_to(actor, meeting.items.all(), Perm.PANEL_CASE_VIEW)


def visible_item_ids(*, actor: Actor, item_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these items the actor may see. An action a panel set for a perpetrator service on a
    victim's case reaches it (the policy's crossing "panel_action"), but the case itself does not."""
    if not item_ids:
        return set()
    items = visible_to(actor, AgendaItem.objects.filter(pk__in=item_ids), Perm.PANEL_CASE_VIEW)
    return set(items.values_list("pk", flat=True))


def action_get(*, actor: Actor, action_id: uuid.UUID) -> Action:
    actions = Action.objects.select_related("item__meeting__panel", "item__person", "agency", "owner")
    return get_for_actor(actor, actions, Perm.PANEL_CONTRIBUTE, pk=action_id)


def item_referral_people(*, item: AgendaItem) -> list[Any]:
    """Who a referral from this item to a capacity-limited service is for: the person on a perpetrator
    panel's item; on a victim's case at a MARAC, the partners and ex-partners who harm her."""
    if item.person is None or item.person.side == Side.PERPETRATOR:
        return [item.person_id]
    return list(
        Relationship.objects.filter(
            other_id=item.person_id, kind__in=PARTNER_KINDS, person__side=Side.PERPETRATOR
        ).values_list("person_id", flat=True)
    )


def item_screening_rounds(*, item: AgendaItem) -> QuerySet[ScreeningRound] | None:
    """Screening rounds of the panel's capacity-limited service that considered this item's people; None
    when the panel has no such service."""
    service = item.meeting.panel.screening_service
    if service is None or item.person_id is None:
        return None
    return (
        ScreeningRound.objects.filter(
            service=service, candidates__referral__person__in=item_referral_people(item=item)
        )
        .select_related("service")
        .distinct()
    )


@dataclass(frozen=True)
class Quorum:
    quorate: bool
    present: list[Agency]
    needed: int
    missing: list[Agency]


def meeting_quorum(*, meeting: Meeting) -> Quorum:
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


def actions_overdue(*, today: datetime.date, agency: Agency | None = None) -> QuerySet[Action]:
    """Open actions due before `today`, oldest first; optionally only one agency's."""
    actions = Action.objects.filter(status=ActionStatus.OPEN, due_on__lt=today)
    if agency is not None:
        actions = actions.filter(agency=agency)
    return actions.select_related("agency", "item__meeting__panel").order_by("due_on", "created_at")


def actions_for_agency(*, agency: Agency) -> QuerySet[Action]:
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


def item_person_label(*, item: AgendaItem) -> str:
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
    # Some cases are not in these minutes because the reader's agency may not hear them (a victim's case,
    # for a perpetrator service's seat).
    cases_withheld: bool = False


def _label(
    choices: type[AgendaReason] | type[Outcome] | type[ActionStatus] | type[MemberRole], value: str
) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _checked(text: str, markers: list[Marker]) -> str:
    shown = sealed_details_withhold(text, markers)
    return withheld_message() if shown is None else shown


def minutes_get(*, meeting: Meeting, reader: Actor) -> Minutes:
    """The minutes of a meeting from its record as `reader` may read them, in the active language. A few
    queries, whatever the size of the agenda. Never a person's sealed contact details or location, and for
    a seat on the perpetrator side, no victim's case."""
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
    every_item = AgendaItem.objects.filter(meeting=meeting)
    items = list(
        visible_to(reader, every_item, Perm.PANEL_CASE_VIEW)
        .select_related(
            "person", "referring_agency", "decision__screening__service", "meeting__panel__screening_service"
        )
        .prefetch_related("decision__decided_by", "actions__agency", "actions__owner")
        .order_by("position")
    )
    minutes_items = []
    markers = protected.protected_markers_by_item(items=items)
    repeat_months = (
        RegionAssessmentSettings.repeat_window_months(panel.region_id)
        if any(AgendaReason.REPEAT in (item.reason, *item.other_reasons) for item in items)
        else 0
    )
    for item in items:
        decision = getattr(item, "decision", None)
        reason_labels = [
            agenda_reason_label(reason, repeat_window_months=repeat_months)
            for reason in (item.reason, *item.other_reasons)
        ]
        minutes_items.append(
            MinutesItem(
                position=item.position,
                person_label=item_person_label(item=item),
                reason=item.reason,
                reason_label=reason_labels[0],
                other_reason_labels=reason_labels[1:],
                repeat=item.repeat,
                referring_agency_name=item.referring_agency.name if item.referring_agency else "",
                decided=decision is not None,
                outcome=decision.outcome if decision else "",
                outcome_label=decision.outcome_label if decision else "",
                reasons=_checked(decision.reasons, markers[item.pk]) if decision else "",
                review_on=decision.review_on if decision else None,
                decided_by=sorted((a.name for a in decision.decided_by.all()), key=str.casefold)
                if decision
                else [],
                actions=[
                    MinutesAction(
                        description=_checked(a.description, markers[item.pk]),
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
    quorum_now = meeting_quorum(meeting=meeting)
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
        cases_withheld=len(minutes_items) < every_item.count(),
    )
