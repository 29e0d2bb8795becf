"""Writes to the directory: loading a region file."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.datafiles import DataFileError, Location, Problem, problems_from, validate
from pathways.core.policy import Actor
from pathways.directory.models import Area, Provider, Region, Service, ServiceStatusChange
from pathways.directory.regionfile import RegionFile, cross_check


@dataclass(frozen=True)
class LoadResult:
    region: Region
    areas: int
    providers: int
    services: int
    removed: int


def region_file_parse(*, path: Path) -> RegionFile:
    """Validate a region file completely; raises DataFileError listing every problem."""
    region_file, data, index = validate(path, RegionFile)
    problems = cross_check(region_file)
    if problems:
        raise DataFileError(problems_from(path, data, index, problems))
    return region_file


def region_loaded(*, path: Path, slug: str, index: dict[Location, int]) -> Region:
    """The region a data file names in its `region` field (triage rules, assessment settings); a
    DataFileError if it is not loaded yet, as its region.yaml must be loaded first."""
    region = Region.objects.filter(slug=slug).first()
    if region is None:
        raise DataFileError(
            [
                Problem(
                    str(path),
                    index.get(("region",)),
                    "region",
                    f"no region {slug!r} is loaded; load its region.yaml first",
                )
            ]
        )
    return region


@transaction.atomic
def region_load(*, path: Path, actor: Actor | None = None) -> LoadResult:
    """Make the database match the region file: entries are created or updated by slug, and services no
    longer in the file are removed. All or nothing."""
    parsed = region_file_parse(path=path)
    info = parsed.region
    region, _ = Region.objects.update_or_create(
        slug=info.slug,
        defaults={
            "name_en": info.name.en,
            "name_cy": info.name.cy,
            "as_at": info.as_at,
            "source": info.source or "",
            "funding_ends_within_months": parsed.gap_map.funding_ends_within_months,
            "closed_within_months": parsed.gap_map.closed_within_months,
            "intake_team": parsed.intake.team,
            "file_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        },
    )
    areas: dict[str, Area] = {}
    for position, area_entry in enumerate(parsed.areas):
        areas[area_entry.slug], _ = Area.objects.update_or_create(
            slug=area_entry.slug,
            defaults={
                "region": region,
                "name_en": area_entry.name.en,
                "name_cy": area_entry.name.cy,
                "in_region": area_entry.in_region,
                "position": position,
            },
        )
    providers: dict[str, Provider] = {}
    for provider_entry in parsed.providers:
        providers[provider_entry.slug], _ = Provider.objects.update_or_create(
            slug=provider_entry.slug,
            defaults={"region": region, "name_en": provider_entry.name.en, "name_cy": provider_entry.name.cy},
        )
    services: dict[str, Service] = {}
    for svc in parsed.services:
        service, _ = Service.objects.update_or_create(
            slug=svc.slug,
            defaults={
                "region": region,
                "provider": providers[svc.provider],
                "name_en": svc.name.en,
                "name_cy": svc.name.cy,
                "summary_en": svc.summary.en,
                "summary_cy": svc.summary.cy,
                "tier": svc.tier,
                "kind": svc.kind,
                "genders": _values(svc.genders),
                "relationship_types": _values(svc.relationship_types),
                "age_min": svc.age_min,
                "age_max": svc.age_max,
                "children_required": svc.children_required,
                "languages": _values(svc.languages),
                "formats": _values(svc.formats),
                "outside_working_hours": svc.outside_working_hours,
                "accessible": svc.accessible,
                "accessibility_note_en": svc.accessibility_note.en if svc.accessibility_note else "",
                "accessibility_note_cy": svc.accessibility_note.cy if svc.accessibility_note else "",
                "referral_routes": _values(svc.referral_routes),
                "partner_details_required": svc.partner_details_required,
                "partner_support_service": None,
                "capacity": svc.capacity,
                "waiting_weeks": svc.waiting_weeks,
                "funding_end": svc.funding_end,
                "evaluation_status": svc.evaluation.status,
                "evaluation_note_en": svc.evaluation.note.en if svc.evaluation.note else "",
                "evaluation_note_cy": svc.evaluation.note.cy if svc.evaluation.note else "",
                "status": svc.status,
                "status_since": svc.status_since,
                "source": svc.source,
            },
        )
        service.areas.set([areas[slug] for slug in svc.areas])
        service.history.all().delete()
        ServiceStatusChange.objects.bulk_create(
            [
                ServiceStatusChange(
                    service=service,
                    position=position,
                    status=h.status,
                    started_on=h.from_,
                    note_en=h.note.en if h.note else "",
                    note_cy=h.note.cy if h.note else "",
                )
                for position, h in enumerate(svc.history)
            ]
            + [
                ServiceStatusChange(
                    service=service, position=len(svc.history), status=svc.status, started_on=svc.status_since
                )
            ]
        )
        services[svc.slug] = service
    for svc in parsed.services:
        if svc.partner_support_service:
            Service.objects.filter(pk=services[svc.slug].pk).update(
                partner_support_service=services[svc.partner_support_service]
            )
    stale = Service.objects.filter(region=region).exclude(slug__in=services.keys())
    removed = stale.count()
    stale.delete()
    Provider.objects.filter(region=region).exclude(slug__in=providers.keys()).filter(
        services__isnull=True
    ).delete()
    audit.entry_record(
        action=AuditAction.REGION_LOADED,
        actor=actor,
        record_type="region",
        record_id=region.slug,
        details={"sha256": region.file_sha256, "services": len(services), "file": path.name},
    )
    return LoadResult(region, len(areas), len(providers), len(services), removed)


def _values(items: Sequence[object] | None) -> list[str] | None:
    return None if items is None else [str(getattr(item, "value", item)) for item in items]
