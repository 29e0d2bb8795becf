"""The demo region's families written through the services, as the demo logins would have written them.

`pathways.demo.families` plans who the families are and how far each referral goes; this writes them with
the same service calls the pages make (people through the referral form and the public self-referral
form, triage, each step of a referral by the agency allowed to take it, assessments and their
corrections, screenings, panel meetings with agendas, attendance, decisions, actions and minutes), so that
every audit entry, sealed-detail check and referral event is the real one. Only the times are moved
afterwards: the services stamp "now", and a demo that always looks current needs its history spread
over the weeks before today.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from pathways.accounts.choices import ChangeKind
from pathways.accounts.models import Agency, User
from pathways.accounts.services import account_change_request
from pathways.assessments import services as assessments
from pathways.assessments.models import Assessment, Context
from pathways.cases import services as cases
from pathways.cases.choices import CaseEventKind
from pathways.cases.models import Case, CaseEvent
from pathways.cases.services.journeys import journeys_casework_refresh
from pathways.core.access import Role
from pathways.core.policy import Actor
from pathways.demo.answers import answers_for
from pathways.demo.casework import load_demo_casework
from pathways.demo.families import Family, Member, plan_families
from pathways.demo.police import load_demo_police_data
from pathways.directory.choices import Tier
from pathways.directory.models import Area, Region, Service
from pathways.insights.models import LawfulBasis
from pathways.insights.scenarios import Draft, scenario_run
from pathways.insights.services import agreement_record
from pathways.panels import selectors as panel_selectors
from pathways.panels import services as panels
from pathways.panels.choices import ActionStatus, MeetingStatus, Outcome, PanelKind
from pathways.panels.models import AgendaItem, Meeting, Panel
from pathways.panels.services import base as panels_base
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person
from pathways.people.services import PersonInput
from pathways.referrals import public, screening
from pathways.referrals import services as referrals
from pathways.referrals.choices import IntakeOutcome, RiskLevel, Status, Transition
from pathways.referrals.journeys import journeys_rebuild
from pathways.referrals.models import Referral, ReferralEvent
from pathways.referrals.triagefile import CASE_FACTS

DEFAULT_PEOPLE = 300
DEFAULT_SEED = 2020  # the year of the review the region comes from

# The Cardiff MARAC meets fortnightly: three weeks ago (minutes issued), last week (minutes not yet issued)
# and next week (the meeting the cast schedules). The MATAC met four weeks before its next meeting.
MARAC_A_DAYS_AGO, MARAC_B_DAYS_AGO = 21, 7
MATAC_PAST_DAYS_AGO = 21
DRIVE = "drive-cardiff"

# The step a referral reaches, as the statuses it goes through after triage.
STEPS = {
    "triaged": (),
    "offered": (Status.OFFERED,),
    "accepted": (Status.OFFERED, Status.ACCEPTED),
    "waiting": (Status.OFFERED, Status.ACCEPTED, Status.WAITING),
    "started": (Status.OFFERED, Status.ACCEPTED, Status.STARTED),
    "declined": (Status.OFFERED, Status.DECLINED),
    "withdrawn": (Status.OFFERED, Status.ACCEPTED, Status.WITHDRAWN),
    "step_up": (Status.OFFERED, Status.ACCEPTED, Status.STARTED),
    "step_up_pending": (Status.OFFERED, Status.ACCEPTED, Status.STARTED),
    "step_down": (Status.OFFERED, Status.ACCEPTED, Status.STARTED),
    "screened": (),
}
NOTES: dict[str, str] = {
    Status.DECLINED: "Did not feel ready for the group work; the offer stays open if that changes.",
    Status.WITHDRAWN: "Moved out of the area and asked for the referral to close.",
}
REASONS = {
    "self": "I shout at my partner when I get angry and she is frightened of me. I want to stop.",
    "childrens_services": "Children's services assessment: arguments in front of the children, father "
    "acknowledges his partner is afraid of him and wants help.",
    "iris": "Disclosed at a GP appointment that he has been controlling towards his partner.",
    "gp_health": "Asked his GP for help with his temper at home.",
    "probation": "Domestic abuse history on his record; the sentence plan includes relationship work.",
    "court": "Community order with a requirement to attend a domestic abuse programme.",
    "police": "Attended two domestic incidents this year; no charges, partner supported by the IDVA.",
    "marac": "Discussed at the Cardiff MARAC: high risk, escalating, repeat call-outs.",
    "cafcass": "Child arrangements case: concerns about controlling behaviour after separation.",
}


@dataclass
class Summary:
    families: int = 0
    people: int = 0
    referrals: int = 0
    assessments: int = 0
    meetings: int = 0
    skipped: bool = False
    seconds: float = 0.0


@dataclass
class _Written:
    """What one family's writes made, for the panels and the screening that come after every family."""

    family: Family
    perpetrator: Person
    partner: Person | None
    referrals: list[Referral] = field(default_factory=list)
    later: list[tuple[Referral, tuple[str, ...]]] = field(default_factory=list)  # Drive's steps


def _actor(username: str) -> Actor:
    user = User.objects.get(username=username)
    return Actor(user=user, membership=user.memberships.select_related("agency").get())


@contextmanager
def _as_of(day: datetime.date) -> Iterator[None]:
    """Panel services as they were on `day`: a past meeting's agenda was built before it met."""
    with mock.patch.object(panels_base, "today", return_value=day):
        yield


class _Writer:
    def __init__(self, *, seed: int, today: datetime.date) -> None:
        self.rng = random.Random(seed + 1)  # noqa: S311 - made-up demo data, not a secret
        self.today = today
        self.areas = {a.slug: a for a in Area.objects.filter(in_region=True)}
        self.actors = {
            name: _actor(name)
            for name in ("socialworker", "idva", "practitioner", "probation", "drive", "coordinator", "chair")
        }
        self.actors["matac"] = _actor("matac")
        # Which demo login takes a service's steps: the one whose agency runs it.
        self.runner: dict[str, Actor] = {}
        for actor in self.actors.values():
            assert actor.agency is not None
            for slug in actor.agency.services.values_list("slug", flat=True):
                self.runner.setdefault(slug, actor)
        self.written: list[_Written] = []
        # Steps down from Drive, taken once Drive has started working with the person.
        self.steps_after_drive: list[tuple[_Written, Referral]] = []
        self.callouts = 3

    def day(self, days_ago: int) -> datetime.date:
        return self.today - datetime.timedelta(days=days_ago)

    # --- people and referrals -------------------------------------------------------------------------

    def person_input(self, member: Member) -> PersonInput:
        return PersonInput(
            given_name=member.given_name,
            family_name=member.family_name,
            date_of_birth=member.born,
            gender_identity=member.gender,
            preferred_language=member.language,
            other_language=member.other_language,
            interpreter_needed=member.interpreter,
            has_disability=member.disability,
            work_pattern=member.work_pattern,
            ethnicity=member.ethnicity,
            area=self.areas.get(member.area),
            police_reference=member.police_reference,
            address=member.address,
            phone=member.phone,
            email=member.email,
            school=member.school,
        )

    def referral_input(self, family: Family) -> referrals.ReferralInput:
        scene = family.scene
        partner = None
        if family.partner is not None:
            kind = (
                RelationshipKind.EX_PARTNER
                if scene.partner == "ex_partner"
                else RelationshipKind.CURRENT_PARTNER
            )
            partner = referrals.PartnerInput(self.person_input(family.partner), kind)
        return referrals.ReferralInput(
            route=scene.route,
            reason=REASONS.get(scene.route, "Referred for help with abusive behaviour at home."),
            risk_level=scene.risk if scene.route != "self" else RiskLevel.NOT_KNOWN,
            been_to_marac=scene.been_to_marac,
            consent_to_contact=True,
            facts={
                name: (True if name in scene.facts else None if scene.referrer is None else False)
                for name in CASE_FACTS
            },
            person=self.person_input(family.perpetrator),
            partner=partner,
            children=[self.person_input(child) for child in family.children],
        )

    def write_family(self, family: Family) -> _Written:
        scene = family.scene
        data = self.referral_input(family)
        if scene.referrer is None:
            # As the public form sends it: no sign-in, and triage straight away.
            referral = public.submit_self_referral(data)
            referral.refresh_from_db()
        else:
            referrer = self.actors[scene.referrer]
            referral = referrals.referral_create(actor=referrer, data=data)
            if family.target != "received":
                referral = self.triage(referral, referrer, prefer_drive=scene.route == "marac")
        written = _Written(family, referral.person, referral.partner, [referral])
        self.lifecycle(written, referral, STEPS.get(family.target, ()))
        if family.new_partner is not None:
            self.write_new_partner(written)
        self.written.append(written)
        return written

    def triage(self, referral: Referral, actor: Actor | None, *, prefer_drive: bool = False) -> Referral:
        result, _ruleset = referrals.referral_triage(referral=referral)
        if not result.fits:
            return referrals.referral_unmet_need_record(actor=actor, referral=referral)
        slugs = [option.service for option in result.fits]
        chosen = next((s for s in slugs if s in self.runner), slugs[0])
        if prefer_drive and DRIVE in slugs:
            chosen = DRIVE
        return referrals.referral_service_choose(actor=actor, referral=referral, service_slug=chosen)

    def lifecycle(self, written: _Written, referral: Referral, steps: tuple[str, ...]) -> None:
        if referral.status != Status.TRIAGED or referral.service is None:
            return
        runner = self.runner.get(referral.service.slug)
        if runner is None:
            return  # a service no demo agency runs: the referral waits with it
        if referral.service.slug == DRIVE:
            # Drive takes people only through its screening and the MARAC's decision, which come later.
            written.later.append((referral, steps))
        else:
            self.take_steps(referral, runner, steps)
        for partner_referral in referral.partner_referrals.select_related("service"):
            written.referrals.append(partner_referral)
            support = self.runner.get(partner_referral.service.slug) if partner_referral.service else None
            if support is not None:
                target = written.family.scene.partner_target
                self.take_steps(partner_referral, support, STEPS.get(target, ())[:3])
        if written.family.target in ("step_up", "step_up_pending", "step_down"):
            if referral.service.slug == DRIVE:
                self.steps_after_drive.append((written, referral))
            else:
                self.step(written, referral, runner)

    def take_steps(self, referral: Referral, actor: Actor, steps: tuple[str, ...]) -> Referral:
        for status in steps:
            referral = referrals.referral_advance(
                actor=actor, referral=referral, to=status, note=NOTES.get(status, "")
            )
        return referral

    def step(self, written: _Written, referral: Referral, actor: Actor) -> None:
        referral.refresh_from_db()
        if referral.status != Status.STARTED:
            return
        up = written.family.target != "step_down"
        new = referrals.referral_step(
            actor=actor,
            referral=referral,
            transition=Transition.STEP_UP if up else Transition.STEP_DOWN,
            risk_level=RiskLevel.HIGH if up else RiskLevel.MEDIUM,
            handover_note=(
                "Risk has risen since he started: heard at MARAC, needs intensive case management."
                if up
                else "Engaged well and risk has come down; ready for group work at medium risk."
            ),
        )
        written.referrals.append(new)
        new = self.triage(new, actor, prefer_drive=up)
        if new.status == Status.TRIAGED and new.service is not None and new.service.slug == DRIVE:
            steps = STEPS["started"] if written.family.target == "step_up" else ()
            written.later.append((new, steps))

    def write_new_partner(self, written: _Written) -> None:
        """A later referral of the same man names a new partner; the first one named an ex-partner."""
        family = written.family
        assert family.new_partner is not None
        data = referrals.ReferralInput(
            route="self",
            reason="Referring myself again: I am in a new relationship and do not want to repeat what I did.",
            consent_to_contact=True,
            existing_person=written.perpetrator,
            partner=referrals.PartnerInput(
                self.person_input(family.new_partner), RelationshipKind.CURRENT_PARTNER
            ),
        )
        referral = public.submit_self_referral(data)
        written.referrals.append(referral)

    # --- assessments -----------------------------------------------------------------------------------

    def assess(
        self,
        actor: Actor,
        person: Person,
        instrument_id: str,
        *,
        level: str,
        on: datetime.date,
        context: str = Context.INTAKE,
        marac: bool = False,
        last_marac: datetime.date | None = None,
    ) -> Assessment:
        instrument = assessments.instrument_definition(
            version=assessments.instrument_version_current(instrument_id=instrument_id)
        )
        answers = answers_for(
            instrument,
            rng=self.rng,
            level=level,
            assessed_on=on,
            marac=marac,
            last_marac=last_marac,
            callout_threshold=self.callouts,
        )
        draft = assessments.assessment_start(
            actor=actor, person=person, instrument_id=instrument_id, context=context, assessed_on=on
        )
        done = assessments.assessment_save(
            actor=actor,
            assessment=draft,
            answers=answers,
            narrative="Seen with the referral and what partner agencies shared.",
            sources="Interview; referral; partner agencies.",
            complete=True,
        )
        Assessment.objects.filter(pk=done.pk).update(completed_at=_at(on, 15))
        return done

    def victim_assessor(self, person: Person) -> Actor | None:
        agencies = set(person.agencies.values_list("slug", flat=True))
        for name in ("idva", "socialworker"):
            agency = self.actors[name].agency
            if agency is not None and agency.slug in agencies:
                return self.actors[name]
        return None

    def assess_family(self, written: _Written) -> None:
        family, scene = written.family, written.family.scene
        partner = written.partner
        a_day, b_day = self.day(MARAC_A_DAYS_AGO), self.day(MARAC_B_DAYS_AGO)
        if partner is not None and scene.marac:
            assessor = self.victim_assessor(partner)
            if assessor is not None:
                first = {
                    "A": a_day - datetime.timedelta(days=self.rng.randint(2, 10)),
                    "repeat": a_day - datetime.timedelta(days=self.rng.randint(2, 10)),
                    "B": a_day + datetime.timedelta(days=self.rng.randint(2, 10)),
                    "next": b_day + datetime.timedelta(days=self.rng.randint(1, 6)),
                    "nominated": self.day(self.rng.randint(30, 60)),
                }[scene.marac]
                self.assess(
                    assessor,
                    partner,
                    "dash-partner-agency",
                    level="high" if scene.marac != "nominated" else "medium",
                    on=first,
                    context=Context.MARAC,
                    marac=scene.marac != "nominated",
                )
                if scene.marac == "repeat":
                    # Assessed again since the meeting that heard her: a repeat within twelve months.
                    self.assess(
                        assessor,
                        partner,
                        "dash-partner-agency",
                        level="high",
                        on=b_day + datetime.timedelta(days=self.rng.randint(1, 6)),
                        context=Context.REVIEW,
                        marac=True,
                        last_marac=a_day,
                    )
        referral = written.referrals[0]
        referral.refresh_from_db()
        if (
            referral.service is not None
            and referral.service.slug == "clear"
            and referral.status
            in (
                Status.ACCEPTED,
                Status.WAITING,
                Status.STARTED,
            )
        ):
            # CLEAR assesses at intake and every six weeks: some are due again, some are overdue.
            intake = self.day(max(1, family.began - 14))
            done = self.assess(
                self.actors["practitioner"],
                written.perpetrator,
                "perpetrator-risk",
                level=scene.risk,
                on=intake,
            )
            if family.number % 3 == 0 and family.began > 60:
                self.assess(
                    self.actors["practitioner"],
                    written.perpetrator,
                    "perpetrator-risk",
                    level=scene.risk,
                    on=self.day(self.rng.randint(5, 35)),
                    context=Context.REVIEW,
                )
            elif family.number % 5 == 1:
                correction = assessments.assessment_correct(
                    actor=self.actors["practitioner"],
                    assessment=done,
                    reason="Partner agency information arrived after the intake: two answers corrected.",
                )
                assessments.assessment_save(
                    actor=self.actors["practitioner"],
                    assessment=correction,
                    answers=answers_for(
                        assessments.instrument_definition(version=done.instrument_version),
                        rng=self.rng,
                        level=scene.risk,
                        assessed_on=intake,
                    ),
                    narrative="Corrected with what the probation officer shared.",
                    sources="Interview; probation record.",
                    complete=True,
                )
        for drive_referral, _steps in written.later:
            self.assess(
                self.actors["drive"],
                drive_referral.person,
                "b-safer-v2",
                level="high",
                on=self.day(MARAC_A_DAYS_AGO + 3),
                context=Context.SCREENING,
            )

    # --- Drive's screening and the panels -------------------------------------------------------------

    def screen_for_drive(self) -> Any:
        service = Service.objects.get(slug=DRIVE)
        candidates = screening.candidates(service)
        if not candidates:
            return None
        heard_at_a = {w.perpetrator.pk for w in self.written if w.family.scene.marac == "A" and w.later}
        places = max(1, len(heard_at_a))
        decisions: dict[str, tuple[bool, str]] = {}
        for candidate in candidates:
            take = candidate.referral.person_id in heard_at_a and places > sum(
                t for t, _r in decisions.values()
            )
            decisions[str(candidate.referral.pk)] = (
                take,
                "" if take else "Lower current risk than those taken; held for the next screening.",
            )
        return screening.record_screening(
            actor=self.actors["drive"],
            service=service,
            places=places,
            held_on=self.day(MARAC_A_DAYS_AGO + 2),
            decisions=decisions,
            notes="Screened with B-SAFER ahead of the MARAC.",
        )

    def meeting_on(self, panel: Panel, day: datetime.date, actor: Actor) -> Meeting:
        found = panel.meetings.filter(held_on=day).first()
        return found or panels.meeting_schedule(panel=panel, held_on=day, actor=actor)

    def hold(
        self,
        meeting: Meeting,
        actor: Actor,
        *,
        drive_screening: Any = None,
        close: bool,
    ) -> None:
        """Build the agenda as it was before the meeting, record who came, decide each case, set actions."""
        with _as_of(meeting.held_on):
            items = panels.agenda_build(meeting=meeting, actor=actor)
        panels.meeting_attendance_record(
            meeting=meeting,
            attendance={m.pk: (True, False) for m in meeting.panel.members.all()},
            actor=actor,
        )
        seats = {m.agency.slug: m for m in meeting.panel.members.select_related("agency", "user")}
        taken = set()
        if drive_screening is not None:
            taken = set(
                drive_screening.candidates.filter(taken=True).values_list("referral__person_id", flat=True)
            )
        for number, item in enumerate(items):
            outcome, reasons = self.outcome(meeting.panel, item, taken)
            panels.decision_record(
                item=item,
                outcome=outcome,
                reasons=reasons,
                review_on=meeting.held_on + datetime.timedelta(days=28) if number % 2 == 0 else None,
                screening=drive_screening if outcome == Outcome.REFER_SCREENED else None,
                actor=actor,
            )
            for position, (slug, text, days) in enumerate(self.actions(meeting.panel, number)):
                seat = seats.get(slug)
                if seat is None:
                    continue
                action = panels.action_create(
                    item=item,
                    description=text,
                    agency=seat.agency,
                    owner=seat.user,
                    due_on=meeting.held_on + datetime.timedelta(days=days),
                    actor=actor,
                )
                if close and position == 0 and number % 2 == 1:
                    panels.action_update(action=action, status=ActionStatus.DONE, actor=actor)
        if close:
            panels.meeting_close(meeting=meeting, actor=actor)

    def outcome(self, panel: Panel, item: AgendaItem, taken: set[Any]) -> tuple[str, str]:
        if panel.kind == PanelKind.MATAC:
            return (
                (Outcome.DISRUPT, "Serial pattern across several victims: coordinated disruption agreed.")
                if item.rfg_score_id
                else (Outcome.ENFORCEMENT, "Referred in by a partner agency: enforcement options reviewed.")
            )
        if item.person_id is not None and taken & set(panel_selectors.item_referral_people(item=item)):
            return Outcome.REFER_SCREENED, "High risk and escalating; Drive screened him and has a place."
        return Outcome.SAFETY_PLAN, "Safety plan agreed with the IDVA; partner agencies flag the address."

    def actions(self, panel: Panel, number: int) -> list[tuple[str, str, int]]:
        if panel.kind == PanelKind.MATAC:
            return [
                ("probation-cardiff-vale", "Review licence conditions and report back to the panel.", 7),
                ("drive-cardiff", "Share the disruption plan with the neighbourhood team.", 14 + number),
            ]
        return [
            ("rise-cardiff", "Contact the victim within two working days to review the safety plan.", 2),
            ("south-wales-police", "Flag the address for a priority response.", 5 + number % 3),
            ("cardiff-childrens-services", "Check the children's school knows who may collect them.", 10),
        ]

    def marac_meetings(self) -> None:
        panel = Panel.objects.get(slug="marac-cardiff")
        coordinator = self.actors["coordinator"]
        drive_screening = self.screen_for_drive()
        past = self.meeting_on(panel, self.day(MARAC_A_DAYS_AGO), coordinator)
        self.hold(past, coordinator, drive_screening=drive_screening, close=True)
        last = self.meeting_on(panel, self.day(MARAC_B_DAYS_AGO), coordinator)
        self.hold(last, coordinator, close=False)
        # Drive takes on the people the MARAC referred to it.
        for written in self.written:
            for referral, steps in written.later:
                self.take_steps(referral, self.actors["drive"], steps)
        for written, referral in self.steps_after_drive:
            self.step(written, referral, self.actors["drive"])
        for written in self.written:
            if written.family.scene.marac == "nominated" and written.partner is not None:
                panels.nomination_create(
                    panel=panel,
                    person=written.partner,
                    agency=self.actors["socialworker"].agency,  # type: ignore[arg-type]
                    reason="New disclosures at a child protection conference; risk rising.",
                    actor=self.actors["socialworker"],
                )
        self.build_next(panel, coordinator)

    def matac_meetings(self) -> None:
        panel = Panel.objects.get(slug="matac-cardiff-and-vale")
        matac = self.actors["matac"]
        past = self.meeting_on(panel, self.day(MATAC_PAST_DAYS_AGO), matac)
        self.hold(past, matac, close=True)
        for written in self.written:
            if written.family.scene.nominated_to_matac:
                panels.nomination_create(
                    panel=panel,
                    person=written.perpetrator,
                    agency=self.actors["socialworker"].agency,  # type: ignore[arg-type]
                    reason="Controlling towards a new partner after separation; several agencies know him.",
                    actor=self.actors["socialworker"],
                )
        self.build_next(panel, matac)

    def build_next(self, panel: Panel, actor: Actor) -> None:
        upcoming = panel.meetings.filter(held_on__gte=self.today, status=MeetingStatus.PLANNED).order_by(
            "held_on"
        )
        for meeting in upcoming[:1]:
            panels.agenda_build(meeting=meeting, actor=actor)

    def intake(self) -> None:
        """The intake team has dealt with the older half of its queue, oldest first; the rest waits."""
        team = _actor("intake")
        queue = list(Referral.objects.filter(intake_agency=team.agency).order_by("created_at"))
        outcomes = [
            (
                IntakeOutcome.CONTACTED_SIGNPOSTED,
                "Told him about the Respect Phoneline and the Vale's court programme.",
            ),
            (IntakeOutcome.LEFT_WITH_SERVICE, "CLEAR has called him; nothing more needed from intake."),
            (IntakeOutcome.NOT_REACHED, "Two calls and a text, no answer. Try again next week."),
            (IntakeOutcome.CONTACTED_REFERRED, "Agreed to a referral to probation's programme."),
        ]
        for number, referral in enumerate(queue[: len(queue) // 2]):
            outcome, note = outcomes[number % len(outcomes)]
            if outcome == IntakeOutcome.LEFT_WITH_SERVICE and referral.service is None:
                outcome, note = outcomes[0]
            referrals.referral_intake_record(actor=team, referral=referral, outcome=outcome, note=note)

    def account_change(self) -> None:
        """A role waiting for the second administrator, so that both administrators have something to do."""
        clear = Agency.objects.get(slug="clear-cardiff")
        user, _created = User.objects.get_or_create(
            username="newstarter", defaults={"full_name": "Bryn Cwmbreuddwyd (new CLEAR facilitator)"}
        )
        admin = _actor("admin")
        account_change_request(
            actor=admin,
            user=user,
            kind=ChangeKind.GRANT_ROLE,
            agency=clear,
            role=Role.PRACTITIONER,
            reason="Starts on Monday as a CLEAR facilitator; training completed.",
        )


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _backdate(written: _Written, today: datetime.date) -> None:
    """Spread each referral's history from the day the family was first referred to a few days ago, in the
    order the services wrote it, so that waits and figures look like a region's."""
    began = written.family.began
    ids = [r.pk for r in written.referrals]
    events = list(ReferralEvent.objects.filter(referral_id__in=ids).order_by("at", "pk"))
    if not events:
        return
    end = min(began, max(0, began // 5))
    span = max(0, began - end)
    now = timezone.now()  # a step taken today is never later than the moment the demo loads
    for number, event in enumerate(events):
        days_ago = began - (span * number) // max(1, len(events) - 1) if len(events) > 1 else began
        event.at = min(_at(today - datetime.timedelta(days=days_ago), 9 + number % 8), now)
    ReferralEvent.objects.bulk_update(events, ["at"])
    # History rewritten in bulk: each referral's journeys written afresh from it.
    journeys_rebuild(referral_ids=ids)
    journeys_casework_refresh(
        case_ids=list(Case.objects.filter(referral_id__in=ids).values_list("pk", flat=True))
    )
    for referral_id in ids:
        times = [e.at for e in events if e.referral_id == referral_id]
        if times:
            Referral.objects.filter(pk=referral_id).update(created_at=times[0], modified_at=times[-1])
        # A case opened the day its referral started.
        started = [e.at for e in events if e.referral_id == referral_id and e.status == Status.STARTED]
        if started:
            Case.objects.filter(referral_id=referral_id).update(opened_at=started[0])
            CaseEvent.objects.filter(case__referral_id=referral_id).update(at=started[0])


def _case_managers() -> None:
    """CLEAR's manager manages its cases, named the day each opened; Drive's and the support services' have
    none named yet."""
    manager = _actor("manager")
    for case in Case.objects.filter(service__slug="clear").select_related("worker"):
        cases.case_assign(actor=manager, case=case, worker=case.worker, manager=manager.user)
        CaseEvent.objects.filter(case=case, kind=CaseEventKind.ASSIGNED).update(at=case.opened_at)


def _evaluation_agreement(today: datetime.date) -> None:
    """The university evaluation the review asks for (sections 5.6 and 6), agreed with information
    governance and in force, with no extract produced yet."""
    agreement_record(
        actor=_actor("auditor"),
        data={
            "reference": "DSA-CV-2026-01",
            "partner": "Cardiff University, School of Social Sciences",
            "contact": "Dr Eleri Rhys, principal investigator",
            "purpose": "Independent evaluation of CLEAR and Drive in Cardiff and the Vale: engagement, "
            "completion, and police records before and after.",
            "lawful_basis": LawfulBasis.PUBLIC_TASK,
            "special_category_condition": "Article 9(2)(j); DPA 2018 Schedule 1, paragraph 4 (research)",
            "starts_on": today - datetime.timedelta(days=30),
            "expires_on": today + datetime.timedelta(days=700),
        },
    )


# The review's own question (sections 5.3 and 6): a medium-risk programme for Cardiff and the Vale, group
# work with one-to-one sessions, at three capacities. The scenarios benchmark asks it too.
MEDIUM_RISK_DVPP = Draft(
    name="Medium-risk DVPP for Cardiff and the Vale",
    tier=Tier.MEDIUM_RISK,
    areas=["cardiff", "vale-of-glamorgan"],
    genders=["male"],
    routes=[
        "police",
        "probation",
        "childrens_services",
        "marac",
        "self",
        "gp_health",
        "other_service",
    ],
    formats=["group", "one_to_one"],
    programme_weeks=26,
    patience_weeks=12,
    drop_out_during=0.33,
    capacities=[10, 20, 30],
)


def _medium_risk_scenario(today: datetime.date) -> None:
    """The medium-risk programme tried against the past year's referrals."""
    scenario_run(
        actor=_actor("commissioner"),
        region=Region.objects.get(slug="cardiff-and-vale"),
        draft=MEDIUM_RISK_DVPP,
        starts=today - datetime.timedelta(days=364),
        ends=today,
    )


def demo_families_loaded() -> bool:
    """The families are loaded once: a database holding any referral already has them (or real ones)."""
    return Referral.objects.exists()


def load_demo_region(
    *, people: int = DEFAULT_PEOPLE, seed: int = DEFAULT_SEED, today: datetime.date | None = None
) -> Summary:
    """Write the demo region's families, assessments, screening and panel meetings. Skipped, with nothing
    written, when referrals are already on record."""
    started = time.monotonic()
    if demo_families_loaded():
        return Summary(skipped=True)
    today = today or timezone.localdate()
    families = plan_families(people=people, seed=seed, today=today)
    with transaction.atomic():
        writer = _Writer(seed=seed, today=today)
        for family in families:
            writer.write_family(family)
        for written in writer.written:
            writer.assess_family(written)
        # The police extract after the families, so that its records link to the people on record.
        load_demo_police_data(Region.objects.get(slug="cardiff-and-vale"), writer.actors["matac"])
        writer.marac_meetings()
        writer.matac_meetings()
        for written in writer.written:
            _backdate(written, today)
        writer.intake()
        writer.account_change()
        _case_managers()
        load_demo_casework(today=today, seed=seed)
        _evaluation_agreement(today)
        _medium_risk_scenario(today)
    return Summary(
        families=len(families),
        people=sum(f.people for f in families),
        referrals=Referral.objects.count(),
        assessments=Assessment.objects.count(),
        meetings=Meeting.objects.filter(~Q(status=MeetingStatus.PLANNED) | Q(held_on__gte=today)).count(),
        seconds=time.monotonic() - started,
    )
