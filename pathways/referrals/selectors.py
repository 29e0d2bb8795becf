from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency
from pathways.assessments.models import Assessment, AssessmentStatus
from pathways.assessments.services import assessment_settings_for
from pathways.core.policy import Actor, Perm, allows, get_for_actor, visible_to
from pathways.directory.models import Region, Service
from pathways.people.models import Person
from pathways.referrals.choices import CLOSED, Status, Transition
from pathways.referrals.models import Correction, LinkedStep, Referral, ReferralEvent
from pathways.referrals.reasons import case_fact_label
from pathways.referrals.triagefile import CASE_FACTS


@dataclass(frozen=True)
class PartnerReferralSummary:
    """What the person's side may know of a partner's support referral (the access policy's crossing
    "partner_referral"): that it exists, its status and the service's name. Nothing else of her record."""

    status: str
    status_label: str
    service: str


@dataclass(frozen=True)
class CaseFactAnswer:
    name: str
    label: str
    answer: str


def referral_case_facts(*, referral: Referral) -> list[CaseFactAnswer]:
    """The referrer's answers to the questions about behaviour and history, in the reader's language."""
    answers = {True: _("Yes"), False: _("No"), None: _("Not known")}
    return [
        CaseFactAnswer(name=name, label=case_fact_label(name), answer=str(answers[getattr(referral, name)]))
        for name in CASE_FACTS
    ]


def partner_referrals_summary(*, referral: Referral) -> list[PartnerReferralSummary]:
    labels = dict(Status.choices)
    return [
        PartnerReferralSummary(
            status=r.status,
            status_label=str(labels.get(r.status, r.status)),
            service=r.service.name if r.service else "",
        )
        for r in referral.partner_referrals.select_related("service")
        .only("status", "service__name_en", "service__name_cy", "linked_referral")
        .order_by("created_at")
    ]


def referrals_for(*, actor: Actor) -> QuerySet[Referral]:
    return visible_to(
        actor,
        Referral.objects.select_related("person", "service", "referring_agency"),
        Perm.REFERRAL_VIEW,
    )


def services_to_screen(*, actor: Actor) -> list[Service]:
    """The services the actor's agency runs that have referrals waiting for it to choose whom to take."""
    if actor.agency is None or not allows(actor, Perm.ASSESSMENT_CHANGE):
        return []
    return list(
        Service.objects.filter(
            agencies=actor.agency, referrals__status__in=(Status.TRIAGED, Status.OFFERED)
        ).distinct()
    )


def agency_is_intake_team(*, agency: Agency | None) -> bool:
    """Whether a region names the agency as its intake team (region file, `intake.team`)."""
    return agency is not None and Region.objects.filter(intake_team=agency.slug).exists()


def intake_queue(*, actor: Actor) -> tuple[list[Referral], list[Referral]]:
    """The intake team's referrals: those waiting for it to record what it did, oldest first (the longest
    wait at the top), and the latest fifty it has dealt with. Empty for an agency that is no intake team."""
    if actor.agency is None:
        return [], []
    mine = referrals_for(actor=actor).filter(intake_agency=actor.agency).select_related("person__area")
    waiting = list(mine.filter(intake_outcome="").order_by("created_at"))
    done = list(mine.exclude(intake_outcome="").order_by("-intake_done_at")[:50])
    return waiting, done


@dataclass(frozen=True)
class StepLink:
    """The other end of a step up or down, as the referral's page shows it. `linked`: the step went to a
    referral the person already had rather than making one; what it carried is then shown with it (a step
    that made a referral carries it in that referral's own details)."""

    reference: str
    transition: str
    service: str
    status: str
    events: list[ReferralEvent]
    linked: bool = False
    handover_note: str = ""
    risk_level: str = ""
    been_to_marac: bool = False
    awaiting_court: bool = False


def referral_step_links(*, referral: Referral) -> tuple[list[StepLink], list[StepLink]]:
    """The referrals steps were made from, with their histories (what a step carries to the next service,
    whether or not that service could see the referral before), and the referrals steps from this one went
    to, with theirs: those the steps made and those the person already had that they were linked to. Every
    end is the same person's, on his side of the family."""
    transitions = dict(Transition.choices)

    def link(other: Referral, transition: str, step: LinkedStep | None = None, note: str = "") -> StepLink:
        return StepLink(
            reference=other.reference,
            transition=str(transitions.get(transition, "")),
            service=other.service.name if other.service else "",
            status=other.get_status_display(),
            events=list(other.events.select_related("by", "agency")),
            linked=step is not None,
            handover_note=step.handover_note if step is not None else note,
            risk_level=step.get_risk_level_display() if step is not None else "",
            been_to_marac=step is not None and step.been_to_marac,
            awaiting_court=step is not None and step.awaiting_court,
        )

    previous = referral.previous_referral
    made_from = [link(previous, referral.transition, note=referral.handover_note)] if previous else []
    before = made_from + [
        link(s.from_referral, s.transition, s)
        for s in referral.linked_steps_in.select_related("from_referral__service")
    ]
    made = referral.next_referrals.select_related("service").order_by("created_at")
    linked = referral.linked_steps_out.select_related("to_referral__service")
    after = [link(n, n.transition) for n in made] + [link(s.to_referral, s.transition, s) for s in linked]
    return before, after


def referral_step_linked_ids(*, referral: Referral) -> set[uuid.UUID]:
    """The referrals already at the other end of a step with this one, either way: a step is not linked
    back to them."""
    ids: set[uuid.UUID] = {
        *referral.next_referrals.values_list("pk", flat=True),
        *referral.linked_steps_out.values_list("to_referral_id", flat=True),
        *referral.linked_steps_in.values_list("from_referral_id", flat=True),
    }
    if referral.previous_referral_id is not None:
        ids.add(referral.previous_referral_id)
    return ids


def referral_step_options(*, actor: Actor, referral: Referral) -> list[Referral]:
    """The person's other open referrals the actor may see, which a step up or down from this one may be
    linked to rather than referring him twice: none with this referral's own service, and none already at
    the other end of a step with it."""
    return list(
        referrals_for(actor=actor)
        .filter(person_id=referral.person_id)
        .exclude(pk=referral.pk)
        .exclude(status__in=CLOSED)
        # A step goes to another service; a referral still waiting for a service's choice may be linked.
        .exclude(service__isnull=False, service=referral.service)
        .exclude(pk__in=referral_step_linked_ids(referral=referral))
        .order_by("created_at", "pk")
    )


def referral_corrections(*, actor: Actor, referral: Referral) -> list[Correction]:
    """The corrections made to the referral and its people that the actor may see: one to the partner's
    record only where her record may be seen."""
    return list(
        visible_to(actor, Correction.objects.filter(referral=referral), Perm.REFERRAL_VIEW).select_related(
            "by", "agency"
        )
    )


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral
    # The person's name where the reader may see the person's record; otherwise only the reference.
    name: str


def referral_search(
    *, actor: Actor, query: str = "", status: str = "", service: str = "", mine: bool | None = None
) -> QuerySet[Referral]:
    """The referrals the actor may see, newest first, narrowed by a name or reference, a status, a
    service (slug), and whether the actor's agency made them. Paged by the caller: never cut short."""
    found = referrals_for(actor=actor).select_related("person__area").order_by("-created_at", "pk")
    if query:
        # A name finds a referral only where the reader may see the person; a reference always does.
        visible = Q(person__in=_visible_people(actor))
        for word in query.split()[:4]:
            named = (
                Q(person__given_name__icontains=word)
                | Q(person__family_name__icontains=word)
                | Q(person__known_as__icontains=word)
            )
            found = found.filter(Q(reference__icontains=word) | (named & visible))
    if status in Status.values:
        found = found.filter(status=status)
    if service:
        found = found.filter(service__slug=service)
    if mine is not None and actor.agency is not None:
        found = (
            found.filter(referring_agency=actor.agency)
            if mine
            else found.exclude(referring_agency=actor.agency)
        )
    return found


def services_seen(*, actor: Actor) -> list[Service]:
    """The services of the referrals the actor may see, to filter the list by."""
    return list(
        Service.objects.filter(pk__in=referrals_for(actor=actor).values("service")).order_by("name_en")
    )


def _visible_people(actor: Actor) -> QuerySet[Person]:
    return visible_to(actor, Person.objects.all(), Perm.PERSON_VIEW).only("pk")


def referral_rows(*, actor: Actor, referrals: list[Referral]) -> list[ReferralRow]:
    """Rows for a page of referrals, with the names the reader may see: one query for the whole page."""
    visible = set(
        visible_to(
            actor, Person.objects.filter(pk__in={r.person_id for r in referrals}), Perm.PERSON_VIEW
        ).values_list("pk", flat=True)
    )
    return [ReferralRow(r, r.person.display_name if r.person_id in visible else "") for r in referrals]


def referral_get(*, actor: Actor, referral_id: uuid.UUID) -> Referral:
    return get_for_actor(
        actor,
        Referral.objects.select_related(
            "person__area",
            "partner",
            "service__partner_support_service",
            "referring_agency",
            "previous_referral__service",
        ),
        Perm.REFERRAL_VIEW,
        pk=referral_id,
    )


@dataclass(frozen=True)
class DueAssessment:
    person: Person
    service: str
    due: datetime.date
    last: datetime.date | None

    @property
    def overdue(self) -> bool:
        return self.due < datetime.date.today()


def reassessments_due(*, actor: Actor, today: datetime.date) -> list[DueAssessment]:
    """People the actor's agency is working with, and when each is next due an assessment under the region's
    schedule for that service: from their last completed assessment, or from when the work began."""
    if actor.agency is None or not actor.permissions:
        return []
    working = Referral.objects.filter(
        service__agencies=actor.agency, status__in=(Status.ACCEPTED, Status.WAITING, Status.STARTED)
    ).select_related("person__area__region", "service")
    # Two queries for the whole list, not two per person: each region's schedule once, and every
    # person's last completed assessment in one grouped query.
    last_done: dict[Any, datetime.date] = dict(
        Assessment.objects.filter(person__in=working.values("person"), status=AssessmentStatus.COMPLETED)
        .values("person")
        .annotate(last=Max("assessed_on"))
        .values_list("person", "last")
    )
    schedules: dict[Any, dict[str, Any]] = {}
    due = []
    for referral in working:
        region_id = referral.person.area.region_id if referral.person.area else None
        if region_id not in schedules:
            schedules[region_id] = assessment_settings_for(person=referral.person)
        days = schedules[region_id].get("reassessment_days", {})
        interval = days.get(referral.service.slug, days.get("default"))  # type: ignore[union-attr]
        if not interval:
            continue
        last = last_done.get(referral.person_id)
        since = last or referral.modified_at.date()
        due.append(
            DueAssessment(
                referral.person,
                referral.service.name,  # type: ignore[union-attr]
                since + datetime.timedelta(days=int(interval)),
                last,
            )
        )
    return sorted(due, key=lambda d: d.due)
