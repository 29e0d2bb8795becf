"""Reads of cases, each through the access policy: a case belongs to the agencies running its service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from pathways.accounts.models import Membership, User
from pathways.assessments.models import Assessment, AssessmentStatus
from pathways.cases.choices import CaseStatus
from pathways.cases.models import Case, CaseEvent
from pathways.core.access import Role, Side
from pathways.core.policy import Actor, Perm, agency_service_ids, get_for_actor, visible_to
from pathways.core.sealedtext import Marker
from pathways.panels.models import Decision
from pathways.panels.protected import protected_markers_for_person
from pathways.people.models import Person, Relationship

# Who may hold a case: the practitioners and managers of the agencies running its service.
CASE_WORKER_ROLES = (Role.PRACTITIONER, Role.MANAGER)
PAGE_SIZE = 50
PERSON_DETAILS_UNSHOWN = ("address", "phone", "email", "school", "contact_arrangements", "access_needs")


def cases_for(*, actor: Actor, per_row: bool = False) -> QuerySet[Case]:
    return visible_to(actor, Case.objects.all(), Perm.CASE_VIEW, per_row=per_row)


def case_get(*, actor: Actor, case_id: uuid.UUID) -> Case:
    return get_for_actor(
        actor,
        Case.objects.select_related(
            "person", "service", "referral", "worker", "manager", "transferred_from__service"
        ),
        Perm.CASE_VIEW,
        pk=case_id,
    )


@dataclass(frozen=True)
class CaseRow:
    case: Case
    # The person's name where the reader may see the person's record; otherwise only the reference.
    name: str


def caseload_cases(*, actor: Actor, whose: str) -> QuerySet[Case]:
    """The actor's own open cases (`whose="mine"`: those they work or manage) or their agency's
    (`"team"`), oldest first."""
    # Checked row by row: a worker's open cases are a few of the agency's many, which the database
    # then never lists in full.
    found = cases_for(actor=actor, per_row=True).filter(status=CaseStatus.OPEN)
    if whose == "mine":
        found = found.filter(Q(worker=actor.user) | Q(manager=actor.user))
    elif actor.agency is not None:
        found = found.filter(service__in=agency_service_ids(actor))
    # The person joined, the rest fetched apart: a page of a worker's cases shares one service and a few
    # staff, built once each rather than once a row, and each further join costs PostgreSQL more time
    # planning the query than running it.
    return (
        found.select_related("person")
        .prefetch_related("service", "referral", "worker", "manager")
        # A row names the person; his sealed details stay sealed, unread.
        .defer(*(f"person__{name}" for name in PERSON_DETAILS_UNSHOWN))
        .order_by("opened_at", "pk")
    )


def case_rows(*, actor: Actor, cases: list[Case]) -> list[CaseRow]:
    """The cases with the names the reader may see: one query for all of them."""
    people = Person.objects.filter(pk__in={c.person_id for c in cases})
    visible = set(visible_to(actor, people, Perm.PERSON_VIEW, per_row=True).values_list("pk", flat=True))
    return [CaseRow(c, c.person.display_name if c.person_id in visible else "") for c in cases]


def caseload(
    *, actor: Actor, whose: str, page: str | int | None = 1, count: int | None = None
) -> tuple[list[CaseRow], Page[Case]]:
    """A page of the actor's caseload (see `caseload_cases`), with the names the reader may see: the same
    few queries however many there are. `count`, the caseload's size where the caller already holds it
    (from `caseload_counts`), spares counting it again."""
    paginator = Paginator(caseload_cases(actor=actor, whose=whose), PAGE_SIZE)
    if count is not None:
        paginator.count = count
    shown = paginator.get_page(page)
    return case_rows(actor=actor, cases=list(shown.object_list)), shown


def caseload_counts(*, actor: Actor) -> dict[str, int]:
    """How many open cases the actor holds, and their agency."""
    if actor.agency is None:
        return {"mine": 0, "team": 0}
    team = cases_for(actor=actor, per_row=True).filter(
        status=CaseStatus.OPEN, service__in=agency_service_ids(actor)
    )
    return team.aggregate(
        mine=Count("pk", filter=Q(worker=actor.user) | Q(manager=actor.user)), team=Count("pk")
    )


def case_events(*, actor: Actor, case: Case) -> list[CaseEvent]:
    """The case's history, with that of the cases it was transferred from (at other services) before it."""
    chain = [case.pk]
    earlier = case.transferred_from_id
    while earlier is not None and earlier not in chain:
        chain.append(earlier)
        earlier = Case.objects.filter(pk=earlier).values_list("transferred_from_id", flat=True).first()
    events = CaseEvent.objects.filter(case_id__in=chain).select_related("by", "agency", "case__service")
    return list(visible_to(actor, events, Perm.CASE_VIEW).order_by("at", "pk"))


def case_staff(*, case: Case) -> tuple[list[User], list[User]]:
    """Who may be the case's worker (practitioners and managers) and its manager (managers), at the agencies
    running its service."""
    memberships = (
        Membership.objects.filter(
            agency__services=case.service,
            agency__is_active=True,
            is_active=True,
            user__is_active=True,
            user__api_client__isnull=True,
            role__in=CASE_WORKER_ROLES,
        )
        .select_related("user")
        .order_by("user__full_name", "user__username")
    )
    workers = list(dict.fromkeys(m.user for m in memberships))
    managers = list(dict.fromkeys(m.user for m in memberships if m.role == Role.MANAGER))
    return workers, managers


def caseload_name(*, actor: Actor, case: Case) -> str:
    """The person's name where the reader may see his record, else nothing (the case shows its reference)."""
    seen = visible_to(actor, Person.objects.filter(pk=case.person_id), Perm.PERSON_VIEW).exists()
    return case.person.display_name if seen else ""


def case_risk_latest(*, case: Case) -> str | None:
    """The risk level of the person's latest completed assessment ("standard", "medium", "high"), or None
    if none of his completed assessments gives one. A reassessment in the case makes it the latest."""
    results = (
        Assessment.objects.filter(person_id=case.person_id, status=AssessmentStatus.COMPLETED)
        .order_by("-assessed_on", "-completed_at")
        .values_list("results", flat=True)
    )
    for result in results[:20]:
        level = (result or {}).get("risk_level")
        if level:
            return str(level)
    return None


def case_partner_cases(*, case: Case) -> list[Case]:
    """The open cases of the person's partners and ex-partners at the services supporting them (the victim
    side): whose worker is 'the partner's support worker'. For the system's own use (alerts, the
    first-contact gate, who is told), never shown to the perpetrator side as such."""
    return list(
        Case.objects.filter(
            person__in=case.person.partners(), status=CaseStatus.OPEN, person__side=Side.VICTIM
        ).select_related("worker", "service", "person")
    )


def related_people(*, case: Case) -> set[uuid.UUID]:
    """The ids of everyone the case's person is related to, whichever of the two the relationship was
    recorded from."""
    related = Relationship.objects.filter(Q(person_id=case.person_id) | Q(other_id=case.person_id))
    return {p for pair in related.values_list("person_id", "other_id") for p in pair} - {case.person_id}


def case_linked_cases(*, case: Case) -> QuerySet[Case]:
    """The open cases, on the other side of the family, of the people the case's person is related to
    (his partners, ex-partners and children; her partner who uses abuse): the cases linked with this one.
    For the system's own rules (separate workers), never shown as such."""
    return Case.objects.filter(person_id__in=related_people(case=case), status=CaseStatus.OPEN).exclude(
        person__side=case.person.side
    )


def case_worker_clash(*, case: Case, worker: User) -> bool:
    """Whether the worker works a case linked with this one: the same member of staff ought not to support
    both parties (Home Office standards, 2023), so they may not hold both."""
    return case_linked_cases(case=case).filter(worker=worker).exists()


def case_panel_decision(*, case: Case) -> Decision | None:
    """The panel decision that referred the person to the case's service (a MARAC referring him to Drive),
    or None when the case did not come from a panel."""
    if case.referral_id is None:
        return None
    return (
        Decision.objects.filter(referral_id=case.referral_id)
        .select_related("item__meeting__panel")
        .order_by("-created_at")
        .first()
    )


def case_sealed_markers(*, case: Case) -> list[Marker]:
    """The sealed details kept out of text typed on a case: for a case about a person who uses abuse, his
    partners', ex-partners' and children's, and those of the victims on his police records. A case on the
    victim side is read only by the services supporting her, so her own details may be written there.
    Never shown, returned to a page or logged."""
    if case.person.side != Side.PERPETRATOR:
        return []
    return protected_markers_for_person(person=case.person, region_id=case.service.region_id)
