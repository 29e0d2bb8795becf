"""Triage: for one referral, every service that could take the person, ranked with reasons, and every
service ruled out with its reason.

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
    reason: Reason


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


def _ruled_out(service: ServiceFacts, case: Case, rules: TriageRules) -> Reason | None:
    """The first reason the service cannot take this case, or None."""
    if service.status not in (ServiceStatus.ACTIVE, ServiceStatus.PILOT):
        return Reason("not_running", {"status": service.status})
    if case.area is not None and case.area not in service.areas:
        return Reason("wrong_area", {"area": case.area})
    if service.genders is not None and case.gender is not None and case.gender not in service.genders:
        return Reason("gender", {"gender": case.gender})
    if (
        service.relationship_types is not None
        and case.relationship_type is not None
        and case.relationship_type not in service.relationship_types
    ):
        return Reason("relationship", {"relationship": case.relationship_type})
    if case.age is not None and (
        (service.age_min is not None and case.age < service.age_min)
        or (service.age_max is not None and case.age > service.age_max)
    ):
        return Reason("age", {"min": service.age_min, "max": service.age_max})
    if service.referral_routes and not _route_accepted(service, case):
        if tuple(service.referral_routes) == ("marac",):
            return Reason("marac_only")
        return Reason("route", {"route": case.route})
    if service.children_required and not case.has_children:
        return Reason("needs_children")
    if service.partner_details_required and not case.has_partner_details:
        return Reason("needs_partner_details")
    if service.tier not in rules.risk_tiers[case.risk_level]:  # type: ignore[index]
        return Reason("risk", {"risk": case.risk_level, "tier": service.tier})
    if rules.capacity_rule_out and service.capacity is not None and service.places_held >= service.capacity:
        return Reason("full", {"capacity": service.capacity})
    if case.interpreter_needed and service.languages is not None and "interpreter" not in service.languages:
        return Reason("no_interpreters")
    return None


def _route_accepted(service: ServiceFacts, case: Case) -> bool:
    return case.route in service.referral_routes or (
        case.been_to_marac and "marac" in service.referral_routes
    )


def _option(service: ServiceFacts, case: Case, rules: TriageRules) -> Option:
    weights = rules.weights
    suitable = [t.value for t in rules.risk_tiers[case.risk_level]]  # type: ignore[index]
    position = suitable.index(service.tier)
    score = weights.tier_position[position] if position < len(weights.tier_position) else 0.0
    reasons = [Reason("tier_suits", {"tier": service.tier, "risk": case.risk_level, "rank": position + 1})]
    cautions = []
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
    considered = {t.value for t in rules.tiers_considered}
    fits: list[Option] = []
    ruled_out: list[RuledOut] = []
    not_considered = 0
    for service in services:
        if service.tier not in considered or service.kind != ServiceKind.PERPETRATOR_INTERVENTION:
            not_considered += 1
            continue
        reason = _ruled_out(service, case, rules)
        if reason is None:
            fits.append(_option(service, case, rules))
        else:
            ruled_out.append(RuledOut(service.slug, service.tier, reason))
    fits.sort(key=lambda o: (-o.score, o.service))
    ruled_out.sort(key=lambda r: (r.tier, r.service))
    tier_needed = rules.risk_tiers[case.risk_level][0].value  # type: ignore[index]
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
