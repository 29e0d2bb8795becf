"""Writes for service standards: loading a standards file, starting a review, rating its items,
completing it (which sets the Amber and Red tasks), recording an accreditation, and doing a task."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.datafiles import DataFileError, Location, load_versioned, problems_from, read_yaml
from pathways.core.policy import Actor, Perm, allows
from pathways.directory.models import Service
from pathways.standards.checklistfile import StandardsFile
from pathways.standards.choices import (
    AccreditationScheme,
    Rating,
    ReviewKind,
    ReviewStatus,
    StandardsTaskKind,
    StandardsTaskStatus,
)
from pathways.standards.models import (
    Accreditation,
    ReviewItem,
    StandardsReview,
    StandardsTask,
    StandardsVersion,
)
from pathways.standards.selectors import review_checklist, services_for, standards_file

# How far from the review an Amber item's agreed date may be: a review date years away is a typing slip.
REVIEW_BY_WITHIN = datetime.timedelta(days=3 * 366)
# The standards were published in 2018: no review of a service against them is older.
EARLIEST_REVIEW = datetime.date(2018, 1, 1)
# Respect's accreditation began in 2008 (CSAAP's earlier): an older date is a typing slip.
EARLIEST_ACCREDITATION = datetime.date(1990, 1, 1)
FINDINGS_MAX = 5000


class StandardsError(Exception):
    """A request the standards refuse; `field` names the form field it is about."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def _cross_checks(path: Path, parsed: StandardsFile) -> None:
    data, index = read_yaml(path)
    numbers = {s.number for s in parsed.standards}
    problems: list[tuple[Location, str]] = []
    seen: set[int] = set()
    for n, standard in enumerate(parsed.standards):
        if standard.number in seen:
            problems.append((("standards", n, "number"), f"standard {standard.number} is listed twice"))
        seen.add(standard.number)
    slugs: set[str] = set()
    sources = {s.slug for s in parsed.evidence_sources}
    if len(sources) != len(parsed.evidence_sources):
        problems.append((("evidence_sources",), "each evidence source needs its own slug"))
    for c, checklist in enumerate(parsed.checklists):
        if checklist.slug in slugs:
            problems.append((("checklists", c, "slug"), f"checklist {checklist.slug!r} is listed twice"))
        slugs.add(checklist.slug)
        for i, item in enumerate(checklist.items):
            where: Location = ("checklists", c, "items", i)
            if item.standard is not None and item.standard not in numbers:
                problems.append(
                    ((*where, "standard"), f"there is no standard {item.standard}; add it or fix the number")
                )
            wrong = [r for r in item.refs if item.standard is None or r.split(".")[0] != str(item.standard)]
            if wrong:
                problems.append(
                    (
                        (*where, "refs"),
                        f"{', '.join(wrong)} are not sub-items of standard {item.standard}; "
                        "correct the refs or the standard",
                    )
                )
    if problems:
        raise DataFileError(problems_from(path, data, index, problems))


def standards_file_load(*, path: Path, actor: Actor | None = None) -> tuple[StandardsVersion, bool]:
    """Load a standards file as its next version (or return the current one, False, if it is unchanged).
    Every problem is reported at once, with its line, and nothing is loaded."""
    path = Path(path)

    def scope(parsed: StandardsFile, index: dict[Location, int]) -> dict[str, Any]:
        _cross_checks(path, parsed)
        return {"slug": parsed.slug}

    with transaction.atomic():
        version, created = load_versioned(path, StandardsFile, StandardsVersion, scope=scope, field="rules")
        if created:
            audit.entry_record(
                action=AuditAction.REGION_LOADED,
                actor=actor,
                record_type="standardsversion",
                record_id=version.pk,
                details={"file": path.name, "version": version.version, "sha256": version.file_sha256},
            )
    return version, created


def _may_review(actor: Actor, service: Service) -> bool:
    if not allows(actor, Perm.STANDARDS_REVIEW) or actor.agency is None:
        return False
    return services_for(actor=actor).filter(pk=service.pk).exists()


def review_kinds(*, actor: Actor) -> list[str]:
    """The kinds of review the actor may record: a service's own staff assess themselves; commissioners
    review, or record an independent review."""
    if allows(actor, Perm.STANDARDS_ALL):
        return [ReviewKind.COMMISSIONER, ReviewKind.INDEPENDENT]
    if allows(actor, Perm.STANDARDS_REVIEW):
        return [ReviewKind.SELF_ASSESSMENT]
    return []


def review_start(
    *,
    actor: Actor,
    service: Service,
    standards: StandardsVersion,
    checklist: str,
    kind: str,
    reviewer: str,
    reviewed_on: datetime.date,
) -> StandardsReview:
    """A new review of the service against one checklist, every item not yet assessed."""
    if not _may_review(actor, service):
        raise StandardsError(_("You may not review this service."))
    found = standards_file(version=standards).checklist(checklist)
    if found is None:
        raise StandardsError(_("Choose a checklist."), field="checklist")
    if kind not in review_kinds(actor=actor):
        raise StandardsError(_("Choose what kind of review this is."), field="kind")
    reviewer = reviewer.strip()
    if not reviewer:
        raise StandardsError(_("Enter who reviewed the service."), field="reviewer")
    today = timezone.localdate()
    if reviewed_on > today:
        raise StandardsError(_("The date of the review must be today or in the past."), field="reviewed_on")
    if reviewed_on < EARLIEST_REVIEW:
        raise StandardsError(
            _("The date of the review must be in 2018, when the standards were published, or later."),
            field="reviewed_on",
        )
    with transaction.atomic():
        review = StandardsReview.objects.create(
            service=service,
            standards=standards,
            checklist=checklist,
            kind=kind,
            reviewer=reviewer[:200],
            reviewed_on=reviewed_on,
            created_by=actor.user if actor.user.is_authenticated else None,
        )
        ReviewItem.objects.bulk_create(ReviewItem(review=review, item=i.id) for i in found.items)
        audit.entry_record(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="standardsreview",
            record_id=review.pk,
            details={"service": service.slug, "checklist": checklist, "kind": kind},
        )
    return review


def review_may_change(*, actor: Actor, review: StandardsReview) -> bool:
    """Whether the actor may rate and complete the review: one in progress, of a service they may review,
    of a kind they may record (a service's managers their self-assessment, commissioners theirs)."""
    return (
        review.status == ReviewStatus.DRAFT
        and review.kind in review_kinds(actor=actor)
        and _may_review(actor, review.service)
    )


def _lock_draft(review: StandardsReview) -> None:
    """Hold the review's row until the transaction ends, and refuse it if someone completed it since it was
    read: two people completing it at once make one set of tasks, and no rating lands after."""
    status = StandardsReview.objects.select_for_update().filter(pk=review.pk).values_list("status", flat=True)
    if status.first() != ReviewStatus.DRAFT:
        raise StandardsError(_("This review is completed: start a new review to rate the service again."))


def _may_change(actor: Actor, review: StandardsReview) -> None:
    if review.kind not in review_kinds(actor=actor) or not _may_review(actor, review.service):
        raise StandardsError(_("You may not change this review."))
    if review.status == ReviewStatus.COMPLETED:
        raise StandardsError(_("This review is completed: start a new review to rate the service again."))


def review_item_rate(
    *,
    actor: Actor,
    review: StandardsReview,
    item: str,
    rating: str,
    findings: str,
    evidence: list[str],
    review_by: datetime.date | None,
) -> ReviewItem:
    """Rate one item of a review in progress. An Amber item needs the date agreed with the service by
    which it is looked at again; other ratings have none."""
    _may_change(actor, review)
    checklist = review_checklist(review=review)
    if item not in {i.id for i in checklist.items}:
        raise StandardsError(_("That item is not on this review's checklist."))
    if rating not in Rating.values:
        raise StandardsError(_("Choose a rating."), field="rating")
    sources = {s.slug for s in standards_file(version=review.standards).evidence_sources}
    if set(evidence) - sources:
        raise StandardsError(_("Choose the evidence from the list."), field="evidence")
    findings = findings.strip()
    if len(findings) > FINDINGS_MAX:
        raise StandardsError(
            _("Findings must be %(max)s characters or fewer.") % {"max": f"{FINDINGS_MAX:,}"},
            field="findings",
        )
    if rating == Rating.AMBER:
        if review_by is None:
            raise StandardsError(
                _("Enter the date agreed with the service by which this item is reviewed."), field="review_by"
            )
        if not review.reviewed_on <= review_by <= review.reviewed_on + REVIEW_BY_WITHIN:
            raise StandardsError(
                _("The review date must be after the review and within three years of it."), field="review_by"
            )
    else:
        review_by = None
    with transaction.atomic():
        _lock_draft(review)
        rated, _created = ReviewItem.objects.update_or_create(
            review=review,
            item=item,
            defaults={
                "rating": rating,
                "findings": findings,
                "evidence": [
                    s.slug
                    for s in standards_file(version=review.standards).evidence_sources
                    if s.slug in evidence
                ],
                "review_by": review_by,
                "updated_at": timezone.now(),
            },
        )
        audit.entry_record(
            action=AuditAction.RECORD_CHANGED,
            actor=actor,
            record_type="standardsreview",
            record_id=review.pk,
            details={"item": item, "rating": rating},
        )
    return rated


def review_complete(*, actor: Actor, review: StandardsReview, summary: str = "") -> StandardsReview:
    """Complete a review: it stands from then on. Each Amber item becomes a task, due on its agreed date,
    for the agencies running the service; any Red item makes the service due for reassessment, a task due
    at once."""
    _may_change(actor, review)
    agencies = list(review.service.agencies.all())
    today = timezone.localdate()
    with transaction.atomic():
        _lock_draft(review)
        rated = {r.item: r for r in ReviewItem.objects.filter(review=review)}
        undated = [i for i, r in rated.items() if r.rating == Rating.AMBER and r.review_by is None]
        if undated:
            raise StandardsError(
                _("Every Amber item needs its agreed review date before the review is completed.")
            )
        review.status = ReviewStatus.COMPLETED
        review.completed_at = timezone.now()
        review.summary = summary.strip()[:FINDINGS_MAX]
        review.save(update_fields=["status", "completed_at", "summary"])
        tasks = [
            StandardsTask(
                agency=agency,
                review=review,
                kind=StandardsTaskKind.AMBER_REVIEW,
                item=r.item,
                due_on=r.review_by,
            )
            for r in rated.values()
            if r.rating == Rating.AMBER
            for agency in agencies
        ]
        if any(r.rating == Rating.RED for r in rated.values()):
            tasks += [
                StandardsTask(agency=agency, review=review, kind=StandardsTaskKind.REASSESSMENT, due_on=today)
                for agency in agencies
            ]
        StandardsTask.objects.bulk_create(tasks)
        audit.entry_record(
            action=AuditAction.RECORD_CHANGED,
            actor=actor,
            record_type="standardsreview",
            record_id=review.pk,
            details={"completed": True, "tasks": len(tasks)},
        )
    return review


def accreditation_record(
    *,
    actor: Actor,
    service: Service,
    scheme: str,
    awarded_on: datetime.date,
    expires_on: datetime.date | None,
) -> Accreditation:
    """Record that the service holds an accreditation: a fact with its dates, recorded by a commissioner."""
    if not allows(actor, Perm.STANDARDS_ALL):
        raise StandardsError(_("Only a commissioner records an accreditation."))
    if scheme not in AccreditationScheme.values:
        raise StandardsError(_("Choose the accreditation."), field="scheme")
    if not EARLIEST_ACCREDITATION <= awarded_on <= timezone.localdate():
        raise StandardsError(
            _("The date awarded must be a real date, today or in the past."), field="awarded_on"
        )
    if expires_on is not None and not awarded_on < expires_on <= awarded_on + datetime.timedelta(
        days=20 * 366
    ):
        raise StandardsError(
            _("The expiry date must be after the date awarded, and within twenty years of it."),
            field="expires_on",
        )
    with transaction.atomic():
        accreditation = Accreditation.objects.create(
            service=service,
            scheme=scheme,
            awarded_on=awarded_on,
            expires_on=expires_on,
            recorded_by=actor.user if actor.user.is_authenticated else None,
        )
        audit.entry_record(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="accreditation",
            record_id=accreditation.pk,
            details={"service": service.slug, "scheme": scheme},
        )
    return accreditation


def standards_task_may_mark(*, actor: Actor, task: StandardsTask) -> bool:
    return (
        allows(actor, Perm.TASK_CHANGE)
        and allows(actor, Perm.STANDARDS_REVIEW)
        and actor.agency is not None
        and task.agency_id == actor.agency.pk
    )


def standards_task_done(*, actor: Actor, task: StandardsTask) -> StandardsTask:
    """Mark a review's task done: for those of the agency who review the service (its managers)."""
    if not standards_task_may_mark(actor=actor, task=task):
        raise StandardsError(_("You may not mark this task."))
    if task.status == StandardsTaskStatus.DONE:
        return task
    with transaction.atomic():
        task.status = StandardsTaskStatus.DONE
        task.done_by = actor.user
        task.done_at = timezone.now()
        task.save(update_fields=["status", "done_by", "done_at"])
        audit.entry_record(
            action=AuditAction.RECORD_CHANGED,
            actor=actor,
            record_type="standardstask",
            record_id=task.pk,
            details={"done": True},
        )
    return task
