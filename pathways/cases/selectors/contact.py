"""Reads of contact with care: the gate and its history, whether the partner has a support worker, the
person's consent, the contact log and the region's first-contact target, each through the access policy."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from pathways.cases.choices import CaseStatus, FirstContactState, PartnerViewKind
from pathways.cases.models import Case, ConsentRecord, Contact, ContactDecision, PartnerView, SafeContact
from pathways.cases.selectors.case import case_partner_cases, cases_for
from pathways.cases.selectors.rules import CaseworkNotLoaded, casework_rules_for
from pathways.core.policy import Actor, Perm, visible_to
from pathways.directory.models import Service


@dataclass(frozen=True)
class PartnerSupport:
    """What the person's side may know of a partner's own case at her support service (the access
    policy's crossing "partner_case"): that she is supported, and the service's name. Nothing else."""

    supported: bool
    service: str


def case_partner_support(*, case: Case) -> PartnerSupport:
    """Whether a partner of the person has a support worker (an open case at a victim service), and the
    name of that service."""
    names = sorted({c.service.name for c in case_partner_cases(case=case)})
    return PartnerSupport(supported=bool(names), service=", ".join(names))


def partner_view_services(*, case: Case) -> list[Service]:
    """The support services whose view may be recorded: the directory's partner support service for the
    case's service (Drive's IDVA), and the services of any partner's open support case."""
    found = {c.service.pk: c.service for c in case_partner_cases(case=case)}
    support = case.service.partner_support_service
    if support is not None:
        found.setdefault(support.pk, support)
    return sorted(found.values(), key=lambda s: s.name)


def _on_case(actor: Actor, queryset: QuerySet[Any], case: Case) -> QuerySet[Any]:
    return visible_to(actor, queryset.filter(case=case), Perm.CASE_VIEW)


def partner_views(*, actor: Actor, case: Case) -> list[PartnerView]:
    return list(_on_case(actor, PartnerView.objects.select_related("service", "recorded_by"), case))


def partner_view_latest(*, case: Case) -> PartnerView | None:
    """The latest partner's support worker's view recorded since the case opened (for the gate's rule)."""
    return PartnerView.objects.filter(case=case, at__gte=case.opened_at).order_by("-at", "-pk").first()


def safe_contacts(*, actor: Actor, case: Case) -> list[SafeContact]:
    """Her safe-contact arrangements, the one in force first. Read only on her case (the victim side)."""
    return list(_on_case(actor, SafeContact.objects.select_related("recorded_by"), case))


def safe_contact_latest(*, case: Case) -> SafeContact | None:
    """The arrangements in force (for the contact log's check)."""
    return SafeContact.objects.filter(case=case).order_by("-at", "-pk").first()


def contact_decisions(*, actor: Actor, case: Case) -> list[ContactDecision]:
    return list(
        _on_case(actor, ContactDecision.objects.select_related("decided_by", "partner_view__service"), case)
    )


def consent_records(*, actor: Actor, case: Case) -> list[ConsentRecord]:
    return list(_on_case(actor, ConsentRecord.objects.select_related("decided_by"), case))


def contacts(*, actor: Actor, case: Case) -> list[Contact]:
    """The case's contact log, newest first."""
    return list(_on_case(actor, Contact.objects.select_related("by"), case))


def partner_view_blocks_contact(view: PartnerView | None) -> bool:
    return view is not None and view.view == PartnerViewKind.INCREASE


# --- The first-contact target ------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstContactMeasure:
    """A case against the region's first-contact target: when it is due, and how it stands."""

    target_days: int
    due_on: datetime.date
    state: str  # FirstContactState
    reached_on: datetime.date | None
    # Days from the case opening to its first contact; while no one has reached him, the days so far.
    days: int
    # Days after the due date: of a late first contact, or of one still not made.
    days_over: int

    @property
    def state_label(self) -> str:
        return str(FirstContactState(self.state).label)


def _measure(
    *,
    target_days: int,
    opened_at: datetime.datetime,
    reached_at: datetime.datetime | None,
    closed: bool,
    today: datetime.date,
) -> FirstContactMeasure:
    opened_on = timezone.localdate(opened_at)
    due_on = opened_on + datetime.timedelta(days=target_days)
    if reached_at is not None:
        reached_on = timezone.localdate(reached_at)
        days = (reached_on - opened_on).days
        state = FirstContactState.MET if reached_on <= due_on else FirstContactState.LATE
        return FirstContactMeasure(
            target_days, due_on, state, reached_on, days, max(0, (reached_on - due_on).days)
        )
    days = max(0, (today - opened_on).days)
    if closed:
        state = FirstContactState.MISSED
    else:
        state = FirstContactState.OVERDUE if today > due_on else FirstContactState.DUE
    return FirstContactMeasure(target_days, due_on, state, None, days, max(0, (today - due_on).days))


class _TargetDays:
    """The first-contact target of each region, read once per region however many cases are measured."""

    def __init__(self) -> None:
        self.known: dict[Any, int | None] = {}

    def __call__(self, region_id: Any) -> int | None:
        if region_id not in self.known:
            try:
                self.known[region_id] = casework_rules_for(region_id=region_id).file.first_contact.target_days
            except CaseworkNotLoaded:
                self.known[region_id] = None
        return self.known[region_id]


def case_first_contact_measure(
    *, case: Case, today: datetime.date | None = None
) -> FirstContactMeasure | None:
    """The case against its region's first-contact target; None where the region has no casework file."""
    return first_contact_measures(cases=[case], today=today).get(case.pk)


def first_contact_measures(
    *, cases: Iterable[Case], today: datetime.date | None = None, target: _TargetDays | None = None
) -> dict[Any, FirstContactMeasure]:
    """Each case (with its service) against its region's target: one query per region, not per case."""
    today = today or timezone.localdate()
    target = target or _TargetDays()
    found: dict[Any, FirstContactMeasure] = {}
    for case in cases:
        days = target(case.service.region_id)
        if days is not None:
            found[case.pk] = _measure(
                target_days=days,
                opened_at=case.opened_at,
                reached_at=case.first_contact_at,
                closed=case.status != CaseStatus.OPEN,
                today=today,
            )
    return found


@dataclass(frozen=True)
class FirstContactFigures:
    """A caseload against the target. `not_reached` are the cases no one has reached yet (open or
    closed); `overdue` are those of them still open past their due date."""

    opened: int
    in_time: int
    late: int
    not_reached: int
    overdue: int


def first_contact_figures(
    *,
    actor: Actor,
    service: Service | None = None,
    today: datetime.date | None = None,
    cases: QuerySet[Case] | None = None,
    target: _TargetDays | None = None,
) -> FirstContactFigures:
    """The cases the actor may see (at one service, if given; or those of `cases`, a caseload) against the
    first-contact target, in a few queries however many there are."""
    today = today or timezone.localdate()
    found = cases_for(actor=actor) if cases is None else cases.select_related(None).prefetch_related(None)
    if service is not None:
        found = found.filter(service=service)
    target = target or _TargetDays()
    counts = dict.fromkeys(("opened", "in_time", "late", "not_reached", "overdue"), 0)
    rows = found.values_list("opened_at", "first_contact_at", "status", "service__region_id")
    # A caseload's rows are few enough to read at once; a service's, or everything the actor may see,
    # are streamed.
    for opened_at, reached_at, status, region_id in rows if cases is not None else rows.iterator():
        counts["opened"] += 1
        days = target(region_id)
        if reached_at is None:
            counts["not_reached"] += 1
        if days is None:
            continue
        state = _measure(
            target_days=days,
            opened_at=opened_at,
            reached_at=reached_at,
            closed=status != CaseStatus.OPEN,
            today=today,
        ).state
        if state == FirstContactState.MET:
            counts["in_time"] += 1
        elif state == FirstContactState.LATE:
            counts["late"] += 1
        elif state == FirstContactState.OVERDUE:
            counts["overdue"] += 1
    return FirstContactFigures(**counts)


def caseload_first_contact(*, actor: Actor, cases: list[Case], caseload: QuerySet[Case]) -> dict[str, Any]:
    """What the caseload shows of first contact: each row's measure, by case, and the figures of the
    whole caseload (every page of it)."""
    today = timezone.localdate()
    target = _TargetDays()
    return {
        "first_contact": first_contact_measures(cases=cases, today=today, target=target),
        "first_contact_figures": first_contact_figures(
            actor=actor, today=today, cases=caseload, target=target
        ),
    }
