"""Reads of joint case meetings: the region's linked services and how often they meet, each meeting's
agenda (the pairs of linked open cases), and the minutes each side reads through its own side's rules.

The service working with him reads his case, that his partner is supported and by which service (the
crossing "partner_case"), the minute both services read and the actions; the support service reads her
case and its own minute too, and of him what the crossing "joint_item" lets it (his name, and whether his
case is open)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from pathways.cases.choices import CaseStatus, JointMeetingStatus
from pathways.cases.models import Case, JointAction, JointItem, JointItemHer, JointMeeting
from pathways.cases.rulesfile import JointMeetingRule
from pathways.cases.selectors.plan import activity_text_markers
from pathways.cases.selectors.rules import CaseworkNotLoaded, casework_rules_for, name_shown
from pathways.core.access import Side
from pathways.core.policy import Actor, Perm, get_for_actor, runs_service, visible_to
from pathways.directory.models import Service
from pathways.people.choices import PARTNER_KINDS
from pathways.people.models import Relationship
from pathways.people.sealed import sealed_details_shown


@dataclass(frozen=True)
class JointSeries:
    """One of the region's joint meetings the actor's agency takes part in."""

    rule: JointMeetingRule
    perpetrator_service: Service
    support_service: Service
    last_held: datetime.date | None
    next_due: datetime.date
    planned: list[JointMeeting]
    held: list[JointMeeting]

    @property
    def name(self) -> str:
        return name_shown(self.rule.name)

    def overdue(self, today: datetime.date) -> bool:
        return not self.planned and self.next_due < today


def joint_meetings_for(*, actor: Actor) -> QuerySet[JointMeeting]:
    return visible_to(actor, JointMeeting.objects.all(), Perm.CASE_VIEW)


def joint_meeting_get(*, actor: Actor, meeting_id: Any) -> JointMeeting:
    found = joint_meetings_for(actor=actor).select_related("perpetrator_service", "support_service")
    return get_for_actor(actor, found, Perm.CASE_VIEW, pk=meeting_id)


def joint_rule_get(*, service: Service, slug: str) -> JointMeetingRule | None:
    try:
        rules = casework_rules_for(region_id=service.region_id)
    except CaseworkNotLoaded:
        return None
    return next((r for r in rules.file.joint_meetings if r.slug == slug), None)


def joint_series(*, actor: Actor, today: datetime.date) -> list[JointSeries]:
    """The joint meetings of the region's file that a service of the actor's agency takes part in, with
    when the next is due (the last one held, or planned, plus the region's interval; today if none)."""
    if actor.agency is None:
        return []
    ours = list(actor.agency.services.all())
    slugs = {s.slug for s in ours}
    series = []
    for region_id in sorted({s.region_id for s in ours}):
        try:
            rules = casework_rules_for(region_id=region_id)
        except CaseworkNotLoaded:
            continue
        wanted = [r for r in rules.file.joint_meetings if {r.perpetrator_service, r.support_service} & slugs]
        services = {
            s.slug: s
            for s in Service.objects.filter(
                region_id=region_id,
                slug__in={slug for r in wanted for slug in (r.perpetrator_service, r.support_service)},
            )
        }
        meetings = list(joint_meetings_for(actor=actor).filter(slug__in=[r.slug for r in wanted]))
        for rule in wanted:
            if rule.perpetrator_service not in services or rule.support_service not in services:
                continue  # a service the directory no longer lists
            theirs = [m for m in meetings if m.slug == rule.slug]
            planned = sorted(
                (m for m in theirs if m.status == JointMeetingStatus.PLANNED), key=lambda m: m.held_on
            )
            held = [m for m in theirs if m.status == JointMeetingStatus.HELD]
            last = max((m.held_on for m in theirs), default=None)
            series.append(
                JointSeries(
                    rule=rule,
                    perpetrator_service=services[rule.perpetrator_service],
                    support_service=services[rule.support_service],
                    last_held=max((m.held_on for m in held), default=None),
                    next_due=last + datetime.timedelta(days=rule.every_days)
                    if last and last < datetime.date.max - datetime.timedelta(days=rule.every_days)
                    else (last or today),
                    planned=planned,
                    held=held[:5],
                )
            )
    return series


def joint_agenda_pairs(*, perpetrator_service: Service, support_service: Service) -> list[tuple[Case, Case]]:
    """Each pair of linked open cases: his at the service working with him, hers at the support service
    (she is his partner or ex-partner). For building an agenda, never shown as such."""
    his = list(
        Case.objects.filter(
            service=perpetrator_service, status=CaseStatus.OPEN, person__side=Side.PERPETRATOR
        ).order_by("opened_at", "pk")
    )
    men = {c.person_id for c in his}
    pairs = Relationship.objects.filter(kind__in=PARTNER_KINDS).filter(
        Q(person_id__in=men) | Q(other_id__in=men)
    )
    partners: dict[uuid.UUID, set[uuid.UUID]] = {}
    for a, b in pairs.values_list("person_id", "other_id"):
        for man, other in ((a, b), (b, a)):
            if man in men:
                partners.setdefault(man, set()).add(other)
    hers = {
        c.person_id: c
        for c in Case.objects.filter(
            service=support_service,
            status=CaseStatus.OPEN,
            person__side=Side.VICTIM,
            person_id__in={p for ps in partners.values() for p in ps},
        ).order_by("-opened_at")
    }
    return [
        (case, hers[partner])
        for case in his
        for partner in sorted(partners.get(case.person_id, set()), key=str)
        if partner in hers
    ]


@dataclass
class AgendaRow:
    item: JointItem
    # His name; the link to his case only for the service working with him.
    his_name: str
    his_case_href: str
    # Her part, only for the support service.
    her: JointItemHer | None
    her_name: str
    # Whether his case is still open (of his case, all the agenda itself shows the support service).
    his_open: bool
    shared_minute: str
    actions: list[tuple[JointAction, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Reader:
    """Which side of the meeting the actor reads from."""

    his_side: bool
    her_side: bool


def joint_reader(*, actor: Actor, meeting: JointMeeting) -> Reader:
    return Reader(
        his_side=runs_service(actor, meeting.perpetrator_service),
        her_side=runs_service(actor, meeting.support_service),
    )


def joint_agenda(*, actor: Actor, meeting: JointMeeting) -> list[AgendaRow]:
    """The meeting's agenda as the actor reads it. His typed minute and actions are checked again for her
    sealed details as shown."""
    reader = joint_reader(actor=actor, meeting=meeting)
    items = list(
        visible_to(actor, JointItem.objects.filter(meeting=meeting), Perm.CASE_VIEW).select_related(
            "his_case__person", "his_case__service"
        )
    )
    hers: dict[Any, JointItemHer] = {}
    if reader.her_side:
        hers = {
            h.item_id: h
            for h in visible_to(
                actor, JointItemHer.objects.filter(item__in=items), Perm.CASE_VIEW
            ).select_related("her_case__person")
        }
    actions: dict[Any, list[JointAction]] = {}
    for action in visible_to(
        actor, JointAction.objects.filter(item__in=items), Perm.CASE_VIEW
    ).select_related("service"):
        actions.setdefault(action.item_id, []).append(action)
    # One pass for every item's markers: his family's sealed details, and the victims' on his records.
    by_case = activity_text_markers(cases=[item.his_case for item in items])
    rows = []
    for item in items:
        case = item.his_case
        markers = by_case.get(case.pk, [])
        her = hers.get(item.pk)
        rows.append(
            AgendaRow(
                item=item,
                his_name=case.person.display_name,
                his_case_href=case.get_absolute_url() if reader.his_side else "",
                her=her,
                her_name=her.her_case.person.display_name if her is not None else "",
                his_open=case.status == CaseStatus.OPEN,
                shared_minute=sealed_details_shown(item.shared_minute, markers),
                actions=[(a, sealed_details_shown(a.text, markers)) for a in actions.get(item.pk, [])],
            )
        )
    return rows
