"""The schema of a region file (regions/<region>/region.yaml) and the checks across its entries."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from pathways.directory.choices import (
    EvaluationStatus,
    Format,
    Gender,
    Language,
    ReferralRoute,
    RelationshipType,
    ServiceKind,
    ServiceStatus,
    Tier,
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=50)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Name(Strict):
    en: ShortText
    cy: ShortText


class Text(Strict):
    en: LongText
    cy: LongText


class RegionInfo(Strict):
    slug: Slug
    name: Name
    as_at: datetime.date | None = None
    source: LongText | None = None


class GapMapWindows(Strict):
    """How far the gap map looks ahead for funding that ends and back for services that closed."""

    funding_ends_within_months: int = Field(
        ge=1, le=60, description="months ahead in which a service's funding ending is flagged, for example 6"
    )
    closed_within_months: int = Field(
        ge=1, le=240, description="months back in which a closed service is still shown, for example 24"
    )


class AreaEntry(Strict):
    slug: Slug
    name: Name
    in_region: bool


class ProviderEntry(Strict):
    slug: Slug
    name: Name


class Evaluation(Strict):
    status: EvaluationStatus
    note: Text | None = None


class HistoryEntry(Strict):
    status: ServiceStatus
    from_: datetime.date | None = Field(alias="from")
    note: Text | None = None


def _no_repeats(values: list[Any] | None) -> list[Any] | None:
    if values is not None and len(set(values)) != len(values):
        raise ValueError("a value is listed twice")
    return values


class ServiceEntry(Strict):
    slug: Slug
    name: Name
    provider: Slug
    summary: Text
    tier: Tier
    kind: ServiceKind
    areas: list[Slug] = Field(min_length=1)
    genders: list[Gender] | None
    relationship_types: list[RelationshipType] | None
    age_min: int | None = Field(default=None, ge=0, le=120)
    age_max: int | None = Field(default=None, ge=0, le=120)
    children_required: bool | None
    languages: list[Language] | None
    formats: list[Format] | None
    outside_working_hours: bool | None
    accessible: bool | None
    accessibility_note: Text | None = None
    referral_routes: list[ReferralRoute]
    partner_details_required: bool | None
    partner_support_service: Slug | None
    capacity: int | None = Field(default=None, ge=0, le=100000)
    waiting_weeks: Decimal | None = Field(default=None, ge=0, le=520, decimal_places=1)
    funding_end: datetime.date | None
    evaluation: Evaluation
    status: ServiceStatus
    status_since: datetime.date | None
    history: list[HistoryEntry] = Field(default_factory=list)
    source: ShortText

    _unique_lists = field_validator(
        "areas", "genders", "relationship_types", "languages", "formats", "referral_routes"
    )(_no_repeats)


class Intake(Strict):
    """Who takes the referrals no one else would see: every self-referral, and every referral that no
    service can take (unmet need). The team is an agency, named by its slug; an administrator makes it."""

    team: Slug = Field(description="the slug of the agency that is the region's intake team")


class RegionFile(Strict):
    region: RegionInfo
    gap_map: GapMapWindows
    intake: Intake
    areas: list[AreaEntry] = Field(min_length=1)
    providers: list[ProviderEntry] = Field(min_length=1)
    services: list[ServiceEntry] = Field(min_length=1)


def cross_check(region: RegionFile) -> list[tuple[tuple[str | int, ...], str]]:
    """Problems between entries: repeated slugs, references to entries that do not exist, odd ranges."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    for section in ("areas", "providers", "services"):
        seen: set[str] = set()
        for position, entry in enumerate(getattr(region, section)):
            if entry.slug in seen:
                problems.append(
                    (
                        (section, position, "slug"),
                        f"the slug {entry.slug!r} is used twice; slugs must be unique",
                    )
                )
            seen.add(entry.slug)
    area_slugs = {a.slug for a in region.areas}
    provider_slugs = {p.slug for p in region.providers}
    service_slugs = {s.slug for s in region.services}
    areas_list = ", ".join(sorted(area_slugs))
    for position, service in enumerate(region.services):
        where = ("services", position)
        if service.provider not in provider_slugs:
            problems.append(
                (
                    (*where, "provider"),
                    f"no provider {service.provider!r}; add it under providers or use a listed slug",
                )
            )
        for n, area in enumerate(service.areas):
            if area not in area_slugs:
                problems.append(((*where, "areas", n), f"no area {area!r}; expected one of {areas_list}"))
        link = service.partner_support_service
        if link is not None:
            if link not in service_slugs:
                problems.append(((*where, "partner_support_service"), f"no service {link!r} in this file"))
            elif link == service.slug:
                problems.append(
                    (
                        (*where, "partner_support_service"),
                        "a service cannot be its own partner-support service",
                    )
                )
        if service.age_min is not None and service.age_max is not None and service.age_min > service.age_max:
            problems.append(((*where, "age_min"), "age_min is greater than age_max"))
        dates = [h.from_ for h in service.history if h.from_ is not None]
        if dates != sorted(dates):
            problems.append(((*where, "history"), "history entries must be oldest first"))
    return problems
