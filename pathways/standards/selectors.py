"""Reads for service standards: the checklists in force, the reviews a reader may see, a review as a sheet
of items grouped by standard, the comparison of two reviews, and the board of every service's latest
result."""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import get_language

from pathways.core.policy import Actor, Perm, allows, visible_to
from pathways.directory.models import Service
from pathways.standards.checklistfile import Checklist, Item, Name, StandardsFile, Text
from pathways.standards.choices import Rating, ReviewStatus, StandardsTaskKind, StandardsTaskStatus
from pathways.standards.evidence import Figure, figures_for
from pathways.standards.models import (
    Accreditation,
    ReviewItem,
    StandardsReview,
    StandardsTask,
    StandardsVersion,
)


class StandardsNotLoaded(Exception):
    pass


def shown(name: Name | Text) -> str:
    """A name or text from the standards file in the reader's language."""
    return name.cy if get_language() == "cy" else name.en


_PARSED: dict[tuple[Any, str], StandardsFile] = {}


def standards_file(*, version: StandardsVersion) -> StandardsFile:
    """The parsed file of a loaded version. A version never changes once loaded, so its parse is kept
    for the life of the process, by version and checksum."""
    key = (version.pk, version.file_sha256)
    if key not in _PARSED:
        _PARSED[key] = StandardsFile.model_validate(StandardsVersion.objects.get(pk=version.pk).rules)
    return _PARSED[key]


def standards_current() -> StandardsVersion:
    """The latest loaded version of the standards file; StandardsNotLoaded if there is none."""
    version = StandardsVersion.objects.defer("rules").order_by("-loaded_at", "-version").first()
    if version is None:
        raise StandardsNotLoaded(
            "No service standards are loaded: load them with manage.py load_standards standards/<file>.yaml."
        )
    return version


def reviews_for(*, actor: Actor) -> QuerySet[StandardsReview]:
    """The reviews the actor may read: every service's for a commissioner, else those of the services the
    actor's agency runs."""
    found = StandardsReview.objects.select_related("standards").defer("standards__rules")
    if allows(actor, Perm.STANDARDS_ALL):
        return found.filter(service__in=services_for(actor=actor))
    return visible_to(actor, found, Perm.STANDARDS_VIEW)


def services_for(*, actor: Actor) -> QuerySet[Service]:
    """The services whose standards the actor may read and review."""
    if not allows(actor, Perm.STANDARDS_VIEW) or actor.agency is None:
        return Service.objects.none()
    if allows(actor, Perm.STANDARDS_ALL):
        # A commissioner's are the services of the regions their agency covers.
        return Service.objects.filter(region__areas__in=actor.agency.areas.filter(in_region=True)).distinct()
    return Service.objects.filter(agencies=actor.agency)


def service_get(*, actor: Actor, slug: str) -> Service:
    service = services_for(actor=actor).filter(slug=slug).first()
    if service is None:
        raise Http404
    return service


def review_get(*, actor: Actor, review_id: uuid.UUID) -> StandardsReview:
    review = (
        reviews_for(actor=actor)
        .select_related("service", "created_by")
        .prefetch_related("items")
        .filter(pk=review_id)
        .first()
    )
    if review is None:
        raise Http404
    return review


def review_checklist(*, review: StandardsReview) -> Checklist:
    found = standards_file(version=review.standards).checklist(review.checklist)
    if found is None:  # a loaded version keeps every checklist a review was made against
        raise Http404
    return found


@dataclass(frozen=True)
class SheetRow:
    item: Item
    rated: ReviewItem
    question: str
    # The evidence sources the rating rests on, named in the reader's language.
    sources: str
    # (key, figures, link) for each of the item's evidence keys, where the sheet was asked for them.
    evidence: list[tuple[str, list[Figure] | None, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SheetGroup:
    number: int | None
    name: str
    rows: list[SheetRow]


def review_sheet(*, review: StandardsReview, actor: Actor | None = None) -> list[SheetGroup]:
    """The review's items in the checklist's order, grouped by standard (one group for a checklist whose
    items belong to none), with the figures from the record beside each where asked: each evidence key
    counted once however many items name it. With an actor, the figures beside each item that the actor
    may see."""
    file = standards_file(version=review.standards)
    rated = {r.item: r for r in review.items.all()}
    names = {s.slug: shown(s.name) for s in file.evidence_sources}
    known: dict[str, tuple[list[Figure] | None, str]] = {}
    memo: dict[str, Any] = {}
    groups: list[SheetGroup] = []
    for item in review_checklist(review=review).items:
        evidence = []
        for key in item.evidence:
            if actor is None:
                break
            if key not in known:
                known[key] = figures_for(service=review.service, key=key, actor=actor, memo=memo)
            evidence.append((key, *known[key]))
        this = rated.get(item.id) or ReviewItem(review=review, item=item.id)
        sources = ", ".join(names.get(slug, slug) for slug in this.evidence)
        row = SheetRow(item, this, shown(item.question), sources, evidence)
        if not groups or groups[-1].number != item.standard:
            standard = file.standard(item.standard) if item.standard is not None else None
            groups.append(SheetGroup(item.standard, shown(standard.name) if standard else "", []))
        groups[-1].rows.append(row)
    return groups


RATING_ORDER = (Rating.GREEN, Rating.AMBER, Rating.RED, Rating.NOT_APPLICABLE, Rating.NOT_ASSESSED)


@dataclass(frozen=True)
class RatingCounts:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def get(self, rating: str) -> int:
        return self.counts.get(rating, 0)

    @property
    def rag(self) -> str:
        """The Green, Amber and Red counts in words ("Green 12, Amber 1"), for a line of text."""
        return ", ".join(f"{label} {count}" for rating, label, count in self.cells[:3] if count)

    @property
    def cells(self) -> list[tuple[str, str, int]]:
        """(rating, label, count) in the board's order."""
        labels = dict(Rating.choices)
        return [(r.value, str(labels[r]), self.get(r)) for r in RATING_ORDER]


def review_counts(*, review: StandardsReview) -> RatingCounts:
    """How many of the checklist's items have each rating (an item never rated is not yet assessed)."""
    rated = {r.item: r.rating for r in review.items.all()}
    items = review_checklist(review=review).items
    return RatingCounts(dict(Counter(rated.get(i.id, Rating.NOT_ASSESSED) for i in items)))


@dataclass(frozen=True)
class CompareRow:
    item: Item
    first: ReviewItem | None
    second: ReviewItem | None

    @property
    def changed(self) -> bool:
        a = self.first.rating if self.first else Rating.NOT_ASSESSED
        b = self.second.rating if self.second else Rating.NOT_ASSESSED
        return a != b


def reviews_compare(*, first: StandardsReview, second: StandardsReview) -> list[CompareRow]:
    """Two reviews item by item: the items of the first's checklist, then any only the second has."""
    a = {r.item: r for r in first.items.all()}
    b = {r.item: r for r in second.items.all()}
    items = list(review_checklist(review=first).items)
    known = {i.id for i in items}
    items += [i for i in review_checklist(review=second).items if i.id not in known]
    return [CompareRow(i, a.get(i.id), b.get(i.id)) for i in items]


@dataclass
class BoardLine:
    service: Service
    latest: StandardsReview | None
    counts: RatingCounts | None
    accreditations: list[Accreditation] = field(default_factory=list)
    reassessment_due: bool = False
    next_review_by: datetime.date | None = None


def latest_completed(*, reviews: QuerySet[StandardsReview]) -> dict[Any, StandardsReview]:
    """Each service's latest completed review, by service id (two queries whatever the number)."""
    found = (
        reviews.filter(status=ReviewStatus.COMPLETED)
        .order_by("service_id", "-reviewed_on", "-created_at")
        .prefetch_related(Prefetch("items", queryset=ReviewItem.objects.order_by("pk")))
    )
    latest: dict[Any, StandardsReview] = {}
    for review in found:
        latest.setdefault(review.service_id, review)
    return latest


def standards_board(*, actor: Actor) -> list[BoardLine]:
    """Every service the actor may read, with its latest completed review's counts, whether a Red item has
    made it due for reassessment, the earliest agreed review date of its Amber items, and its
    accreditations."""
    services = list(services_for(actor=actor).select_related("provider").order_by("name_en"))
    latest = latest_completed(reviews=reviews_for(actor=actor).filter(service__in=services))
    accreditations: dict[Any, list[Accreditation]] = {}
    for accreditation in Accreditation.objects.filter(service__in=services):
        accreditations.setdefault(accreditation.service_id, []).append(accreditation)
    lines = []
    for service in services:
        review = latest.get(service.pk)
        counts = review_counts(review=review) if review else None
        dates = (
            [i.review_by for i in review.items.all() if i.rating == Rating.AMBER and i.review_by]
            if review
            else []
        )
        lines.append(
            BoardLine(
                service=service,
                latest=review,
                counts=counts,
                accreditations=accreditations.get(service.pk, []),
                reassessment_due=bool(counts and counts.get(Rating.RED)),
                next_review_by=min(dates) if dates else None,
            )
        )
    return lines


def service_reviews(*, actor: Actor, service: Service) -> list[StandardsReview]:
    """The service's reviews, newest first."""
    return list(
        reviews_for(actor=actor)
        .filter(service=service)
        .select_related("created_by")
        .prefetch_related("items")
        .order_by("-reviewed_on", "-created_at")
    )


def service_latest(*, service: Service) -> tuple[StandardsReview, RatingCounts] | None:
    """A service's latest completed review and its counts, for its directory page: whoever may read the
    directory sees the counts, never the findings."""
    reviews = (
        StandardsReview.objects.filter(service=service).select_related("standards").defer("standards__rules")
    )
    review = latest_completed(reviews=reviews).get(service.pk)
    return (review, review_counts(review=review)) if review else None


def services_latest_counts(*, services: list[Service]) -> dict[Any, RatingCounts]:
    """The latest completed review's counts of each service, by id (for the gap map's service list)."""
    reviews = StandardsReview.objects.filter(service__in=services).select_related("standards")
    latest = latest_completed(reviews=reviews.defer("standards__rules"))
    return {service_id: review_counts(review=review) for service_id, review in latest.items()}


def agency_standards_tasks(*, actor: Actor) -> list[StandardsTask]:
    """The open tasks reviews have set the actor's agency, soonest due first."""
    if not allows(actor, Perm.TASK_VIEW):
        return []
    found = (
        visible_to(actor, StandardsTask.objects.filter(status=StandardsTaskStatus.OPEN), Perm.TASK_VIEW)
        .select_related("review__service", "review__standards")
        .defer("review__standards__rules")
    )
    return sorted(found, key=lambda t: (t.due_on or datetime.date.max, t.created_at))


def task_item_question(*, task: StandardsTask) -> str:
    """The question of the item a task is about, in the reader's language ("" for a reassessment)."""
    if task.kind != StandardsTaskKind.AMBER_REVIEW:
        return ""
    checklist = standards_file(version=task.review.standards).checklist(task.review.checklist)
    item = next((i for i in checklist.items if i.id == task.item), None) if checklist else None
    return shown(item.question) if item else task.item


def agency_standards_task_get(*, actor: Actor, task_id: Any) -> StandardsTask:
    try:
        found = visible_to(actor, StandardsTask.objects.filter(pk=task_id), Perm.TASK_CHANGE).first()
    except (ValueError, TypeError):
        found = None
    if found is None:
        raise Http404
    return found


def item_evidence(
    *, actor: Actor, review: StandardsReview, item: Item
) -> list[tuple[str, list[Figure] | None, str]]:
    """For one item, each of its evidence keys with the figures from the service's record and their page."""
    found = []
    memo: dict[str, Any] = {}
    for key in item.evidence:
        figures, link = figures_for(service=review.service, key=key, actor=actor, memo=memo)
        found.append((key, figures, link))
    return found


def service_page_part(*, service: Service) -> tuple[str, dict[str, Any]]:
    """The standards part of a service's directory page: its latest completed review's counts and its
    accreditations, or that it has not been reviewed."""
    latest = service_latest(service=service)
    return (
        "standards/_service_part.html",
        {
            "service": service,
            "review": latest[0] if latest else None,
            "counts": latest[1] if latest else None,
            "accreditations": list(service.accreditations.order_by("-awarded_on")),
        },
    )
