"""Reads of sessions and follow-ups: a case's progress through its service's programme (the region's file
gives the sessions, their modules and the minimum attendance), its ad-hoc sessions, its follow-ups after
it ends, and a service's groups with their rosters."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pathways.accounts.models import Membership, User
from pathways.cases.choices import CaseStatus, SessionStatus, TaskKind, TaskStatus
from pathways.cases.models import Attendance, Case, CaseTask, FollowUp, Group, GroupMember, Session
from pathways.cases.rulesfile import FollowUp as FollowUpRule
from pathways.cases.rulesfile import Programme
from pathways.cases.rulesfile import Session as StepRule
from pathways.cases.selectors.case import CASE_WORKER_ROLES
from pathways.cases.selectors.rules import (
    CaseworkNotLoaded,
    casework_rules_for,
    casework_rules_for_case,
    name_shown,
)
from pathways.core.policy import Actor, Perm, get_for_actor, visible_to
from pathways.directory.models import Service
from pathways.panels.protected import Subject, protected_ids_for_subjects
from pathways.people import sealed
from pathways.people.models import Person


def case_programme(*, case: Case) -> Programme | None:
    """The programme the region's file gives the case's service, or None (Drive's sessions are ad hoc; so
    are a region's that has loaded no casework file, whose pages say it has no programme)."""
    try:
        return casework_rules_for_case(case=case).programme(case.service.slug)
    except CaseworkNotLoaded:
        return None


@dataclass(frozen=True)
class StepProgress:
    slug: str
    name: str
    format: str
    module: str | None
    # The session that counts for the step (attended if any was, else the latest), and the case's
    # attendance at it, where there is one.
    session: Session | None
    attendance: Attendance | None

    @property
    def attended(self) -> bool:
        return self.attendance is not None and self.attendance.attended


@dataclass(frozen=True)
class ModuleProgress:
    slug: str | None
    name: str
    steps: list[StepProgress]

    @property
    def attended(self) -> int:
        return sum(1 for s in self.steps if s.attended)


@dataclass(frozen=True)
class AdHocSession:
    session: Session
    attendance: Attendance | None


@dataclass(frozen=True)
class ProgrammeProgress:
    programme: Programme | None
    steps: list[StepProgress]
    modules: list[ModuleProgress]
    ad_hoc: list[AdHocSession]

    @property
    def name(self) -> str:
        return name_shown(self.programme.name) if self.programme else ""

    @property
    def attended(self) -> int:
        """Programme sessions attended, late ones included."""
        return sum(1 for s in self.steps if s.attended)

    @property
    def minimum(self) -> int | None:
        return self.programme.minimum_attendance if self.programme else None

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def complete(self) -> bool:
        """The programme is complete when the sessions attended reach its minimum attendance."""
        return self.programme is not None and self.attended >= self.programme.minimum_attendance

    @property
    def has_modules(self) -> bool:
        return bool(self.programme and self.programme.modules)


def _rank(session: Session, attendance: Attendance | None) -> tuple[int, Any, Any]:
    # Which of a step's sessions stands for it: one attended, else one held, else planned, else cancelled;
    # the latest of those.
    if attendance is not None and attendance.attended:
        order = 3
    elif session.status == SessionStatus.HELD:
        order = 2
    elif session.status == SessionStatus.PLANNED:
        order = 1
    else:
        order = 0
    return order, session.held_on, session.recorded_at


def case_sessions(*, case: Case) -> list[tuple[Session, Attendance | None]]:
    """Every session of the case, one-to-one or in a group it attended, with its attendance: two queries.
    The case has already been read through the access policy; these rows are its own."""
    attendance = list(
        Attendance.objects.filter(case=case).select_related("session__group").order_by("session__held_on")
    )
    by_session = {a.session_id: a for a in attendance}
    own = list(
        Session.objects.filter(case=case).exclude(pk__in=list(by_session)).order_by("held_on", "recorded_at")
    )
    rows: list[tuple[Session, Attendance | None]] = [(a.session, a) for a in attendance]
    rows += [(s, None) for s in own]
    rows.sort(key=lambda row: (row[0].held_on, row[0].recorded_at))
    return rows


def case_programme_progress(*, case: Case) -> ProgrammeProgress:
    """Each session of the service's programme with the case's session and attendance for it, the ad-hoc
    sessions besides, how many were attended (late counts) and whether that reaches the programme's
    minimum attendance; grouped by module where the programme has modules."""
    programme = case_programme(case=case)
    rows = case_sessions(case=case)
    steps_by_slug = {s.slug: s for s in programme.sessions} if programme else {}
    chosen: dict[str, tuple[Session, Attendance | None]] = {}
    ad_hoc: list[AdHocSession] = []
    for session, attendance in rows:
        if session.programme_step not in steps_by_slug:
            ad_hoc.append(AdHocSession(session, attendance))
            continue
        best = chosen.get(session.programme_step)
        if best is None or _rank(session, attendance) > _rank(*best):
            chosen[session.programme_step] = (session, attendance)
    steps = [_step(rule, chosen.get(rule.slug)) for rule in (programme.sessions if programme else [])]
    modules: list[ModuleProgress] = []
    if programme is not None and programme.modules:
        names = {m.slug: name_shown(m.name) for m in programme.modules}
        for slug in [None, *names]:
            inside = [s for s in steps if s.module == slug]
            if inside:
                modules.append(ModuleProgress(slug, names.get(slug or "", _("Before the modules")), inside))
    return ProgrammeProgress(programme, steps, modules, ad_hoc)


def _step(rule: StepRule, found: tuple[Session, Attendance | None] | None) -> StepProgress:
    session, attendance = found if found else (None, None)
    return StepProgress(rule.slug, name_shown(rule.name), rule.format, rule.module, session, attendance)


def programme_steps(*, programme: Programme | None, format: str) -> list[StepRule]:
    """The programme's sessions held in a format (one_to_one or group)."""
    return [s for s in programme.sessions if s.format == format] if programme else []


# --- Follow-ups ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpDue:
    task: CaseTask
    name: str


@dataclass(frozen=True)
class FollowUpDone:
    follow_up: FollowUp
    name: str


@dataclass(frozen=True)
class CaseFollowUps:
    due: list[FollowUpDue] = field(default_factory=list)
    done: list[FollowUpDone] = field(default_factory=list)

    @property
    def next(self) -> FollowUpDue | None:
        return self.due[0] if self.due else None


def _follow_up_name(programme: Programme | None, slug: str) -> str:
    rule: FollowUpRule | None = (
        next((f for f in programme.follow_ups if f.slug == slug), None) if programme else None
    )
    return name_shown(rule.name) if rule else slug


def case_follow_ups(*, case: Case) -> CaseFollowUps:
    """The case's follow-ups after it ended: those still due (open tasks, soonest first) and those done,
    with what was learned, for the case's outcome."""
    programme = case_programme(case=case)
    due = CaseTask.objects.filter(case=case, kind=TaskKind.FOLLOW_UP, status=TaskStatus.OPEN).select_related(
        "user"
    )
    done = FollowUp.objects.filter(case=case).select_related("task", "recorded_by")
    return CaseFollowUps(
        due=[FollowUpDue(t, _follow_up_name(programme, str(t.detail.get("follow_up", "")))) for t in due],
        done=[FollowUpDone(f, _follow_up_name(programme, f.slug)) for f in done],
    )


def sessions_overview(actor: Actor, case: Case) -> dict[str, Any]:
    """What the case's overview shows of its sessions: attended of the programme, and the next follow-up."""
    return {"progress": case_programme_progress(case=case), "follow_ups": case_follow_ups(case=case)}


# --- Groups -------------------------------------------------------------------------------------------


def service_staff(*, service: Service) -> list[User]:
    """Who may facilitate the service's sessions: the practitioners and managers of the agencies running
    it (as may hold its cases)."""
    memberships = (
        Membership.objects.filter(
            agency__services=service,
            agency__is_active=True,
            is_active=True,
            user__is_active=True,
            user__api_client__isnull=True,
            role__in=CASE_WORKER_ROLES,
        )
        .select_related("user")
        .order_by("user__full_name", "user__username")
    )
    return list(dict.fromkeys(m.user for m in memberships))


def group_services(*, actor: Actor) -> list[Service]:
    """The services the actor's agency runs, for which it may run groups."""
    if actor.agency is None:
        return []
    return list(actor.agency.services.order_by("name_en"))


def groups_for(*, actor: Actor) -> QuerySet[Group]:
    """The groups of the services the actor's agency runs, with how many are on each roster."""
    found = visible_to(actor, Group.objects.all(), Perm.CASE_VIEW)
    if actor.agency is not None:
        found = found.filter(service__agencies=actor.agency)
    return (
        found.select_related("service")
        .annotate(on_roster=Count("members", distinct=True))
        .prefetch_related("facilitators")
        .order_by("-is_active", "-starts_on", "name")
    )


def group_programme(*, group: Group) -> Programme | None:
    if not group.programme:
        return None
    try:
        return casework_rules_for(region_id=group.service.region_id).programme(group.programme)
    except CaseworkNotLoaded:
        return None


def group_get(*, actor: Actor, group_id: uuid.UUID) -> Group:
    return get_for_actor(
        actor,
        Group.objects.select_related("service").prefetch_related("facilitators"),
        Perm.CASE_VIEW,
        pk=group_id,
    )


@dataclass(frozen=True)
class RosterRow:
    case: Case
    # The person's name where the reader may see his record; otherwise the case's referral reference.
    name: str

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        reference = self.case.referral.reference if self.case.referral_id and self.case.referral else ""
        return reference or _("Case opened %(date)s") % {
            "date": date_format(timezone.localtime(self.case.opened_at), "j F Y")
        }


def _rows(actor: Actor, cases: Iterable[Case]) -> list[RosterRow]:
    cases = list(cases)
    people = Person.objects.filter(pk__in={c.person_id for c in cases})
    visible = set(visible_to(actor, people, Perm.PERSON_VIEW).values_list("pk", flat=True))
    return [RosterRow(c, c.person.display_name if c.person_id in visible else "") for c in cases]


def group_roster(*, actor: Actor, group: Group) -> list[RosterRow]:
    """Who is on the group's roster, as far as the reader may see their cases: a few queries, however many."""
    members = visible_to(actor, GroupMember.objects.filter(group=group), Perm.CASE_VIEW).select_related(
        "case__person", "case__referral", "case__worker"
    )
    return _rows(actor, [m.case for m in members])


def group_cases_to_add(*, actor: Actor, group: Group) -> list[RosterRow]:
    """The open cases at the group's service the reader may see that are not on its roster yet."""
    cases = (
        visible_to(actor, Case.objects.filter(service=group.service, status=CaseStatus.OPEN), Perm.CASE_VIEW)
        .exclude(group_memberships__group=group)
        .select_related("person", "referral")
        .order_by("opened_at", "pk")
    )
    return _rows(actor, cases)


@dataclass(frozen=True)
class GroupSessionRow:
    session: Session
    name: str
    # Each member's attendance the reader may see, with the member as the roster shows him.
    attendance: list[tuple[str, Attendance]]

    @property
    def attended(self) -> int:
        return sum(1 for _label, a in self.attendance if a.attended)


def group_sessions(*, actor: Actor, group: Group, labels: Mapping[uuid.UUID, str]) -> list[GroupSessionRow]:
    """The group's sessions, latest first, with each member's attendance (named as `labels`, by case id,
    gives them): three queries, however many."""
    programme = group_programme(group=group)
    names = {s.slug: name_shown(s.name) for s in programme.sessions} if programme else {}
    attendance = visible_to(actor, Attendance.objects.all(), Perm.CASE_VIEW)
    sessions = (
        visible_to(actor, Session.objects.filter(group=group), Perm.CASE_VIEW)
        .prefetch_related(Prefetch("attendance", queryset=attendance, to_attr="seen"), "facilitators")
        .order_by("-held_on", "-recorded_at")
    )
    gone = _("No longer on the roster")
    return [
        GroupSessionRow(
            s,
            names.get(s.programme_step, "") or _("Group session"),
            [(labels.get(a.case_id, gone), a) for a in s.seen],
        )
        for s in sessions
    ]


# --- Typed text, checked again when shown ---------------------------------------------------------------


def sealed_withhold(*, rows: Iterable[tuple[uuid.UUID, Any, str]]) -> None:
    """For each (case id, record, attribute) with typed text, set `<attribute>_shown` on the record: the
    text, or a note that it is withheld where it holds the sealed details of someone the case's person
    harms (sealed since it was typed). A few queries, however many rows."""
    wanted = [(case_id, record, attr) for case_id, record, attr in rows if record is not None]
    typed = [(c, r, a) for c, r, a in wanted if getattr(r, a, "")]
    for _case_id, record, attr in wanted:
        setattr(record, f"{attr}_shown", getattr(record, attr, ""))
    if not typed:
        return
    cases = Case.objects.filter(pk__in={c for c, _r, _a in typed}).select_related("person", "service")
    subjects = [Subject(c.pk, c.person, "", c.service.region_id) for c in cases]
    markers = sealed.markers_of(protected_ids_for_subjects(subjects=subjects))
    note = sealed.withheld_message()
    for case_id, record, attr in typed:
        if sealed.sealed_details_withhold(getattr(record, attr), markers.get(case_id, [])) is None:
            setattr(record, f"{attr}_shown", note)
