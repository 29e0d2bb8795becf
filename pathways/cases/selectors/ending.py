"""Reads of a case's ending: whether it may close now and what each way of ending needs, what other
agencies have said and taken on, and after the end, the outcome, who was told and the attempts to bring
the person back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from pathways.accounts.models import Agency
from pathways.assessments.models import Assessment, AssessmentStatus
from pathways.cases.choices import TaskKind
from pathways.cases.models import (
    AgencyInput,
    Case,
    CaseEnding,
    CaseOutcome,
    CaseTask,
    ManagementAcceptance,
    OutcomePoliceCount,
    ReEngagementAttempt,
)
from pathways.cases.rulesfile import Ending
from pathways.cases.selectors.case import case_risk_latest, case_sealed_markers
from pathways.cases.selectors.rules import Rules, name_shown
from pathways.core.access import AgencyType, Role
from pathways.core.dates import months_after
from pathways.core.policy import Actor, Perm, visible_to
from pathways.people.sealed import sealed_details_withhold, withheld_message
from pathways.referrals.choices import RiskLevel

# The state of an ending after which attempts to bring the person back are logged.
DROPPED_OUT = "dropped_out"


def risk_shown(level: str | None) -> str:
    """A risk level as the reader reads it ("High"), or "" for none."""
    if not level:
        return ""
    return str(RiskLevel(level).label) if level in RiskLevel.values else level


def ending_other_agencies(*, case: Case) -> QuerySet[Agency]:
    """The agencies other than the service's that may take on the case or give their view of ending it:
    active agencies covering the service's areas that do not run it (commissioners see no one)."""
    return (
        Agency.objects.filter(is_active=True, areas__services=case.service)
        .exclude(services=case.service)
        .exclude(type=AgencyType.COMMISSIONER)
        .distinct()
        .order_by("name_en")
    )


def is_service_manager(*, actor: Actor, case: Case) -> bool:
    return bool(
        actor.agency is not None
        and actor.role == Role.MANAGER
        and case.service.agencies.filter(pk=actor.agency.pk).exists()
    )


@dataclass(frozen=True)
class Closure:
    """Whether the case may close now, and why not: the latest risk, whether it is one at which the
    region keeps a case open, whether another agency has taken on its management, and whether other
    agencies' input has been recorded since the case opened."""

    risk: str | None
    high: bool
    accepted: bool
    input_recorded: bool

    @property
    def blocked_by_risk(self) -> bool:
        return self.high and not self.accepted

    def allows(self, ending: Ending) -> bool:
        return not self.blocked_by_risk and (self.input_recorded or not ending.other_agencies_input)


def case_closure(*, case: Case, rules: Rules) -> Closure:
    risk = case_risk_latest(case=case)
    return Closure(
        risk=risk,
        high=risk is not None and risk in rules.file.closure.high_risk,
        accepted=ManagementAcceptance.objects.filter(case=case).exists(),
        input_recorded=AgencyInput.objects.filter(case=case, at__gte=case.opened_at).exists(),
    )


@dataclass(frozen=True)
class EndingShown:
    state: str
    name: str
    other_agencies_input: bool
    manager_decision: bool
    ends_disrupt: bool
    possible_now: bool


@dataclass(frozen=True)
class Told:
    task: CaseTask
    # "police", "panel_chair" or "partner_service" (casework.yaml `closure.tell`).
    who: str


@dataclass(frozen=True)
class PoliceCountShown:
    months: int
    before: int
    after: int | None
    # The day the period after the end has passed, when the count after it is made.
    counted_from: Any


@dataclass
class EndingPage:
    closure: Closure
    endings: list[EndingShown]
    # Each with its typed text as shown: withheld if it holds a sealed detail (checked again when shown).
    acceptances: list[tuple[ManagementAcceptance, str, str]]
    inputs: list[tuple[AgencyInput, str]]
    ending: CaseEnding | None = None
    ending_name: str = ""
    reason: str = ""
    outcome: CaseOutcome | None = None
    police: list[PoliceCountShown] = field(default_factory=list)
    told: list[Told] = field(default_factory=list)
    attempts: list[ReEngagementAttempt] = field(default_factory=list)

    @property
    def dropped_out(self) -> bool:
        return self.ending is not None and self.ending.state == DROPPED_OUT


def ending_name(*, rules: Rules, state: str) -> str:
    ending = rules.ending(state)
    return name_shown(ending.name) if ending is not None else state


def ending_page(*, actor: Actor, case: Case, rules: Rules) -> EndingPage:
    """Everything the ending page shows, in a fixed number of queries."""
    closure = case_closure(case=case, rules=rules)
    endings = [
        EndingShown(
            e.state, name_shown(e.name), e.other_agencies_input, e.manager_decision, e.ends_disrupt,
            closure.allows(e),
        )
        for e in rules.file.endings
    ]  # fmt: skip
    acceptances = list(
        visible_to(actor, ManagementAcceptance.objects.filter(case=case), Perm.CASE_VIEW).select_related(
            "agency", "recorded_by"
        )
    )
    inputs = list(
        visible_to(actor, AgencyInput.objects.filter(case=case), Perm.CASE_VIEW).select_related(
            "agency", "recorded_by"
        )
    )
    ending = (
        visible_to(actor, CaseEnding.objects.filter(case=case), Perm.CASE_VIEW)
        .select_related("decided_by", "manager_decision_by")
        .first()
    )
    typed = [a.note for a in acceptances] + [a.accepted_by for a in acceptances]
    typed += [i.summary for i in inputs] + ([ending.reason] if ending else [])
    markers = case_sealed_markers(case=case) if any(typed) else []

    def shown(text: str) -> str:
        kept = sealed_details_withhold(text, markers)
        return withheld_message() if kept is None else kept

    page = EndingPage(
        closure,
        endings,
        [(a, shown(a.note), shown(a.accepted_by)) for a in acceptances],
        [(i, shown(i.summary)) for i in inputs],
    )
    if ending is None:
        return page
    page.ending = ending
    page.reason = shown(ending.reason)
    page.ending_name = ending_name(rules=rules, state=ending.state)
    page.outcome = visible_to(actor, CaseOutcome.objects.filter(case=case), Perm.CASE_VIEW).first()
    if page.outcome is not None:
        counts = visible_to(
            actor, OutcomePoliceCount.objects.filter(outcome=page.outcome), Perm.CASE_VIEW
        ).order_by("months")
        page.police = [
            PoliceCountShown(c.months, c.before, c.after, months_after(page.outcome.ended_on, c.months))
            for c in counts
        ]
    told = visible_to(
        actor, CaseTask.objects.filter(case=case, kind=TaskKind.CASE_ENDED), Perm.CASE_VIEW
    ).select_related("agency")
    page.told = [Told(t, str(t.detail.get("told", ""))) for t in told.order_by("created_at", "pk")]
    page.attempts = list(
        visible_to(actor, ReEngagementAttempt.objects.filter(case=case), Perm.CASE_VIEW).select_related(
            "recorded_by"
        )
    )
    return page


def completed_risk_on_or_before(*, case: Case) -> str | None:
    """The risk level of the person's latest completed assessment dated on or before the case opened."""
    opened = timezone.localdate(case.opened_at)
    results = (
        Assessment.objects.filter(
            person_id=case.person_id, status=AssessmentStatus.COMPLETED, assessed_on__lte=opened
        )
        .order_by("-assessed_on", "-completed_at")
        .values_list("results", flat=True)
    )
    for result in results[:20]:
        level = (result or {}).get("risk_level")
        if level:
            return str(level)
    return None
