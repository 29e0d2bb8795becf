"""Reads of a case's reviews: when the next internal and multi-agency reviews are due (the region's
interval from the case opening, or from the last review of that kind held), and the reviews held."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from pathways.accounts.models import Agency
from pathways.cases.choices import ReviewKind
from pathways.cases.models import Case, CaseReview, ReviewAdviser
from pathways.cases.selectors.rules import CaseworkNotLoaded, casework_rules_for_case
from pathways.core.access import AgencyType
from pathways.core.policy import Actor, Perm, visible_to

# The reviews a case has at the region's intervals while it is open; the post-intervention review comes
# once, when it ends.
SCHEDULED_KINDS = (ReviewKind.INTERNAL, ReviewKind.MULTI_AGENCY)


@dataclass(frozen=True)
class ReviewDue:
    kind: str
    due_on: datetime.date
    overdue: bool

    @property
    def label(self) -> str:
        return str(ReviewKind(self.kind).label)


def review_interval_days(*, case: Case, kind: str) -> int:
    rules = casework_rules_for_case(case=case)
    slug = case.service.slug
    if kind == ReviewKind.MULTI_AGENCY:
        return rules.multi_agency_review_days(slug)
    return rules.internal_review_days(slug)


def case_reviews_due(*, case: Case, today: datetime.date) -> list[ReviewDue]:
    """The next internal and multi-agency review of an open case: the region's days from the last review
    of that kind held, or from the day the case opened. Nothing for a closed case, or in a region whose
    casework file is not loaded."""
    if case.status != "open":
        return []
    try:
        days = {kind: review_interval_days(case=case, kind=kind) for kind in SCHEDULED_KINDS}
    except CaseworkNotLoaded:
        return []
    held: dict[str, datetime.date] = {}
    for kind, held_on in (
        CaseReview.objects.filter(case=case, kind__in=SCHEDULED_KINDS, held_on__isnull=False)
        .order_by("held_on")
        .values_list("kind", "held_on")
    ):
        if held_on is not None:
            held[kind] = held_on
    opened = timezone.localdate(case.opened_at)
    due = []
    for kind in SCHEDULED_KINDS:
        on = held.get(kind, opened) + datetime.timedelta(days=days[kind])
        due.append(ReviewDue(kind=kind, due_on=on, overdue=on < today))
    return sorted(due, key=lambda d: (d.due_on, d.kind))


def _reviews(actor: Actor, case: Case) -> QuerySet[CaseReview]:
    return (
        visible_to(actor, CaseReview.objects.filter(case=case), Perm.CASE_VIEW)
        .select_related("chaired_by", "agenda_item__meeting__panel", "panel_decision__item__meeting__panel")
        .prefetch_related(
            Prefetch("agencies", queryset=Agency.objects.order_by("name_en")),
            Prefetch("advisers", queryset=ReviewAdviser.objects.order_by("pk")),
        )
    )


def case_reviews_held(*, actor: Actor, case: Case) -> list[CaseReview]:
    """The reviews held, latest first, with who attended and advised."""
    return list(_reviews(actor, case).filter(held_on__isnull=False).order_by("-held_on", "-created_at"))


def case_reviews_waiting(*, actor: Actor, case: Case) -> list[CaseReview]:
    """The reviews due and not yet held, soonest first: those scheduled, and a post-intervention review
    waiting for the panel."""
    return list(_reviews(actor, case).filter(held_on__isnull=True).order_by("due_on", "kind"))


def review_agencies(*, case: Case) -> list[Agency]:
    """The agencies that may attend a case's review: the active agencies working in its region."""
    return list(
        Agency.objects.filter(is_active=True, areas__region_id=case.service.region_id)
        .exclude(type=AgencyType.COMMISSIONER)
        .distinct()
        .order_by("name_en")
    )


@dataclass(frozen=True)
class ReviewsSummary:
    next_due: ReviewDue | None


def reviews_summary(*, case: Case, today: datetime.date) -> ReviewsSummary:
    due = case_reviews_due(case=case, today=today)
    return ReviewsSummary(next_due=due[0] if due else None)
