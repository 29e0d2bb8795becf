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
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.policy import Actor, Perm, allows
from pathways.core.smallnumbers import Cell, count_shown, outside_of, suppress
from pathways.directory.choices import (
    Format,
    Gender,
    ReferralRoute,
    RelationshipType,
    ServiceKind,
    ServiceStatus,
    Tier,
)
from pathways.directory.models import Area, Region, Service
from pathways.insights.ages import ages_label
from pathways.insights.choices import Group
from pathways.insights.models import Scenario
from pathways.insights.simulation import Assumptions, simulate_capacities
from pathways.referrals.choices import ReferralKind, Status
from pathways.referrals.models import Referral
from pathways.referrals.services import triage_cases, triage_rules_current, triage_service_facts
from pathways.referrals.triage import Case, ServiceFacts, triage
from pathways.referrals.triagefile import TriageRules

DRAFT = "draft-service"
NOT_KNOWN = "not_known"


class ScenarioError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# The youngest a draft takes unless the commissioner says otherwise, and the age every draft saved
# before the age could be chosen took.
ADULTS_FROM = 18


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
    # Only families with children, where True; and the ages it takes, the oldest open where None.
    children_required: bool | None = None
    age_min: int = ADULTS_FROM
    age_max: int | None = None

    def facts(self) -> ServiceFacts:
        return ServiceFacts(
            slug=DRAFT,
            tier=self.tier,
            kind=ServiceKind.PERPETRATOR_INTERVENTION,
            status=ServiceStatus.ACTIVE,
            areas=frozenset(self.areas),
            genders=tuple(self.genders) if self.genders is not None else None,
            relationship_types=None,
            age_min=self.age_min,
            age_max=self.age_max,
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
    # The groups services leave out that each is in: none, one or several.
    by_group: Counter[str] = field(default_factory=Counter)
    # Where those it would have taken went instead: a service's slug, or what became of them.
    drawn_from: Counter[str] = field(default_factory=Counter)


def _instead(
    *, status: str, service: str | None, placed_below_need: bool, declined: bool, had_fits: bool
) -> str:
    if status == Status.UNMET_NEED or not had_fits:
        return "unmet_need"
    if service is not None:
        return f"below_need:{service}" if placed_below_need else service
    if declined:
        return "declined"
    return "not_taken_up"


@dataclass(frozen=True)
class _Weighed:
    taken: bool
    # Whether any of the region's services fits without the draft.
    had_fits: bool
    tier_needed: str


def _weigh(
    *, case: Case, services: Mapping[str, ServiceFacts], draft: ServiceFacts, rules: TriageRules
) -> _Weighed:
    """Whether the draft comes first among the services that fit the case.

    Triage weighs and ranks each service on its own, so the draft comes first among all of them exactly
    when it comes first beside the best of the others: the case is triaged against the region once and
    against the draft beside that one, rather than twice against the whole region."""
    before = triage(case, services.values(), rules)
    best = [services[before.fits[0].service]] if before.fits else []
    ranked = triage(case, [*best, draft], rules)
    taken = bool(ranked.fits) and ranked.fits[0].service == DRAFT
    return _Weighed(taken=taken, had_fits=bool(before.fits), tier_needed=ranked.tier_needed)


# Who is in each of the groups the review says services leave out (section 4.7), from what triage knows
# of a referral: the same groups the gap map and the outcomes count. Triage does not ask about
# disability, so no one is counted in that group here.
CASE_GROUPS: dict[str, Callable[[Case], bool]] = {
    Group.WOMEN: lambda c: c.gender == Gender.FEMALE,
    Group.LGBTQ: lambda c: c.relationship_type == RelationshipType.SAME_SEX or c.gender == Gender.NON_BINARY,
    Group.LIMITED_ENGLISH: lambda c: c.interpreter_needed,
    Group.SHIFT_WORKERS: lambda c: c.shift_worker,
    Group.NO_CHILDREN: lambda c: not c.has_children,
}


def case_groups(*, case: Case) -> list[str]:
    return [str(group) for group, test in CASE_GROUPS.items() if test(case)]


def scenario_retriage(
    *, region: Region, draft: Draft, starts: datetime.date, ends: datetime.date
) -> Retriage:
    """The region's perpetrator referrals received in the period, triaged again with the draft added.

    The same few queries however long the period (triage_cases), then triage in Python."""
    _ruleset, rules = triage_rules_current(region=region)
    services = {s.slug: s for s in triage_service_facts(region=region) if s.slug != DRAFT}
    drafted = draft.facts()
    start = timezone.make_aware(datetime.datetime.combine(starts, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(ends + datetime.timedelta(days=1), datetime.time.min))
    referrals = (
        Referral.objects.filter(kind=ReferralKind.PERPETRATOR, created_at__gte=start, created_at__lt=end)
        .filter(person__area__region=region)
        .order_by("created_at", "pk")
    )
    found = Retriage()
    # Triage is pure: a case met before (the same circumstances, from another referral) is weighed once.
    weighed: dict[Case, _Weighed] = {}
    also = ("status", "service__slug", "placed_below_need")
    for case, (status, service, placed_below_need) in triage_cases(referrals=referrals, also=also):
        found.considered += 1
        if case not in weighed:
            weighed[case] = _weigh(case=case, services=services, draft=drafted, rules=rules)
        result = weighed[case]
        if not result.taken:
            continue
        found.taken += 1
        found.by_area[case.area or NOT_KNOWN] += 1
        found.by_route[case.route] += 1
        found.by_tier[result.tier_needed] += 1
        found.by_group.update(case_groups(case=case))
        found.drawn_from[
            _instead(
                status=status,
                service=service,
                placed_below_need=placed_below_need,
                declined=bool(case.declined),
                had_fits=result.had_fits,
            )
        ] += 1
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
        "by_group": dict(found.by_group.most_common()),
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


def scenario_region(*, actor: Actor) -> Region | None:
    """The region whose past referrals the actor's scenarios are tried against."""
    if actor.agency is None:
        return None
    return Region.objects.filter(areas__agencies=actor.agency).first()


# --- Reading a scenario ----------------------------------------------------------------------------------

BREAKDOWNS = ("by_area", "by_route", "by_tier", "by_group", "drawn_from")
# The breakdowns whose parts overlap, so do not add up to those taken.
OVERLAPPING = ("by_group",)


@dataclass(frozen=True)
class Labelled:
    value: str
    label: str


@dataclass(frozen=True)
class DraftLabels:
    tier: Labelled
    areas: list[Labelled]
    # None: the draft takes everyone.
    genders: list[Labelled] | None
    routes: list[Labelled]
    formats: list[Labelled]
    # Who else it is for, in words: the ages it takes and whether only families with children.
    ages: str
    families: str


def _choice_labels(choices: list[tuple[str, Any]]) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _labelled(values: list[str], labels: Mapping[str, str]) -> list[Labelled]:
    # A value nothing names any more (an area since taken out of the region file) is shown as saved
    # rather than dropped, so that the draft still reads as it was run.
    return [Labelled(v, labels.get(v, v)) for v in values]


def draft_labels(*, draft: Draft | Mapping[str, Any]) -> DraftLabels:
    """A draft's inputs, each with its label in the reader's language, from the sources the scenario form
    offers them from: the region's areas by name, and the directory's tiers, genders, referral routes and
    formats."""
    saved = asdict(draft) if isinstance(draft, Draft) else draft
    areas = {a.slug: a.name for a in Area.objects.filter(slug__in=saved["areas"])}
    tier = saved["tier"]
    genders = saved.get("genders")
    return DraftLabels(
        tier=Labelled(tier, _choice_labels(Tier.choices).get(tier, tier)),
        areas=_labelled(saved["areas"], areas),
        genders=_labelled(genders, _choice_labels(Gender.choices)) if genders else None,
        routes=_labelled(saved["routes"], _choice_labels(ReferralRoute.choices)),
        formats=_labelled(saved["formats"], _choice_labels(Format.choices)),
        ages=ages_label(youngest=saved.get("age_min", ADULTS_FROM), oldest=saved.get("age_max")),
        families=str(
            _("Only families with children")
            if saved.get("children_required")
            else _("Families with children and without")
        ),
    )


def breakdown_labels(*, key: str, region: Region) -> dict[str, str]:
    """What each value a breakdown of the results is counted by reads as, in the reader's language."""
    if key == "by_area":
        return {NOT_KNOWN: _("Not known"), **{a.slug: a.name for a in region.areas.all()}}
    if key == "by_route":
        return _choice_labels(ReferralRoute.choices)
    if key == "by_tier":
        return _choice_labels(Tier.choices)
    if key == "by_group":
        return _choice_labels(Group.choices)
    found = {
        "unmet_need": _("Nowhere: no service fitted (unmet need)"),
        "declined": _("Nowhere: declined and not placed again"),
        "not_taken_up": _("Nowhere: not taken up"),
    }
    for service in Service.objects.all():
        found[service.slug] = service.name
        found[f"below_need:{service.slug}"] = _("%(service)s, below the tier needed") % {
            "service": service.name
        }
    return found


@dataclass(frozen=True)
class BreakdownRow:
    value: str
    label: str
    cell: Cell


@dataclass(frozen=True)
class ScenarioFigures:
    taken: Cell
    considered: int | str
    # Computed from those taken, so withheld with them.
    arrivals_per_week: Cell
    breakdowns: dict[str, list[BreakdownRow]]


def figure(cell: Cell) -> object:
    """A figure as it leaves the system: the value, or its mark where the small-number rule withholds it."""
    return cell.exported if cell.suppressed else cell.value


def scenario_figures(*, scenario: Scenario) -> ScenarioFigures:
    """A scenario's counts under the small-number rule, whoever reads them (the page and the API alike):
    each breakdown adds up to those taken, so a withheld part is not left to be worked out from the rest,
    and the arrivals a week, computed from those taken, are withheld with them. The groups overlap: each
    is withheld where those taken less the group would be small, counted as a cell no one is shown.
    A scenario saved before a breakdown was kept reads it as empty."""
    results = scenario.results
    taken = Cell("taken", "", "", results["taken"])
    rate = Cell(
        "arrivals_per_week",
        "",
        "",
        results["assumptions"]["arrivals_per_week"],
        is_rate=True,
        unit="",
        depends_on=("taken",),
    )
    cells: dict[str, Cell] = {"taken": taken, "arrivals_per_week": rate}
    groups: list[tuple[str, list[str]]] = []
    for key in BREAKDOWNS:
        parts = []
        for value, n in results.get(key, {}).items():
            cell = Cell(f"{key}|{value}", "", "", n)
            cells[cell.key] = cell
            parts.append(cell.key)
            if key in OVERLAPPING:
                groups.append(outside_of(cells, whole=taken, part=cell))
        if key not in OVERLAPPING:
            groups.append(("taken", parts))
    suppress(cells, groups)
    breakdowns = {}
    for key in BREAKDOWNS:
        labels = breakdown_labels(key=key, region=scenario.region)
        breakdowns[key] = [
            BreakdownRow(value, labels.get(value, value), cells[f"{key}|{value}"])
            for value in results.get(key, {})
        ]
    return ScenarioFigures(
        taken=taken,
        considered=count_shown(results["considered"]),
        arrivals_per_week=rate,
        breakdowns=breakdowns,
    )
