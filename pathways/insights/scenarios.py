"""What a new service would absorb: a commissioner's draft service, re-triaged against the region's own
past referrals and then simulated as a queue.

The draft never touches the live region: it is added, as facts, to the services triage weighs for each
perpetrator referral received in the period chosen (those placed, placed below need, found no service,
declined or never taken up alike), with the region's triage rules in force. A referral the draft would
have taken is one where it comes first among the services that fit. Each is counted by where the
person lives, how they were referred and the tier they needed, and by where they went instead: another
service (drawn from it), or nowhere (unmet need, a decline, not taken up). The draft's arrivals a week
then drive the simulation (`pathways.insights.simulation`) at each capacity asked for.

A scenario is saved with its inputs, the triage rules' version and its results, so that it reads the
same later whatever has changed since.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.policy import Actor, Perm, allows
from pathways.directory.choices import ServiceKind, ServiceStatus
from pathways.directory.models import Region
from pathways.insights.models import Scenario
from pathways.insights.simulation import Assumptions, simulate_capacities
from pathways.referrals.choices import ReferralKind, Status
from pathways.referrals.models import Referral
from pathways.referrals.services import triage_case, triage_rules_current, triage_service_facts
from pathways.referrals.triage import ServiceFacts, triage

DRAFT = "draft-service"
NOT_KNOWN = "not_known"


class ScenarioError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Draft:
    """A service that does not exist yet, as a commissioner drafts it."""

    name: str
    tier: str
    areas: list[str]
    # Who it is for: None takes everyone.
    genders: list[str] | None
    routes: list[str]
    formats: list[str]
    programme_weeks: float
    patience_weeks: float
    drop_out_during: float
    capacities: list[int]
    children_required: bool | None = None

    def facts(self) -> ServiceFacts:
        return ServiceFacts(
            slug=DRAFT,
            tier=self.tier,
            kind=ServiceKind.PERPETRATOR_INTERVENTION,
            status=ServiceStatus.ACTIVE,
            areas=frozenset(self.areas),
            genders=tuple(self.genders) if self.genders is not None else None,
            relationship_types=None,
            age_min=18,
            age_max=None,
            children_required=self.children_required,
            languages=None,
            formats=tuple(self.formats),
            outside_working_hours=None,
            referral_routes=tuple(self.routes),
            partner_details_required=None,
            partner_support_service=None,
            capacity=max(self.capacities),
            places_held=0,
            waiting_weeks=None,
        )


@dataclass
class Retriage:
    considered: int = 0
    taken: int = 0
    by_area: Counter[str] = field(default_factory=Counter)
    by_route: Counter[str] = field(default_factory=Counter)
    by_tier: Counter[str] = field(default_factory=Counter)
    # Where those it would have taken went instead: a service's slug, or what became of them.
    drawn_from: Counter[str] = field(default_factory=Counter)


def _instead(referral: Referral, had_fits: bool) -> str:
    if referral.status == Status.UNMET_NEED or not had_fits:
        return "unmet_need"
    if referral.service is not None:
        slug = referral.service.slug
        return f"below_need:{slug}" if referral.placed_below_need else slug
    if referral.declined_by:
        return "declined"
    return "not_taken_up"


def scenario_retriage(
    *, region: Region, draft: Draft, starts: datetime.date, ends: datetime.date
) -> Retriage:
    """The region's perpetrator referrals received in the period, triaged again with the draft added."""
    _ruleset, rules = triage_rules_current(region=region)
    services = [s for s in triage_service_facts(region=region) if s.slug != DRAFT]
    with_draft = [*services, draft.facts()]
    start = timezone.make_aware(datetime.datetime.combine(starts, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(ends + datetime.timedelta(days=1), datetime.time.min))
    referrals = (
        Referral.objects.filter(kind=ReferralKind.PERPETRATOR, created_at__gte=start, created_at__lt=end)
        .filter(person__area__region=region)
        .select_related("person__area", "partner", "service")
        .order_by("created_at", "pk")
    )
    found = Retriage()
    for referral in referrals:
        case = triage_case(referral=referral)
        found.considered += 1
        result = triage(case, with_draft, rules)
        if not result.fits or result.fits[0].service != DRAFT:
            continue
        before = triage(case, services, rules)
        found.taken += 1
        found.by_area[case.area or NOT_KNOWN] += 1
        found.by_route[referral.route] += 1
        found.by_tier[result.tier_needed] += 1
        found.drawn_from[_instead(referral, bool(before.fits))] += 1
    return found


def scenario_run(
    *, actor: Actor, region: Region, draft: Draft, starts: datetime.date, ends: datetime.date
) -> Scenario:
    """Re-triage, simulate and save the scenario, with its inputs and the rules' version."""
    if not allows(actor, Perm.OUTCOMES_ALL):
        raise ScenarioError(_("Only commissioners draft services as scenarios."))
    if ends < starts:
        raise ScenarioError(_("The last day must be the same as or after the first day"), "ends")
    ruleset, _rules = triage_rules_current(region=region)
    found = scenario_retriage(region=region, draft=draft, starts=starts, ends=ends)
    weeks = max(1.0, ((ends - starts).days + 1) / 7)
    assumptions = Assumptions(
        arrivals_per_week=round(found.taken / weeks, 3),
        programme_weeks=draft.programme_weeks,
        patience_weeks=draft.patience_weeks,
        drop_out_during=draft.drop_out_during,
    )
    simulated = simulate_capacities(assumptions=assumptions, capacities=draft.capacities)
    results: dict[str, Any] = {
        "considered": found.considered,
        "taken": found.taken,
        "weeks": round(weeks, 1),
        "by_area": dict(found.by_area.most_common()),
        "by_route": dict(found.by_route.most_common()),
        "by_tier": dict(found.by_tier.most_common()),
        "drawn_from": dict(found.drawn_from.most_common()),
        "assumptions": asdict(assumptions),
        "simulation": [r.as_dict() for r in simulated],
    }
    with transaction.atomic():
        scenario = Scenario.objects.create(
            name=draft.name,
            region=region,
            created_by=actor.user,
            draft=asdict(draft),
            starts_on=starts,
            ends_on=ends,
            triage_rules=ruleset,
            results=results,
        )
        audit.entry_record(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="scenario",
            record_id=scenario.pk,
            details={"name": draft.name, "taken": found.taken, "considered": found.considered},
        )
    return scenario


def scenarios_for(*, actor: Actor) -> Any:
    if not allows(actor, Perm.OUTCOMES_ALL) or actor.agency is None:
        return Scenario.objects.none()
    return (
        Scenario.objects.filter(region__areas__agencies=actor.agency).distinct().select_related("created_by")
    )
