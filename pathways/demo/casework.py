"""The demo's casework: the cases the referrals opened, taken to every stage through the case services, as
the demo logins would have taken them (plans and the agencies doing their activities, the first-contact
gate, consent, contacts, sessions and a group, assessments and other agencies' views, notes, reviews,
another agency taking on a case, endings and what they tell others, a police record reaching a case).

Which case tells which story is chosen from the cases the families opened, by the day each opened, so the
same seed gives the same casework. Each story's steps are placed over the time since its case opened and
written as of their day: the services stamp "now", so every time a step stamped is moved afterwards to
that step's day (`_Clock`), as `region._backdate` moves the referrals' histories. Nothing is dated after
today except what is due.
"""

from __future__ import annotations

import bisect
import datetime
import random
from collections.abc import Sequence
from typing import Any

from django.db.models import Model, Q
from django.utils import timezone

from pathways.accounts.models import User
from pathways.assessments import services as assessments
from pathways.assessments.models import Assessment, AssessmentStatus, Context
from pathways.cases.choices import (
    ActivityKind,
    ActivityStatus,
    AgencyRisk,
    AttendanceStatus,
    CaseEventKind,
    CaseStatus,
    ConsentState,
    ContactChannel,
    ContactDirection,
    ContactOutcome,
    GoalStatus,
    NoteKind,
    PartnerViewKind,
    ReviewDecision,
    ReviewKind,
    RiskChange,
    TaskKind,
    TaskStatus,
    TraceSource,
    TraceStatus,
)
from pathways.cases.models import (
    Activity,
    AgencyInput,
    AgencyView,
    Attendance,
    Case,
    CaseAssessment,
    CaseEnding,
    CaseEvent,
    CaseOutcome,
    CaseReview,
    CaseTask,
    ConsentRecord,
    Contact,
    ContactDecision,
    Goal,
    Group,
    GroupMember,
    JointAction,
    JointItem,
    JointItemHer,
    JointMeeting,
    ManagementAcceptance,
    Note,
    NoteVersion,
    PartnerSignal,
    PartnerView,
    SafeContact,
    SafetyUpdate,
    Session,
    VictimTrace,
)
from pathways.cases.rulesfile import Activity as CatalogueEntry
from pathways.cases.selectors.case import case_partner_cases, case_risk_latest
from pathways.cases.selectors.contact import partner_view_services
from pathways.cases.selectors.ending import case_closure, ending_other_agencies
from pathways.cases.selectors.joint import joint_series
from pathways.cases.selectors.plan import activity_owners
from pathways.cases.selectors.reviews import SCHEDULED_KINDS, review_agencies, review_interval_days
from pathways.cases.selectors.rules import Rules, casework_rules_for_case
from pathways.cases.selectors.sessions import programme_steps
from pathways.cases.selectors.trace import service_traces
from pathways.cases.services import assessment as case_assessments
from pathways.cases.services import contact as contact_services
from pathways.cases.services import ending as ending_services
from pathways.cases.services import joint as joint_services
from pathways.cases.services import notes as note_services
from pathways.cases.services import partner as partner_services
from pathways.cases.services import plan as plan_services
from pathways.cases.services import reviews as review_services
from pathways.cases.services import sessions as session_services
from pathways.cases.services.alerts import alerts_police_records
from pathways.cases.services.safe_contact import safe_contact_record
from pathways.cases.services.tasks import case_task_done
from pathways.cases.services.trace import victim_trace_update
from pathways.core.access import AgencyType, Side
from pathways.core.policy import Actor
from pathways.demo.answers import answers_for
from pathways.directory.models import Service
from pathways.police.models import PoliceRecord

DRIVE, CLEAR = "drive-cardiff", "clear"
# The stories told on CLEAR's open cases, oldest case first: how many of the programme's sessions each has
# attended (None: consent given and contact allowed, no session yet).
CLEAR_STORIES: tuple[int | None, ...] = (7, 5, 2, None)
# A completed CLEAR case's follow-up falls due this many days from today.
FOLLOW_UP_IN_DAYS = 5

# Every time the services stamp with "now" on the records casework writes, moved to the demo's day.
STAMPED: tuple[tuple[type[Model], tuple[str, ...]], ...] = (
    (CaseEvent, ("at",)),
    (CaseTask, ("created_at", "done_at")),
    (PartnerView, ("at",)),
    (SafetyUpdate, ("at",)),
    (PartnerSignal, ("at",)),
    (ContactDecision, ("at",)),
    (ConsentRecord, ("at",)),
    (Contact, ("recorded_at",)),
    (Goal, ("created_at", "updated_at")),
    (Activity, ("created_at", "changed_at")),
    (Group, ("created_at",)),
    (GroupMember, ("joined_at",)),
    (Session, ("recorded_at",)),
    (Attendance, ("recorded_at",)),
    (Note, ("created_at",)),
    (NoteVersion, ("written_at", "signed_at")),
    (CaseReview, ("created_at",)),
    (CaseAssessment, ("linked_at",)),
    (AgencyView, ("recorded_at",)),
    (ManagementAcceptance, ("recorded_at",)),
    (AgencyInput, ("at",)),
    (CaseEnding, ("recorded_at",)),
    (CaseOutcome, ("computed_at",)),
    (Case, ("closed_at",)),
    (SafeContact, ("at",)),
    (VictimTrace, ("found_at", "updated_at")),
    (JointMeeting, ("created_at", "modified_at", "agenda_built_at")),
    (JointItem, ("minuted_at",)),
    (JointItemHer, ("minuted_at",)),
    (JointAction, ("created_at",)),
    (Assessment, ("created_at", "modified_at", "completed_at")),
)
# Tasks the services date from today (due the day they are made, or weeks after a case ends).
DATED_FROM_TODAY = (TaskKind.CASE_ENDED, TaskKind.POLICE_RECORD, TaskKind.FOLLOW_UP)


def _actor(username: str) -> Actor:
    user = User.objects.get(username=username)
    return Actor(user=user, membership=user.memberships.select_related("agency").get())


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _weekly(first: datetime.date, last: datetime.date, count: int) -> list[datetime.date]:
    """`count` days a week apart ending on `last`, or spread evenly from `first` when a week apart does
    not fit."""
    last = max(first, last)
    if count <= 1:
        return [last][:count]
    if (last - first).days >= 7 * (count - 1):
        return [last - datetime.timedelta(weeks=count - 1 - n) for n in range(count)]
    gap = (last - first).days / (count - 1)
    return [first + datetime.timedelta(days=round(gap * n)) for n in range(count)]


class _Clock:
    """The demo day each step is written on. A step's records are stamped "now" by the services; `restamp`
    moves every stamp made after the step began to its day (keeping the order within the step)."""

    def __init__(self) -> None:
        self.began = timezone.now()
        self.real: list[datetime.datetime] = []
        self.demo: list[datetime.datetime] = []

    def at(self, day: datetime.date, hour: int = 10) -> None:
        self.real.append(timezone.now())
        self.demo.append(min(_at(day, hour), self.began))

    def shown(self, real: datetime.datetime) -> datetime.datetime:
        step = bisect.bisect_right(self.real, real) - 1
        if step < 0:
            return real
        return self.demo[step] + (real - self.real[step])

    def restamp(self) -> None:
        if not self.real:
            return
        since = self.real[0]
        for model, fields in STAMPED:
            written = Q()
            for name in fields:
                written |= Q(**{f"{name}__gte": since})
            rows = list(model._default_manager.filter(written).only("pk", *fields))
            for row in rows:
                for name in fields:
                    value = getattr(row, name)
                    if value is not None and value >= since:
                        setattr(row, name, self.shown(value))
            if rows:
                model._default_manager.bulk_update(rows, list(fields), batch_size=500)


class _Casework:
    def __init__(self, *, today: datetime.date, seed: int) -> None:
        self.today = today
        self.yesterday = today - datetime.timedelta(days=1)
        self.rng = random.Random(seed + 3)  # noqa: S311 - made-up demo data, not a secret
        self.clock = _Clock()
        names = ("drive", "practitioner", "manager", "idva", "probation", "chair", "matac")
        self.actors = {name: _actor(name) for name in names}

    # --- when -------------------------------------------------------------------------------------------

    def opened(self, case: Case) -> datetime.date:
        return timezone.localdate(case.opened_at)

    def part(self, case: Case, fraction: float) -> datetime.date:
        """The day `fraction` of the way from the day the case opened to yesterday."""
        opened = self.opened(case)
        span = max(0, (self.yesterday - opened).days)
        return opened + datetime.timedelta(days=round(span * fraction))

    def clip(self, case: Case, day: datetime.date) -> datetime.date:
        return min(max(day, self.opened(case)), self.yesterday)

    def at(self, day: datetime.date, hour: int = 10) -> None:
        self.clock.at(day, hour)

    # --- the region's rules -----------------------------------------------------------------------------

    def entry(self, rules: Rules, *, kind: str, owner: str, nth: int = 0) -> CatalogueEntry | None:
        """The region's `nth` catalogue activity of this kind done by this type of agency."""
        found = [a for a in rules.file.activities if a.kind == kind and a.owner == owner]
        return found[nth] if len(found) > nth else None

    def activity(
        self,
        actor: Actor,
        case: Case,
        *,
        kind: str,
        owner: str,
        due_in: int,
        nth: int = 0,
        goal: Goal | None = None,
        detail: str = "",
    ) -> Activity | None:
        """The region's activity of this kind for this type of agency, done by the first such agency the
        case may give it to, due `due_in` days from today."""
        entry = self.entry(casework_rules_for_case(case=case), kind=kind, owner=owner, nth=nth)
        if entry is None:
            return None
        agencies = activity_owners(case=case, entry=entry)
        if not agencies:
            return None
        return plan_services.activity_add(
            actor=actor,
            case=case,
            activity=entry.slug,
            owner=agencies[0],
            due_on=self.today + datetime.timedelta(days=due_in),
            goal=goal,
            detail=detail,
        )

    # --- writes ---------------------------------------------------------------------------------------

    def goals(self, actor: Actor, case: Case, texts: Sequence[str]) -> list[Goal]:
        return [plan_services.goal_add(actor=actor, case=case, description=text) for text in texts]

    def gate(self, actor: Actor, case: Case, *, view: str, reason: str) -> None:
        """The partner's support worker's view, where her service may give one, then contact allowed."""
        services = partner_view_services(case=case)
        if services:
            hers = {c.service_id for c in case_partner_cases(case=case)}
            service = next((s for s in services if s.pk in hers), services[0])
            contact_services.partner_view_record(
                actor=actor, case=case, service=service, view=PartnerViewKind.NO_INCREASE, text=view
            )
        contact_services.contact_decision_record(actor=actor, case=case, allowed=True, reason=reason)

    def contact(
        self, actor: Actor, case: Case, day: datetime.date, *, outcome: str, channel: str, note: str = ""
    ) -> None:
        contact_services.contact_log(
            actor=actor,
            case=case,
            on=day,
            time=datetime.time(11, 30),
            channel=channel,
            direction=ContactDirection.OUTGOING,
            outcome=outcome,
            note=note,
        )

    def consent(self, actor: Actor, case: Case, state: str, reason: str = "") -> None:
        contact_services.consent_record(actor=actor, case=case, state=state, reason=reason)

    def note(self, actor: Actor, case: Case, kind: str, text: str) -> Note:
        note = note_services.note_draft(actor=actor, case=case, kind=kind, text=text)
        version = note.versions.get()
        note_services.note_sign(actor=actor, version=version)
        return note

    def assess(
        self, actor: Actor, case: Case, day: datetime.date, *, level: str, context: str = Context.REVIEW
    ) -> Assessment | None:
        """An assessment on the form the service already used with him (its screening or intake)."""
        earlier = (
            Assessment.objects.filter(
                person_id=case.person_id, agency=actor.agency, status=AssessmentStatus.COMPLETED
            )
            .select_related("instrument_version")
            .order_by("-assessed_on")
            .first()
        )
        if earlier is None:
            return None
        form = earlier.instrument_version.instrument
        instrument = assessments.instrument_definition(
            version=assessments.instrument_version_current(instrument_id=form)
        )
        draft = assessments.assessment_start(
            actor=actor, person=case.person, instrument_id=form, context=context, assessed_on=day
        )
        return assessments.assessment_save(
            actor=actor,
            assessment=draft,
            answers=answers_for(instrument, rng=self.rng, level=level, assessed_on=day),
            narrative="Seen in person; checked against what the police and probation shared.",
            sources="Interview; police and probation records; the case so far.",
            complete=True,
        )

    def sessions(
        self,
        actor: Actor,
        case: Case,
        days: Sequence[datetime.date],
        *,
        missed: int | None = None,
    ) -> None:
        """The programme's one-to-one sessions in order, one a day given, each attended; where `missed` is
        given, that session was missed with a reason first and attended at the next one."""
        programme = casework_rules_for_case(case=case).programme(case.service.slug)
        steps = programme_steps(programme=programme, format="one_to_one")
        for number, day in enumerate(days):
            step = steps[number].slug if number < len(steps) else ""
            before = days[number - 1] if number else self.opened(case)
            if missed is not None and number == missed and (day - before).days >= 2:
                skipped = before + (day - before) / 2
                self.at(skipped, 17)
                session_services.session_record(
                    actor=actor,
                    held_on=skipped,
                    case=case,
                    step=step,
                    starts_at=datetime.time(10),
                    attendance={
                        case.pk: session_services.Attended(
                            AttendanceStatus.ABSENT_WITH_REASON, "Rang in ill the morning of the session."
                        )
                    },
                )
            self.at(day, 17)
            status = AttendanceStatus.LATE if number == 1 else AttendanceStatus.ATTENDED
            session_services.session_record(
                actor=actor,
                held_on=day,
                case=case,
                step=step,
                starts_at=datetime.time(10),
                attendance={case.pk: session_services.Attended(status)},
            )

    def reviews(self, actor: Actor, case: Case, *, advisers: bool = False) -> None:
        """The last internal and multi-agency review that fell due before today held on its day, and the
        next of each scheduled from it: a case whose service keeps up with its reviews."""
        attending = review_agencies(case=case)
        own = [a for a in attending if a.services.filter(pk=case.service_id).exists()]
        others = [
            a
            for a in attending
            if a.type in (AgencyType.POLICE, AgencyType.PROBATION, AgencyType.VICTIM_SERVICE) and a not in own
        ]
        held: list[tuple[datetime.date, str]] = []
        for scheduled in SCHEDULED_KINDS:
            every = review_interval_days(case=case, kind=scheduled)
            due = self.opened(case) + datetime.timedelta(days=every)
            last = None
            while due < self.today:
                last, due = due, due + datetime.timedelta(days=every)
            if last is not None:
                held.append((last, str(scheduled)))
        for number, (day, kind) in enumerate(sorted(held)):
            multi = kind == ReviewKind.MULTI_AGENCY
            self.at(day, 14)
            review_services.case_review_hold(
                actor=actor,
                case=case,
                kind=kind,
                held_on=day,
                agencies=own + others if multi else own,
                advisers=[
                    review_services.AdviserInput(
                        "Dr Elin Parry", "forensic_psychologist", "Cardiff and Vale forensic service"
                    )
                ]
                if multi and advisers
                else [],
                outcome=(
                    "Agencies shared what each knows; the disrupt work stays in place and the plan holds."
                    if multi
                    else "Plan reviewed in supervision: on track, nothing to change yet."
                ),
                decision=ReviewDecision.CHANGE_PLAN if number % 3 == 2 else ReviewDecision.CONTINUE,
            )
        self.at(self.yesterday, 18)
        review_services.case_review_schedule(case=case, actor=actor)

    def end(self, actor: Actor, case: Case, day: datetime.date, *, reason: str) -> bool:
        """End the case as completed on `day`; the tasks it sends (who is told, follow-ups) dated from it."""
        rules = casework_rules_for_case(case=case)
        completed = rules.ending("completed")
        if completed is None or not case_closure(case=case, rules=rules).allows(completed):
            return False
        self.at(day, 16)
        before = set(CaseTask.objects.filter(case=case).values_list("pk", flat=True))
        ending_services.case_end(actor=actor, case=case, state=completed.state, reason=reason, ended_on=day)
        self.dated_from(case, day, exclude=before)
        return True

    def dated_from(self, case: Case, day: datetime.date, *, exclude: set[Any]) -> None:
        """Tasks a step dated from today dated from its day instead, and the follow-ups in its history."""
        back = self.today - day
        for task in CaseTask.objects.filter(case=case, kind__in=DATED_FROM_TODAY).exclude(pk__in=exclude):
            if task.due_on is not None:
                CaseTask.objects.filter(pk=task.pk).update(due_on=task.due_on - back)
        for event in CaseEvent.objects.filter(
            case=case, kind=CaseEventKind.FOLLOW_UP, at__gte=self.clock.began
        ):
            due = (event.detail or {}).get("due_on")
            if due:
                moved = datetime.date.fromisoformat(due) - back
                CaseEvent.objects.filter(pk=event.pk).update(
                    detail={**event.detail, "due_on": moved.isoformat()}
                )

    def told_read(self, case: Case, day: datetime.date) -> None:
        """Those told of an ending long past read it the next day."""
        by_agency: dict[Any, Actor] = {}
        for actor in self.actors.values():  # the chair before the MATAC's coordinator at the police
            if actor.agency is not None:
                by_agency.setdefault(actor.agency.pk, actor)
        for task in CaseTask.objects.filter(case=case, kind=TaskKind.CASE_ENDED, status=TaskStatus.OPEN):
            reader = by_agency.get(task.agency_id)
            if reader is not None:
                self.at(day + datetime.timedelta(days=1), 9)
                case_task_done(actor=reader, task=task)

    # --- the stories ----------------------------------------------------------------------------------

    def drive(self) -> None:
        open_cases = list(
            Case.objects.filter(service__slug=DRIVE, status=CaseStatus.OPEN)
            .select_related("person", "service", "referral")
            .order_by("-opened_at", "person__family_name", "person__given_name")
        )
        if not open_cases:
            return
        fresh, older = open_cases[0], list(reversed(open_cases[1:]))  # the others oldest first
        supported = [c for c in older if any(p.worker_id for p in case_partner_cases(case=c))]
        closing = supported[0] if supported else None
        rest = [c for c in older if c is not closing]
        self.drive_fresh(fresh)
        if rest:
            self.drive_engaged(rest[0])
        if closing is not None:
            self.drive_closed(closing)
        if len(rest) > 1:
            self.drive_without_consent(rest[1])
        self.police_alert(open_cases)

    def safety_updates(self) -> None:
        """The IDVA's safety updates from the cases of the partners of men Drive works with: on the first,
        a rise in risk since two days ago and a new incident, which gives his case manager a task; on any
        other, the risk unchanged."""
        idva = self.actors["idva"]
        theirs = [
            (case, partner)
            for case in Case.objects.filter(service__slug=DRIVE, status=CaseStatus.OPEN).order_by(
                "opened_at", "pk"
            )
            for partner in case_partner_cases(case=case)
            if partner.worker_id == idva.user.pk
        ]
        self.at(self.yesterday, 15)
        for n, (_case, hers) in enumerate(theirs[:2]):
            if n == 0:
                partner_services.safety_update_send(
                    actor=idva,
                    case=hers,
                    risk_change=RiskChange.RAISED,
                    changed_on=self.today - datetime.timedelta(days=2),
                    new_incident=True,
                    message="She reports he has been driving past her workplace since the weekend.",
                    message_confirmed=True,
                )
            else:
                partner_services.safety_update_send(
                    actor=idva, case=hers, risk_change=RiskChange.UNCHANGED, changed_on=self.yesterday
                )

    def safe_contact(self) -> None:
        """The IDVA agrees safe-contact arrangements with each partner she supports, soon after her case
        opens, and reaches the first two by the way each said was safe."""
        idva = self.actors["idva"]
        hers = Case.objects.filter(
            worker=idva.user, status=CaseStatus.OPEN, person__side=Side.VICTIM
        ).order_by("opened_at", "pk")
        arrangements = (
            ("Weekdays between 10am and 2pm, while he is at work", ["text", "phone"], False, "bluebell",
             "Only her"),
            ("Tuesday and Thursday mornings, from her sister's", ["phone"], True, "",
             "Her sister, who knows about the support"),
            ("After 7pm, once the children are in bed", ["text", "email"], False, "lighthouse", ""),
        )  # fmt: skip
        for n, case in enumerate(hers):
            times, channels, voicemail, word, others = arrangements[n % len(arrangements)]
            day = self.clip(case, self.opened(case) + datetime.timedelta(days=1))
            self.at(day, 11)
            safe_contact_record(
                actor=idva,
                case=case,
                safe_times=times,
                channels=channels,
                voicemail=voicemail,
                safe_word=word,
                others_may_answer=others,
            )
            if n < 2:
                self.at(day, 12)
                self.her_plan(case, day)
                contact_services.contact_log(
                    actor=idva,
                    case=case,
                    on=day,
                    time=datetime.time(12, 0),
                    channel=channels[0],
                    direction=ContactDirection.OUTGOING,
                    outcome=ContactOutcome.REACHED,
                )

    def her_plan(self, case: Case, day: datetime.date) -> None:
        """Her consent, and her support and safety plan: a safety plan with the IDVA, the police's marker on
        her address."""
        idva = self.actors["idva"]
        contact_services.consent_record(actor=idva, case=case, state=ConsentState.GIVEN)
        rules = casework_rules_for_case(case=case)
        for slug, weeks in (("safety-plan", 1), ("police-marker", 2)):
            entry = rules.activity(slug)
            owners = activity_owners(case=case, entry=entry) if entry is not None else []
            if entry is None or not owners:
                continue
            plan_services.activity_add(
                actor=idva,
                case=case,
                activity=slug,
                owner=owners[0],
                due_on=max(day + datetime.timedelta(weeks=weeks), self.today),
            )

    def tracing(self) -> None:
        """Of the people the IDVA's services are tracing, she has reached one and found it is not safe to
        contact another; the rest, the previous partners on police records among them, wait on her Tasks."""
        idva = self.actors["idva"]
        # Those found on police records stay waiting: the previous partners nobody had yet reached.
        waiting = sorted(
            (r.trace for r in service_traces(actor=idva) if r.trace.status == TraceStatus.NOT_TRACED),
            key=lambda t: t.source == TraceSource.POLICE,
        )
        for trace, status in zip(waiting, (TraceStatus.CONTACTED, TraceStatus.NOT_SAFE), strict=False):
            self.at(self.yesterday, 14)
            victim_trace_update(actor=idva, trace=trace, status=status)

    def her_case_closed(self) -> None:
        """The IDVA closes the case of a partner whose risk has come down, on her own report a week
        before: what the outcomes count as the safety she reported at the end."""
        idva = self.actors["idva"]
        theirs = [
            hers
            for case in Case.objects.filter(service__slug=DRIVE, status=CaseStatus.OPEN).order_by(
                "-opened_at", "pk"
            )
            for hers in case_partner_cases(case=case)
            if hers.worker_id == idva.user.pk and hers.status == CaseStatus.OPEN
        ]
        if not theirs:
            return
        hers = theirs[0]
        reported = self.clip(hers, self.today - datetime.timedelta(days=7))
        self.at(reported, 15)
        partner_services.safety_update_send(
            actor=idva, case=hers, risk_change=RiskChange.LOWERED, changed_on=reported
        )
        closing = self.clip(hers, self.today - datetime.timedelta(days=2))
        self.assess(idva, hers, closing, level="medium", context=Context.CLOSURE)
        self.end(
            idva,
            hers,
            closing,
            reason="She has moved to her sister's, has a safety plan and the police marker, and says she "
            "feels safer; she knows how to come back to us.",
        )

    def joint_meetings(self) -> None:
        """CLEAR and RISE met a fortnight ago (minutes and an action for RISE) and meet again today; Drive
        and its IDVA meet today."""
        for series, planner in (("clear-rise", "practitioner"), ("drive-idva", "drive")):
            actor = self.actors[planner]
            found = next(
                (s for s in joint_series(actor=actor, today=self.today) if s.rule.slug == series), None
            )
            if found is None:
                continue
            region_id = found.perpetrator_service.region_id
            if series == "clear-rise":
                held_on = self.today - datetime.timedelta(days=found.rule.every_days)
                self.at(held_on - datetime.timedelta(days=2), 9)
                earlier = joint_services.joint_meeting_plan(
                    actor=actor, rule=found.rule, region_id=region_id, held_on=held_on
                )
                self.joint_minutes(earlier, held_on)
            self.at(self.today, 8)
            joint_services.joint_meeting_plan(
                actor=actor, rule=found.rule, region_id=region_id, held_on=self.today
            )

    def joint_minutes(self, meeting: JointMeeting, held_on: datetime.date) -> None:
        practitioner, idva = self.actors["practitioner"], self.actors["idva"]
        items = list(JointItem.objects.filter(meeting=meeting).order_by("position"))
        self.at(held_on, 15)
        for n, item in enumerate(items[:2]):
            joint_services.joint_minute_record(
                actor=idva,
                item=item,
                shared_minute=(
                    "Attending and engaged; his partner reports no new incidents. Keep the weekly slot."
                    if n == 0
                    else "Missed a session; RISE to check in with his partner before the next one."
                ),
                support_minute="She would like a call before his sessions end, to plan for the weeks after.",
            )
            if n == 1:
                joint_services.joint_action_add(
                    actor=practitioner,
                    item=item,
                    text="Check in with his partner before his next session",
                    service=meeting.support_service,
                    due_on=held_on + datetime.timedelta(days=3),
                )
        joint_services.joint_meeting_held(actor=practitioner, meeting=meeting)

    def drive_fresh(self, case: Case) -> None:
        """Fresh from the MARAC: disrupt work with the police and housing, the gate waiting for the IDVA."""
        drive = self.actors["drive"]
        day = self.part(case, 0.3)
        self.at(day)
        (goal,) = self.goals(drive, case, ["Keep his partner and children safe while first contact waits."])
        self.activity(
            drive,
            case,
            kind=ActivityKind.DISRUPT,
            owner=AgencyType.POLICE,
            due_in=7,
            goal=goal,
            detail="Check intelligence for new call-outs and flag the home for a priority response.",
        )
        self.activity(
            drive,
            case,
            kind=ActivityKind.DISRUPT,
            owner=AgencyType.HOUSING,
            due_in=14,
            goal=goal,
            detail="Review his tenancy: he is named on the joint tenancy of the family home.",
        )

    def drive_engaged(self, case: Case) -> None:
        """Working with him: the IDVA's view, contact allowed, consent refused then work on safeguarding
        grounds, his agreement later and two sessions, a signed note, reviews, risk high and probation's
        view."""
        drive, probation, chair = self.actors["drive"], self.actors["probation"], self.actors["chair"]
        self.at(self.part(case, 0.02))
        goals = self.goals(
            drive,
            case,
            [
                "Stop the abuse: no further incidents reported by the police or the IDVA.",
                "Understand the impact of his behaviour on his partner and children.",
            ],
        )
        police = self.activity(
            drive,
            case,
            kind=ActivityKind.DISRUPT,
            owner=AgencyType.POLICE,
            due_in=14,
            goal=goals[0],
            detail="Intelligence check and flag on the address.",
        )
        licence = self.activity(
            drive,
            case,
            kind=ActivityKind.DISRUPT,
            owner=AgencyType.PROBATION,
            due_in=60,
            goal=goals[0],
            detail="Non-contact condition on his licence enforced; breaches reported to Drive.",
        )
        self.at(self.part(case, 0.04))
        self.assess(drive, case, self.part(case, 0.04), level="high", context=Context.INTAKE)
        self.at(self.part(case, 0.06))
        self.gate(
            drive,
            case,
            view="The IDVA has safety planned with his partner and agrees Drive may contact him now",
            reason="The IDVA's view is that contact will not increase risk; we reach him through probation",
        )
        if licence is not None:
            self.at(self.part(case, 0.07))
            plan_services.activity_update(
                actor=probation, activity=licence, status=ActivityStatus.IN_PROGRESS
            )
        first = self.part(case, 0.08)
        self.at(first)
        self.contact(drive, case, first, outcome=ContactOutcome.NO_ANSWER, channel=ContactChannel.PHONE)
        reached = self.part(case, 0.1)
        self.at(reached, 12)
        self.contact(
            drive,
            case,
            reached,
            outcome=ContactOutcome.REACHED,
            channel=ContactChannel.IN_PERSON,
            note="Met at the probation office after his appointment.",
        )
        self.consent(
            drive, case, ConsentState.REFUSED, "Said the MARAC has it wrong and he does not need Drive"
        )
        self.consent(
            drive,
            case,
            ConsentState.SAFEGUARDING,
            "High risk and escalating: the disrupt work goes on without his consent, as the IDVA and the "
            "police agree",
        )
        self.at(reached, 15)
        self.note(
            drive,
            case,
            NoteKind.CONTACT,
            "First meeting, at the probation office. He was guarded and blamed his partner; he refused to "
            "work with Drive. Explained that the multi-agency work goes on whatever he decides.",
        )
        if police is not None:
            self.at(self.part(case, 0.15), 11)
            plan_services.activity_update(actor=chair, activity=police, status=ActivityStatus.DONE)
        self.at(self.part(case, 0.2))
        self.view(drive, case, AgencyType.PROBATION, self.part(case, 0.2))
        again = self.part(case, 0.35)
        self.at(again, 12)
        self.contact(
            drive,
            case,
            again,
            outcome=ContactOutcome.REACHED,
            channel=ContactChannel.PHONE,
            note="He rang back: his licence officer talked it through with him and he wants to meet.",
        )
        self.consent(drive, case, ConsentState.GIVEN)
        change = self.activity(
            drive,
            case,
            kind=ActivityKind.CHANGE,
            owner=AgencyType.PERPETRATOR_SERVICE,
            due_in=56,
            goal=goals[1],
        )
        if change is not None:
            plan_services.activity_update(actor=drive, activity=change, status=ActivityStatus.IN_PROGRESS)
        for day in _weekly(self.part(case, 0.45), self.part(case, 0.85), 2):
            self.at(day, 16)
            session_services.session_record(
                actor=drive,
                held_on=day,
                case=case,
                starts_at=datetime.time(14),
                attendance={case.pk: session_services.Attended(AttendanceStatus.ATTENDED)},
            )
        self.at(self.part(case, 0.6))
        self.assess(drive, case, self.part(case, 0.6), level="high")
        self.reviews(drive, case, advisers=True)

    def view(self, actor: Actor, case: Case, agency_type: str, day: datetime.date) -> None:
        agency = next(
            (a for a in case_assessments.agency_view_agencies(case=case) if a.type == agency_type), None
        )
        if agency is None:
            return
        case_assessments.agency_view_record(
            actor=actor,
            case=case,
            agency=agency,
            risk=AgencyRisk.HIGH,
            summary="Breached his licence twice this year; sees the risk to his partner as high.",
            given_on=day,
        )

    def drive_closed(self, case: Case) -> None:
        """Worked with, risk still high at the end: probation takes on the management, and the case closes
        with the police and the partner's support worker told."""
        drive = self.actors["drive"]
        self.at(self.part(case, 0.05))
        (goal,) = self.goals(drive, case, ["No further abuse while he is with Drive."])
        self.activity(
            drive,
            case,
            kind=ActivityKind.DISRUPT,
            owner=AgencyType.POLICE,
            due_in=21,
            nth=1,
            goal=goal,
        )
        self.at(self.part(case, 0.1))
        self.gate(
            drive,
            case,
            view="His partner's IDVA sees no added risk in Drive contacting him",
            reason="The IDVA's view is that contact will not increase risk",
        )
        reached = self.part(case, 0.15)
        self.at(reached, 12)
        self.contact(drive, case, reached, outcome=ContactOutcome.REACHED, channel=ContactChannel.PHONE)
        self.consent(drive, case, ConsentState.GIVEN)
        for day in _weekly(self.part(case, 0.25), self.part(case, 0.7), 3):
            self.at(day, 16)
            session_services.session_record(
                actor=drive,
                held_on=day,
                case=case,
                starts_at=datetime.time(14),
                attendance={case.pk: session_services.Attended(AttendanceStatus.ATTENDED)},
            )
        closing = self.clip(case, self.today - datetime.timedelta(days=6))
        self.at(closing)
        self.assess(drive, case, closing, level="high", context=Context.CLOSURE)
        probation = next(
            (a for a in ending_other_agencies(case=case) if a.type == AgencyType.PROBATION), None
        )
        if probation is None:
            return
        accepted = self.clip(case, self.today - datetime.timedelta(days=4))
        self.at(accepted, 15)
        ending_services.management_accept(
            actor=drive,
            case=case,
            agency=probation,
            accepted_by="Rhodri Powell, probation officer",
            accepted_on=accepted,
            note="Manages him under his licence, with monthly appointments and the non-contact condition.",
        )
        self.end(
            drive,
            case,
            self.today,
            reason="The Drive work is complete. Risk is still high, so probation manages him under his "
            "licence; the police and the IDVA are told.",
        )

    def drive_without_consent(self, case: Case) -> None:
        """Contact allowed, consent refused: working without it on safeguarding grounds."""
        drive = self.actors["drive"]
        self.at(self.part(case, 0.1))
        self.gate(
            drive,
            case,
            view="The IDVA agrees to contact by letter first",
            reason="The IDVA's view is that a letter and a call will not increase risk",
        )
        self.activity(
            drive,
            case,
            kind=ActivityKind.DISRUPT,
            owner=AgencyType.CHILDRENS_SERVICES,
            due_in=21,
        )
        day = self.part(case, 0.3)
        self.at(day, 12)
        self.contact(drive, case, day, outcome=ContactOutcome.REFUSED, channel=ContactChannel.PHONE)
        self.consent(drive, case, ConsentState.REFUSED, "Put the phone down when Drive was explained")
        self.consent(
            drive,
            case,
            ConsentState.SAFEGUARDING,
            "The children's social worker and the IDVA see the risk as high: disrupt work goes on",
        )

    def police_alert(self, cases: list[Case]) -> None:
        """A police record naming one of Drive's men reaches his case, his worker and his partner's IDVA,
        arriving with today's extract."""
        still_open = [c for c in cases if Case.objects.filter(pk=c.pk, status=CaseStatus.OPEN).exists()]
        for case in sorted(
            still_open, key=lambda c: not any(p.worker_id for p in case_partner_cases(case=c))
        ):
            record = (
                PoliceRecord.objects.filter(perpetrator_id=case.person_id)
                .order_by("-occurred_on", "reference")
                .first()
            )
            if record is None:
                continue
            self.at(self.today, 7)
            alerts_police_records(records=[record], actor=self.actors["matac"])
            return

    def clear(self) -> None:
        practitioner = self.actors["practitioner"]
        # A man stepped up to Drive is Drive's story, whatever is left open at CLEAR.
        in_drive = Case.objects.filter(service__slug=DRIVE).values("person_id")
        cases = list(
            Case.objects.filter(service__slug=CLEAR, status=CaseStatus.OPEN)
            .exclude(person_id__in=in_drive)
            .select_related("person", "service", "referral")
            .order_by("opened_at", "person__family_name", "person__given_name")
        )
        rules = casework_rules_for_case(case=cases[0]) if cases else None
        high = set(rules.file.closure.high_risk) if rules else set()
        completed = next((c for c in cases if case_risk_latest(case=c) not in high), None)
        if completed is not None:
            cases.remove(completed)
            self.clear_completed(completed)
        story_cases = list(zip(CLEAR_STORIES, cases, strict=False))
        for attended, case in story_cases:
            self.clear_open(case, attended)
        self.clear_group(practitioner, [c for a, c in story_cases if a is None or a < 7])

    def clear_engage(self, case: Case, day: datetime.date) -> None:
        practitioner = self.actors["practitioner"]
        self.at(day)
        self.gate(
            practitioner,
            case,
            view="His partner's support worker sees no added risk in CLEAR contacting him",
            reason="Her support worker's view is that contact will not increase risk",
        )
        self.at(day, 14)
        self.contact(practitioner, case, day, outcome=ContactOutcome.REACHED, channel=ContactChannel.PHONE)
        self.consent(practitioner, case, ConsentState.GIVEN)

    def clear_goals(self, case: Case, day: datetime.date) -> list[Goal]:
        self.at(day, 15)
        return self.goals(
            self.actors["practitioner"],
            case,
            [
                "Recognise the warning signs of his anger and use a time-out.",
                "Talk to his partner without shouting or threats.",
            ],
        )

    def clear_completed(self, case: Case) -> None:
        """All seven sessions, completed some weeks ago, its follow-up due in the coming week."""
        practitioner = self.actors["practitioner"]
        programme = casework_rules_for_case(case=case).programme(case.service.slug)
        weeks = programme.follow_ups[0].weeks_after_end if programme and programme.follow_ups else 6
        ended = self.today + datetime.timedelta(days=FOLLOW_UP_IN_DAYS) - datetime.timedelta(weeks=weeks)
        ended = self.clip(case, max(ended, self.opened(case) + datetime.timedelta(days=14)))
        span = max(1, (ended - self.opened(case)).days)
        engage = self.opened(case) + datetime.timedelta(days=max(1, span // 12))
        self.clear_engage(case, engage)
        goals = self.clear_goals(case, engage)
        days = _weekly(engage + datetime.timedelta(days=2), ended - datetime.timedelta(days=2), 7)
        self.sessions(practitioner, case, days)
        self.at(days[-1], 18)
        self.note(
            practitioner,
            case,
            NoteKind.SESSION,
            "Last session: reviewed his time-out plan and what has changed at home. Signposted to the "
            "Respect Phoneline and the local money advice service.",
        )
        for goal, status in zip(goals, (GoalStatus.MET, GoalStatus.PARTLY_MET), strict=False):
            plan_services.goal_update(actor=practitioner, goal=goal, status=status)
        self.at(ended - datetime.timedelta(days=1))
        self.assess(
            practitioner, case, ended - datetime.timedelta(days=1), level="medium", context=Context.CLOSURE
        )
        if self.end(
            practitioner,
            case,
            ended,
            reason="Attended all seven sessions; goals reviewed with him and his partner's support worker.",
        ):
            self.told_read(case, ended)

    def clear_open(self, case: Case, attended: int | None) -> None:
        practitioner, manager = self.actors["practitioner"], self.actors["manager"]
        # Reached a week or so before his first session, the sessions weekly since.
        weeks = (attended or 0) + (1 if attended == 5 else 0)
        engage = self.clip(case, self.today - datetime.timedelta(weeks=weeks, days=6))
        self.clear_engage(case, engage)
        if attended is None:
            return
        goals = self.clear_goals(case, engage)
        days = _weekly(engage + datetime.timedelta(days=3), self.yesterday, attended)
        self.sessions(practitioner, case, days, missed=2 if attended == 5 else None)
        self.at(days[-1], 18)
        self.note(
            practitioner,
            case,
            NoteKind.SESSION,
            "Talked through the last argument at home and what he could have done differently. He "
            "practised the time-out and agreed to try it this week.",
        )
        if attended == 5:
            self.at(days[-1], 18)
            support = self.activity(
                practitioner,
                case,
                kind=ActivityKind.SUPPORT,
                owner=AgencyType.HOUSING,
                due_in=28,
                goal=goals[0],
                detail="Advice on moving to a place of his own.",
            )
            if support is not None:
                plan_services.activity_update(
                    actor=practitioner, activity=support, status=ActivityStatus.IN_PROGRESS
                )
            self.at(days[-1] + datetime.timedelta(days=1), 12)
            self.note(
                manager,
                case,
                NoteKind.SUPERVISION,
                "Supervision with Dafydd: progress steady after a missed session; keep the weekly slot.",
            )
        if attended >= 7:
            plan_services.goal_update(actor=practitioner, goal=goals[0], status=GoalStatus.MET)
        self.reviews(manager, case)

    def clear_group(self, practitioner: Actor, roster: list[Case]) -> None:
        """A group the open cases join, with its facilitator and its first session."""
        if len(roster) < 2:
            return
        service = Service.objects.get(slug=CLEAR)
        starts = self.today - datetime.timedelta(days=2)
        self.at(starts - datetime.timedelta(days=1))
        group = session_services.group_create(
            actor=practitioner,
            service=service,
            name="Tuesday evening group",
            starts_on=starts,
            facilitators=[practitioner.user],
        )
        for case in roster[:3]:
            session_services.group_roster_add(actor=practitioner, group=group, case=case)
        held = starts
        self.at(held, 20)
        attendance = {}
        for case in roster[:3]:
            case.refresh_from_db(fields=["consent", "contact_allowed"])
            sessions = Session.objects.filter(case=case).exists()
            attendance[case.pk] = (
                session_services.Attended(AttendanceStatus.ATTENDED)
                if sessions
                else session_services.Attended(
                    AttendanceStatus.ABSENT_WITH_REASON, "Working late this week; starts next week."
                )
            )
        session_services.session_record(
            actor=practitioner,
            held_on=held,
            group=group,
            starts_at=datetime.time(18, 30),
            attendance=attendance,
        )


def load_demo_casework(*, today: datetime.date, seed: int) -> None:
    """Take the demo's open cases to every stage: Drive's and CLEAR's, with the tasks they give the police,
    housing, probation and the IDVA. Called once, inside the demo's transaction, after the cases open."""
    writer = _Casework(today=today, seed=seed)
    writer.drive()
    writer.clear()
    writer.safety_updates()
    writer.safe_contact()
    writer.tracing()
    writer.her_case_closed()
    writer.joint_meetings()
    writer.clock.restamp()
