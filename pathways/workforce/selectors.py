"""Reads for staff and skills: the staff an agency's managers may see, each one's MI training in the
career and this year, refreshers coming due, and the team skills profile (n, range, mean, standard
deviation, counts at each benchmark, subscale means, change over time) of a service or the region."""

from __future__ import annotations

import datetime
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import get_language

from pathways.core.policy import Actor, Perm, allows, visible_to
from pathways.directory.models import Service
from pathways.workforce.choices import TrainingKind, TrainingTopic
from pathways.workforce.models import SkillsInstrument, SkillsRating, StaffMember, TrainingEvent
from pathways.workforce.skillsfile import Name, SkillsFile

# How far ahead a refresher coming due shows on Tasks.
REFRESHER_NOTICE = datetime.timedelta(days=60)


class SkillsNotLoaded(Exception):
    pass


def shown(name: Name) -> str:
    return name.cy if get_language() == "cy" else name.en


_PARSED: dict[tuple[Any, str], SkillsFile] = {}


def skills_file(*, version: SkillsInstrument) -> SkillsFile:
    """The parsed file of a loaded version, kept for the life of the process by version and checksum."""
    key = (version.pk, version.file_sha256)
    if key not in _PARSED:
        _PARSED[key] = SkillsFile.model_validate(SkillsInstrument.objects.get(pk=version.pk).rules)
    return _PARSED[key]


def skills_current(*, slug: str = "vase-r") -> SkillsInstrument:
    version = SkillsInstrument.objects.filter(slug=slug).defer("rules").order_by("-version").first()
    if version is None:
        raise SkillsNotLoaded(
            "No skills instrument is loaded: load it with manage.py load_skills standards/vase-r.yaml."
        )
    return version


def staff_for(*, actor: Actor) -> QuerySet[StaffMember]:
    """The staff records the actor may read: those of their own agency, for its managers."""
    return visible_to(actor, StaffMember.objects.all(), Perm.STAFF_VIEW)


def staff_get(*, actor: Actor, staff_id: uuid.UUID) -> StaffMember:
    found = staff_for(actor=actor).select_related("service", "user", "agency").filter(pk=staff_id).first()
    if found is None:
        raise Http404
    return found


def mi_days(
    *, staff: StaffMember, events: list[TrainingEvent], today: datetime.date
) -> tuple[Decimal, Decimal]:
    """Days of MI training in the career (before the records here, and since) and in the current year."""
    mi = [
        e
        for e in events
        if e.topic == TrainingTopic.MOTIVATIONAL_INTERVIEWING and e.kind == TrainingKind.TRAINING
    ]
    career = staff.mi_days_before + sum((e.days for e in mi), Decimal(0))
    year = sum((e.days for e in mi if e.attended_on.year == today.year), Decimal(0))
    return career, year


@dataclass(frozen=True)
class StaffLine:
    staff: StaffMember
    mi_career: Decimal
    mi_year: Decimal
    latest: SkillsRating | None


def staff_lines(*, actor: Actor, today: datetime.date) -> list[StaffLine]:
    """The agency's staff with their MI days and latest skills rating (three queries)."""
    staff = list(staff_for(actor=actor).filter(is_active=True).select_related("service", "user"))
    events: dict[Any, list[TrainingEvent]] = defaultdict(list)
    for event in TrainingEvent.objects.filter(staff__in=staff):
        events[event.staff_id].append(event)
    latest: dict[Any, SkillsRating] = {}
    for rating in SkillsRating.objects.filter(staff__in=staff).order_by("staff", "-rated_on", "-pk"):
        latest.setdefault(rating.staff_id, rating)
    return [
        StaffLine(s, *mi_days(staff=s, events=events[s.pk], today=today), latest.get(s.pk)) for s in staff
    ]


def refreshers_due(*, actor: Actor, today: datetime.date) -> list[TrainingEvent]:
    """The training of the agency's staff whose refresher is due within the notice, or overdue, and not
    since refreshed (a later event of the same kind and topic)."""
    if not allows(actor, Perm.STAFF_VIEW):
        return []
    events = list(
        visible_to(actor, TrainingEvent.objects.filter(staff__is_active=True), Perm.STAFF_VIEW)
        .select_related("staff")
        .order_by("staff", "kind", "topic", "-attended_on")
    )
    latest: dict[tuple[Any, str, str], TrainingEvent] = {}
    for event in events:
        latest.setdefault((event.staff_id, event.kind, event.topic), event)
    due = [
        e
        for e in latest.values()
        if e.refresher_due_on is not None and e.refresher_due_on <= today + REFRESHER_NOTICE
    ]
    return sorted(due, key=lambda e: (e.refresher_due_on, e.staff.full_name))


@dataclass
class Profile:
    """A team's skills on one instrument: each member's latest rating."""

    totals: list[int]
    benchmarks: list[tuple[str, int, int]]  # (name, minimum total, how many reach it)
    subscales: list[tuple[str, float]]  # (name, mean)
    by_year: list[tuple[int, int, float]]  # (year, n, mean total) of every rating
    total_max: int
    mapping_checked: bool

    @property
    def n(self) -> int:
        return len(self.totals)

    @property
    def lowest(self) -> int | None:
        return min(self.totals) if self.totals else None

    @property
    def highest(self) -> int | None:
        return max(self.totals) if self.totals else None

    @property
    def mean(self) -> float | None:
        return statistics.mean(self.totals) if self.totals else None

    @property
    def sd(self) -> float | None:
        # The sample standard deviation, as the review reports (n = 9, SD 4.8).
        return statistics.stdev(self.totals) if len(self.totals) > 1 else None

    @property
    def below_first_benchmark(self) -> int:
        first = min((b[1] for b in self.benchmarks), default=0)
        return sum(1 for t in self.totals if t < first)


def skills_profile(*, ratings: list[SkillsRating], file: SkillsFile) -> Profile:
    """The profile of each member's latest rating (change over time from all of them)."""
    latest: dict[Any, SkillsRating] = {}
    for rating in sorted(ratings, key=lambda r: (r.rated_on, r.pk), reverse=True):
        latest.setdefault(rating.staff_id, rating)
    current = list(latest.values())
    totals = [r.total for r in current]
    subscales = []
    for subscale in file.subscales:
        values = [r.subscales.get(subscale.slug, 0) for r in current]
        subscales.append((shown(subscale.name), statistics.mean(values) if values else 0.0))
    years: dict[int, list[int]] = defaultdict(list)
    for rating in ratings:
        years[rating.rated_on.year].append(rating.total)
    return Profile(
        totals=sorted(totals),
        benchmarks=[
            (shown(b.name), b.min_total, sum(1 for t in totals if t >= b.min_total)) for b in file.benchmarks
        ],
        subscales=subscales,
        by_year=[(year, len(v), statistics.mean(v)) for year, v in sorted(years.items())],
        total_max=file.total_max,
        mapping_checked=file.mapping_checked,
    )


def profile_ratings(*, actor: Actor, service: Service | None = None) -> list[SkillsRating]:
    """The ratings a profile is drawn from: the actor's agency's staff (a manager), or every staff member
    at the services of the commissioner's region; of one service if given."""
    found = SkillsRating.objects.filter(staff__is_active=True).select_related("staff__service")
    if allows(actor, Perm.STAFF_VIEW):
        found = visible_to(actor, found, Perm.STAFF_VIEW)
    elif allows(actor, Perm.SKILLS_PROFILE_VIEW) and actor.agency is not None:
        found = found.filter(
            staff__service__region__areas__in=actor.agency.areas.filter(in_region=True)
        ).distinct()
    else:
        return []
    if service is not None:
        found = found.filter(staff__service=service)
    return list(found)


def profile_services(*, ratings: list[SkillsRating]) -> list[Service]:
    seen: dict[Any, Service] = {}
    for rating in ratings:
        if rating.staff.service is not None:
            seen.setdefault(rating.staff.service_id, rating.staff.service)
    return sorted(seen.values(), key=lambda s: s.name)


def service_skills_figures(*, actor: Actor, service: Service, today: datetime.date) -> dict[str, Any] | None:
    """The counts a standards review shows beside its training, MI, supervision and support items, for
    those who may read the team's skills profile: of the service's active staff at the reader's agency
    (for a manager), or all of them (for a commissioner of its region). None for anyone else."""
    if not allows(actor, Perm.SKILLS_PROFILE_VIEW) or actor.agency is None:
        return None
    found = StaffMember.objects.filter(service=service, is_active=True)
    if allows(actor, Perm.STAFF_VIEW):
        found = visible_to(actor, found, Perm.STAFF_VIEW)
    elif not service.region.areas.filter(pk__in=actor.agency.areas.filter(in_region=True)).exists():
        return None
    staff = list(found)
    events: dict[Any, list[TrainingEvent]] = defaultdict(list)
    for event in TrainingEvent.objects.filter(staff__in=staff):
        events[event.staff_id].append(event)
    days = [mi_days(staff=s, events=events[s.pk], today=today) for s in staff]
    ratings = list(SkillsRating.objects.filter(staff__in=staff).select_related("staff__service"))
    return {
        "staff": len(staff),
        "mi_this_year": sum(1 for _career, year in days if year > 0),
        "mi_under_twenty": sum(1 for career, _year in days if career < 20),
        "mi_none": sum(1 for career, _year in days if career == 0),
        "skills_practice": sum(
            1 for s in staff if any(e.kind == TrainingKind.SKILLS_PRACTICE for e in events[s.pk])
        ),
        "supervised": sum(
            1
            for s in staff
            if any(
                e.kind == TrainingKind.SUPERVISION and e.attended_on >= today - datetime.timedelta(days=92)
                for e in events[s.pk]
            )
        ),
        "knows_support": sum(1 for s in staff if s.knows_confidential_support == "yes"),
        "ratings": ratings,
    }
