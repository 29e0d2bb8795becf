"""The gap map: for each area and tier, which services are running and where there are none.

Nothing here is personal data. Every figure is computed from the region's service records and the
referrals' triage, so when a region edits its file the map changes with it.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pathways.core.dates import within_months
from pathways.core.smallnumbers import Cell as Figure
from pathways.core.smallnumbers import outside_of, suppress
from pathways.directory.choices import ServiceKind, ServiceStatus, Tier
from pathways.directory.models import Area, Region, Service
from pathways.insights.choices import Group
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral
from pathways.referrals.reasons import Describer

RUNNING = (ServiceStatus.ACTIVE, ServiceStatus.PILOT)

# None means the region file does not say; such a service is "not known to serve" the group.
GroupTest = Callable[[Service], bool | None]


def _contains(values: list[str] | None, wanted: str) -> bool | None:
    return None if values is None else wanted in values


GROUP_TESTS: dict[str, GroupTest] = {
    Group.WOMEN: lambda s: _contains(s.genders, "female"),
    Group.LGBTQ: lambda s: _contains(s.relationship_types, "same_sex"),
    Group.LIMITED_ENGLISH: lambda s: _contains(s.languages, "interpreter"),
    Group.SHIFT_WORKERS: lambda s: (
        True if s.outside_working_hours or _contains(s.formats, "online") else s.outside_working_hours
    ),
    Group.DISABLED: lambda s: s.accessible,
    Group.NO_CHILDREN: lambda s: None if s.children_required is None else not s.children_required,
}


@dataclass
class Flag:
    service: Service
    kind: str  # "funding_ends", "funding_ended", "decommissioned"
    on: datetime.date

    @property
    def label(self) -> str:
        if self.kind == "funding_ends":
            return _("Funding ends %(date)s") % {"date": _format(self.on)}
        if self.kind == "funding_ended":
            return _("Funding ended %(date)s") % {"date": _format(self.on)}
        return _("Decommissioned %(date)s") % {"date": _format(self.on)}


@dataclass
class Cell:
    area: Area
    tier: str
    services: list[Service] = field(default_factory=list)
    not_stated: list[Service] = field(default_factory=list)
    recently_closed: list[Service] = field(default_factory=list)
    unmet_need: int = 0
    placed_below_need: int = 0
    # Why the services of this tier could not take them: (words, referrals), most common first.
    need_reasons: list[tuple[str, int]] = field(default_factory=list)
    # The need figures as anyone reads them, under the small-number rule ("unmet", "below", "reason:..").
    shown: dict[str, Figure] = field(default_factory=dict)

    @property
    def unmet_shown(self) -> Figure:
        return self.shown.get("unmet") or Figure("unmet", "", "", self.unmet_need)

    @property
    def below_shown(self) -> Figure:
        return self.shown.get("below") or Figure("below", "", "", self.placed_below_need)

    @property
    def reasons_shown(self) -> list[tuple[str, Figure]]:
        return [
            (text, self.shown.get(f"reason:{text}") or Figure(text, "", "", n))
            for text, n in self.need_reasons
        ]

    @property
    def count(self) -> int:
        return len(self.services)

    @property
    def state(self) -> str:
        return "gap" if not self.services else "thin" if len(self.services) == 1 else "covered"


@dataclass
class GapMap:
    region: Region | None
    as_at: datetime.date
    groups: list[str]
    areas: list[Area]
    tiers: list[str]
    rows: list[tuple[Area, list[Cell]]]
    flags: list[Flag]
    findings: list[str]

    def cell(self, area_slug: str, tier: str) -> Cell:
        for area, cells in self.rows:
            if area.slug == area_slug:
                return next(c for c in cells if c.tier == tier)
        raise KeyError(area_slug)


def _format(day: datetime.date) -> str:
    return date_format(day, "F Y")


def service_serves_groups(*, service: Service, groups: list[str]) -> bool | None:
    """True if the service is known to serve every group, False if not, None if the file does not say."""
    answers = [GROUP_TESTS[g](service) for g in groups]
    if any(a is False for a in answers):
        return False
    if any(a is None for a in answers):
        return None
    return True


def gap_map_default_as_at(*, region: Region | None) -> datetime.date:
    return region.as_at if region and region.as_at else timezone.localdate()


def gap_map_build(
    *, region: Region | None = None, groups: list[str] | None = None, as_at: datetime.date | None = None
) -> GapMap:
    region = region or Region.objects.order_by("slug").first()
    groups = [g for g in (groups or []) if g in GROUP_TESTS]
    as_at = as_at or gap_map_default_as_at(region=region)
    areas = list(Area.objects.filter(region=region, in_region=True)) if region else []
    tiers = list(Tier.values)
    services = (
        list(Service.objects.filter(region=region).prefetch_related("areas").select_related("provider"))
        if region
        else []
    )
    by_membership = _need_by_membership(areas=areas)
    chosen = _mask(groups)
    rows = []
    for area in areas:
        cells = []
        local = [s for s in services if any(a.pk == area.pk for a in s.areas.all())]
        for tier in tiers:
            cell = Cell(area=area, tier=tier)
            for service in (s for s in local if s.tier == tier):
                if service.status in RUNNING:
                    verdict = service_serves_groups(service=service, groups=groups)
                    if verdict is True:
                        cell.services.append(service)
                    elif verdict is None:
                        cell.not_stated.append(service)
                elif region is not None and _recently_decommissioned(service, as_at, region):
                    cell.recently_closed.append(service)
            memberships = by_membership.get((area.pk, tier))
            if memberships:
                tally = _tally_of(memberships, chosen)
                cell.unmet_need, cell.placed_below_need = tally.unmet, tally.placed_below
                cell.need_reasons = tally.reasons.most_common()
                cell.shown = _need_withheld(memberships, chosen)
            cells.append(cell)
        rows.append((area, cells))
    return GapMap(
        region=region,
        as_at=as_at,
        groups=groups,
        areas=areas,
        tiers=tiers,
        rows=rows,
        flags=_flags(services, as_at, region) if region else [],
        findings=_findings(rows, services, areas) if not groups else [],
    )


# What each group filter means for a person referred, to count their unmet need.
PERSON_IN_GROUP: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    Group.WOMEN: lambda r: r["person__gender_identity"] == "woman",
    Group.LGBTQ: lambda r: (
        r["person__gender_identity"] in ("non_binary", "self_described")
        or (
            r["partner__gender_identity"] is not None
            and r["partner__gender_identity"] == r["person__gender_identity"]
        )
    ),
    Group.LIMITED_ENGLISH: lambda r: bool(r["person__interpreter_needed"]),
    Group.SHIFT_WORKERS: lambda r: r["person__work_pattern"] == "shift_work",
    Group.DISABLED: lambda r: r["person__has_disability"] is True,
    Group.NO_CHILDREN: lambda r: not r["children_in_family"],
}


@dataclass
class NeedTally:
    unmet: int = 0
    placed_below: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, other: NeedTally) -> None:
        self.unmet += other.unmet
        self.placed_below += other.placed_below
        self.reasons.update(other.reasons)


def _mask(groups: list[str]) -> int:
    return sum(1 << n for n, g in enumerate(PERSON_IN_GROUP) if g in groups)


# A cell's need, by the groups the people are in (each person's groups as the bits of one number).
Memberships = dict[int, NeedTally]


def _need_by_membership(*, areas: list[Area]) -> dict[tuple[Any, str], Memberships]:
    """Need no service met, by the person's area and the tier they needed, and by the groups they are in:
    referrals recorded as unmet need, those placed with a service below the tier needed, and the reasons
    the services of the tier needed gave (each counted once a referral). One read serves every filter."""
    rows = (
        Referral.objects.filter(person__area__in=areas)
        .filter(Q(status=Status.UNMET_NEED) | Q(placed_below_need=True))
        .values(
            "status",
            "unmet_reasons",
            "person__area",
            "tier_needed",
            "person__gender_identity",
            "partner__gender_identity",
            "person__interpreter_needed",
            "person__work_pattern",
            "person__has_disability",
            "children_in_family",
        )
    )
    found: dict[tuple[Any, str], Memberships] = {}
    describe = Describer()
    for row in rows.iterator():
        bits = sum(1 << n for n, test in enumerate(PERSON_IN_GROUP.values()) if test(row))
        tally = found.setdefault((row["person__area"], row["tier_needed"]), {}).setdefault(bits, NeedTally())
        if row["status"] == Status.UNMET_NEED:
            tally.unmet += 1
        else:
            tally.placed_below += 1
        said = {
            describe(reason)
            for ruled in row["unmet_reasons"] or []
            if ruled.get("tier") == row["tier_needed"]
            for reason in ruled.get("reasons", [])
        }
        tally.reasons.update(said or {_("No service of this tier covers the area")})
    return found


def _tally_of(memberships: Memberships, mask: int) -> NeedTally:
    """The need of the people in every group of `mask` (all of them, for none)."""
    total = NeedTally()
    for bits, tally in memberships.items():
        if bits & mask == mask:
            total.add(tally)
    return total


def _need_withheld(memberships: Memberships, chosen: int) -> dict[str, Figure]:
    """A cell's need figures under the small-number rule. The reasons overlap (a referral may give
    several), so each is withheld where the cell's referrals less it would be small; and a filtered map
    is read beside the map with fewer filters, so each figure is withheld too where the same figure with
    any filter taken away, less it, would be small."""
    mine = _tally_of(memberships, chosen)
    cells: dict[str, Figure] = {
        "total": Figure("total", "", "", mine.unmet + mine.placed_below),
        "unmet": Figure("unmet", "", "", mine.unmet),
        "below": Figure("below", "", "", mine.placed_below),
    }
    # The cell's referrals are shown nowhere, unless a reason that every one of them gave shows them:
    # then unmet need and placed below need are the parts of a shown total.
    groups = [("total", ["unmet", "below"])] if cells["total"].value in mine.reasons.values() else []
    for text, n in mine.reasons.items():
        cells[f"reason:{text}"] = Figure(f"reason:{text}", "", "", n)
        groups.append(outside_of(cells, whole=cells["total"], part=cells[f"reason:{text}"]))
    fewer = chosen
    while fewer:
        fewer = (fewer - 1) & chosen  # each filter set inside the chosen one, down to none
        wider = _tally_of(memberships, fewer)
        counts = {"unmet": wider.unmet, "below": wider.placed_below}
        counts.update({f"reason:{t}": wider.reasons[t] for t in mine.reasons})
        for key, n in counts.items():
            whole = Figure(f"{fewer}:{key}", "", "", n)
            cells[whole.key] = whole
            groups.append(outside_of(cells, whole=whole, part=cells[key]))
    suppress(cells, groups)
    return cells


def _recently_decommissioned(service: Service, as_at: datetime.date, region: Region) -> bool:
    since = service.status_since
    return (
        service.status == ServiceStatus.DECOMMISSIONED
        and since is not None
        and within_months(since, as_at, region.closed_within_months)
    )


def _flags(services: list[Service], as_at: datetime.date, region: Region) -> list[Flag]:
    flags = []
    for service in services:
        if service.status in RUNNING and service.funding_end is not None:
            if within_months(as_at, service.funding_end, region.funding_ends_within_months):
                flags.append(Flag(service, "funding_ends", service.funding_end))
            elif service.funding_end < as_at:
                flags.append(Flag(service, "funding_ended", service.funding_end))
        if _recently_decommissioned(service, as_at, region):
            assert service.status_since is not None
            flags.append(Flag(service, "decommissioned", service.status_since))
    return sorted(flags, key=lambda f: (f.on, f.service.name_en))


def _findings(rows: list[tuple[Area, list[Cell]]], services: list[Service], areas: list[Area]) -> list[str]:
    """Plain statements of what the map shows, for a commissioner who reads rather than scans."""
    findings = []
    tier_labels = dict(Tier.choices)
    for tier in Tier.values:
        empty = [area.name for area, cells in rows if not next(c for c in cells if c.tier == tier).services]
        if empty and len(empty) == len(rows):
            findings.append(
                _("%(tier)s: no service is running anywhere in the region.") % {"tier": tier_labels[tier]}
            )
    for area, _cells in rows:
        # Sexual-violence programmes are a separate field of work (review section 4.8), so they do not
        # count as domestic abuse provision here.
        running = [
            s
            for s in services
            if s.status in RUNNING
            and s.kind == ServiceKind.PERPETRATOR_INTERVENTION
            and s.tier != Tier.SEXUAL_VIOLENCE
            and any(a.pk == area.pk for a in s.areas.all())
        ]
        if not running:
            findings.append(
                _("%(area)s: no service for people who use domestic abuse.") % {"area": area.name}
            )
        elif all(s.tier == Tier.CRIMINAL_JUSTICE for s in running):
            findings.append(
                _(
                    "%(area)s: every service for people who use domestic abuse is in the criminal justice "
                    "system, so only people already in that system can get help."
                )
                % {"area": area.name}
            )
    gender_labels = {"male": _("men"), "female": _("women"), "non_binary": _("non-binary people")}
    in_region = {a.pk for a in areas}
    for service in services:
        if (
            service.status in RUNNING
            and service.kind == ServiceKind.PERPETRATOR_INTERVENTION
            and service.genders is not None
            and len(service.genders) == 1
            and any(a.pk in in_region for a in service.areas.all())
        ):
            findings.append(
                _("%(service)s serves %(group)s only.")
                % {
                    "service": service.name,
                    "group": gender_labels.get(service.genders[0], service.genders[0]),
                }
            )
    return findings
