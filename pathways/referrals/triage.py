"""Triage: for one referral, every service that could take the person, ranked with reasons, and every
service ruled out with every reason it cannot take them.

Pure functions over plain data, so that a region of hundreds of services triages in well under a
millisecond per service, and so that the same facts give the same answer every time. Reasons are kept as
codes with parameters and turned into words when shown, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from pathways.directory.choices import ServiceKind, ServiceStatus
from pathways.referrals.triagefile import TriageRules

PERSON_TO_SERVICE_GENDER = {"man": "male", "woman": "female", "non_binary": "non_binary"}


@dataclass(frozen=True)
class ServiceFacts:
    slug: str
    tier: str
    kind: str
    status: str
    areas: frozenset[str]
    genders: tuple[str, ...] | None
    relationship_types: tuple[str, ...] | None
    age_min: int | None
    age_max: int | None
    children_required: bool | None
    languages: tuple[str, ...] | None
    formats: tuple[str, ...] | None
    outside_working_hours: bool | None
    referral_routes: tuple[str, ...]
    partner_details_required: bool | None
    partner_support_service: str | None
    capacity: int | None
    places_held: int
    waiting_weeks: float | None


@dataclass(frozen=True)
class Case:
    """What triage needs to know about a referral; `None` means not known."""

    area: str | None
    gender: str | None
    relationship_type: str | None
    age: int | None
    route: str
    been_to_marac: bool
    risk_level: str
    has_partner_details: bool
    has_children: bool
    interpreter_needed: bool
    welsh: bool
    shift_worker: bool
    # The questions about behaviour and history answered "yes" (triagefile.CASE_FACTS).
    facts: frozenset[str] = frozenset()
    # Services that have declined this referral once already.
    declined: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reason:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Option:
    service: str
    tier: str
    score: float
    reasons: list[Reason]
    cautions: list[Reason]


@dataclass
class RuledOut:
    service: str
    tier: str
    reasons: list[Reason]


@dataclass
class TriageResult:
    fits: list[Option]
    ruled_out: list[RuledOut]
    tier_needed: str
    not_considered: int

    def snapshot(self) -> dict[str, Any]:
        return {
            "fits": [asdict(o) for o in self.fits],
            "ruled_out": [asdict(r) for r in self.ruled_out],
            "tier_needed": self.tier_needed,
            "not_considered": self.not_considered,
        }


@dataclass(frozen=True)
class Needs:
    """What the case's risk and answers make of the tiers: those that suit it, best first, and what each
    answered question rules out or cautions about."""

    suitable: tuple[str, ...]
    ruled_out_by: Mapping[str, tuple[str, ...]]
    cautioned_by: Mapping[str, tuple[str, ...]]
    considered: frozenset[str]

    @classmethod
    def of(cls, case: Case, rules: TriageRules) -> Needs:
        first: list[str] = []
        ruled_out_by: dict[str, list[str]] = {}
        cautioned_by: dict[str, list[str]] = {}
        for name, fact in rules.case_facts.items():
            if name not in case.facts:
                continue
            first += [t.value for t in fact.needs_first if t.value not in first]
            for tier in fact.rules_out:
                ruled_out_by.setdefault(tier.value, []).append(name)
            for tier in fact.cautions:
                cautioned_by.setdefault(tier.value, []).append(name)
        by_risk = [t.value for t in rules.risk_tiers[case.risk_level]]  # type: ignore[index]
        suitable = tuple(dict.fromkeys(t for t in [*first, *by_risk] if t not in ruled_out_by))
        return cls(
            suitable=suitable,
            ruled_out_by={t: tuple(n) for t, n in ruled_out_by.items()},
            cautioned_by={t: tuple(n) for t, n in cautioned_by.items()},
            considered=frozenset({t.value for t in rules.tiers_considered} | set(first)),
        )

    @property
    def tier_needed(self) -> str | None:
        return self.suitable[0] if self.suitable else None


def _ruled_out(service: ServiceFacts, case: Case, rules: TriageRules, needs: Needs) -> list[Reason]:
    """Every reason the service cannot take this case; empty when it can."""
    reasons = []
    if service.slug in case.declined:
        reasons.append(Reason("declined"))
    if service.status not in (ServiceStatus.ACTIVE, ServiceStatus.PILOT):
        reasons.append(Reason("not_running", {"status": service.status}))
    if case.area is not None and case.area not in service.areas:
        reasons.append(Reason("wrong_area", {"area": case.area}))
    if service.genders is not None and case.gender is not None and case.gender not in service.genders:
        reasons.append(Reason("gender", {"gender": case.gender}))
    if (
        service.relationship_types is not None
        and case.relationship_type is not None
        and case.relationship_type not in service.relationship_types
    ):
        reasons.append(Reason("relationship", {"relationship": case.relationship_type}))
    if case.age is not None and (
        (service.age_min is not None and case.age < service.age_min)
        or (service.age_max is not None and case.age > service.age_max)
    ):
        reasons.append(Reason("age", {"min": service.age_min, "max": service.age_max}))
    if service.referral_routes and not _route_accepted(service, case):
        if tuple(service.referral_routes) == ("marac",):
            reasons.append(Reason("marac_only"))
        else:
            reasons.append(Reason("route", {"route": case.route}))
    if service.children_required and not case.has_children:
        reasons.append(Reason("needs_children"))
    if service.partner_details_required and not case.has_partner_details:
        reasons.append(Reason("needs_partner_details"))
    facts = needs.ruled_out_by.get(service.tier, ())
    reasons += [Reason("case_fact", {"fact": fact, "tier": service.tier}) for fact in facts]
    if not facts and service.tier not in needs.suitable:
        reasons.append(Reason("risk", {"risk": case.risk_level, "tier": service.tier}))
    if rules.capacity_rule_out and service.capacity is not None and service.places_held >= service.capacity:
        reasons.append(Reason("full", {"capacity": service.capacity}))
    if case.interpreter_needed and service.languages is not None and "interpreter" not in service.languages:
        reasons.append(Reason("no_interpreters"))
    return reasons


def _route_accepted(service: ServiceFacts, case: Case) -> bool:
    return case.route in service.referral_routes or (
        case.been_to_marac and "marac" in service.referral_routes
    )


def _option(service: ServiceFacts, case: Case, rules: TriageRules, needs: Needs) -> Option:
    weights = rules.weights
    position = needs.suitable.index(service.tier)
    score = weights.tier_position[position] if position < len(weights.tier_position) else 0.0
    if position == 0:
        reasons = [Reason("tier_needed", {"tier": service.tier})]
    else:
        reasons = [Reason("below_need", {"tier": service.tier, "needed": needs.suitable[0]})]
    cautions = [Reason("case_fact_caution", {"fact": f}) for f in needs.cautioned_by.get(service.tier, ())]
    if case.area is not None:
        reasons.append(Reason("covers_area", {"area": case.area}))
    else:
        cautions.append(Reason("area_not_known"))
    if service.genders is None:
        cautions.append(Reason("genders_not_stated"))
    elif case.gender is not None:
        reasons.append(Reason("takes_gender", {"gender": case.gender}))
    if case.been_to_marac and "marac" in service.referral_routes:
        reasons.append(Reason("takes_route", {"route": "marac"}))
    elif case.route in service.referral_routes:
        reasons.append(Reason("takes_route", {"route": case.route}))
    if service.partner_support_service:
        score += weights.partner_support_linked
        reasons.append(Reason("partner_support", {"service": service.partner_support_service}))
    if case.shift_worker:
        if service.outside_working_hours or (service.formats and "online" in service.formats):
            score += weights.suits_work_pattern
            reasons.append(Reason("suits_shift_work"))
        elif service.outside_working_hours is None:
            cautions.append(Reason("hours_not_stated"))
    if case.welsh and service.languages and "cy" in service.languages:
        score += weights.speaks_language
        reasons.append(Reason("welsh"))
    if case.interpreter_needed and service.languages and "interpreter" in service.languages:
        score += weights.speaks_language
        reasons.append(Reason("interpreters"))
    if case.interpreter_needed and service.languages is None:
        cautions.append(Reason("languages_not_stated"))
    if service.waiting_weeks is not None:
        score += weights.per_week_waiting * service.waiting_weeks
        reasons.append(Reason("wait", {"weeks": service.waiting_weeks}))
    unstated = sum(
        value is None
        for value in (service.genders, service.relationship_types, service.languages, service.formats)
    )
    score += weights.not_stated * unstated
    if service.capacity is not None:
        reasons.append(Reason("places_free", {"free": service.capacity - service.places_held}))
    return Option(service.slug, service.tier, round(score, 2), reasons, cautions)


def triage(case: Case, services: Iterable[ServiceFacts], rules: TriageRules) -> TriageResult:
    needs = Needs.of(case, rules)
    fits: list[Option] = []
    ruled_out: list[RuledOut] = []
    not_considered = 0
    for service in services:
        if service.tier not in needs.considered or service.kind != ServiceKind.PERPETRATOR_INTERVENTION:
            not_considered += 1
            continue
        reasons = _ruled_out(service, case, rules, needs)
        if reasons:
            ruled_out.append(RuledOut(service.slug, service.tier, reasons))
        else:
            fits.append(_option(service, case, rules, needs))
    fits.sort(key=lambda o: (-o.score, o.service))
    ruled_out.sort(key=lambda r: (r.tier, r.service))
    # Every tier ruled out by what is known still leaves the tier the risk itself points to.
    tier_needed = needs.tier_needed or rules.risk_tiers[case.risk_level][0].value  # type: ignore[index]
    return TriageResult(fits, ruled_out, tier_needed, not_considered)


def facts_from(service: Any, places_held: int) -> ServiceFacts:
    """ServiceFacts from a directory Service (with `areas` and `partner_support_service` loaded)."""

    def as_tuple(values: list[str] | None) -> tuple[str, ...] | None:
        return None if values is None else tuple(values)

    waiting = service.waiting_weeks
    return ServiceFacts(
        slug=service.slug,
        tier=service.tier,
        kind=service.kind,
        status=service.status,
        areas=frozenset(a.slug for a in service.areas.all()),
        genders=as_tuple(service.genders),
        relationship_types=as_tuple(service.relationship_types),
        age_min=service.age_min,
        age_max=service.age_max,
        children_required=service.children_required,
        languages=as_tuple(service.languages),
        formats=as_tuple(service.formats),
        outside_working_hours=service.outside_working_hours,
        referral_routes=tuple(service.referral_routes or ()),
        partner_details_required=service.partner_details_required,
        partner_support_service=service.partner_support_service.slug
        if service.partner_support_service
        else None,
        capacity=service.capacity,
        places_held=places_held,
        waiting_weeks=float(waiting) if isinstance(waiting, Decimal | int | float) else None,
    )
