"""The demo's service standards: the review's own benchmark of CLEAR and Drive (appendix 8.1, as printed),
then what has happened since in the made-up present: CLEAR's managers assessed the service again a month
ago (value for money still Amber, its review date on CLEAR's Tasks), and the commissioner is part way
through reviewing Drive."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction

from pathways.accounts.models import User
from pathways.core.policy import Actor
from pathways.directory.models import Service
from pathways.standards.choices import Rating, ReviewKind, StandardsTaskStatus
from pathways.standards.models import StandardsReview, StandardsTask, StandardsVersion
from pathways.standards.services import review_complete, review_item_rate, review_start, standards_file_load

STANDARDS_FILE = Path(settings.BASE_DIR) / "standards" / "vawdasv-2018.yaml"
REVIEW_2020 = Path(__file__).resolve().parent / "data" / "standards-review-2020.yaml"
# The review prints no agreed dates for its Amber items: the demo's are six months on, long since done.
AMBER_AFTER = datetime.timedelta(days=182)


def _actor(username: str) -> Actor:
    user = User.objects.get(username=username)
    return Actor(user=user, membership=user.memberships.select_related("agency").get())


def review_2020() -> dict[str, Any]:
    """The transcribed appendix: its reviewer, date and the two reviews' items."""
    loaded: dict[str, Any] = yaml.safe_load(REVIEW_2020.read_text(encoding="utf-8"))
    return loaded


def _rate_all(actor: Actor, review: StandardsReview, items: list[dict[str, Any]]) -> None:
    for item in items:
        review_item_rate(
            actor=actor,
            review=review,
            item=item["id"],
            rating=item["status"],
            findings=item["findings"],
            evidence=item["evidence"],
            review_by=review.reviewed_on + AMBER_AFTER if item["status"] == Rating.AMBER else None,
        )


@transaction.atomic
def load_demo_standards(*, today: datetime.date) -> StandardsVersion:
    version, _created = standards_file_load(path=STANDARDS_FILE)
    if StandardsReview.objects.exists():
        return version
    commissioner = _actor("commissioner")
    printed = review_2020()
    reviewed_on = printed["reviewed_on"]
    services = {
        s.slug: s for s in Service.objects.filter(slug__in=[r["service"] for r in printed["reviews"]])
    }
    first: dict[str, StandardsReview] = {}
    for spec in printed["reviews"]:
        review = review_start(
            actor=commissioner,
            service=services[spec["service"]],
            standards=version,
            checklist=spec["checklist"],
            kind=ReviewKind.INDEPENDENT,
            reviewer=printed["reviewer"],
            reviewed_on=reviewed_on,
        )
        _rate_all(commissioner, review, spec["items"])
        review_complete(actor=commissioner, review=review, summary=printed["source"])
        first[spec["service"]] = review
    # The 2020 review's Amber items were looked at long ago.
    StandardsTask.objects.filter(review__in=first.values()).update(status=StandardsTaskStatus.DONE)

    # CLEAR's own assessment a month ago: the same items, value for money still waiting on its evaluation.
    manager = _actor("manager")
    clear = first["clear"]
    again = review_start(
        actor=manager,
        service=clear.service,
        standards=version,
        checklist=clear.checklist,
        kind=ReviewKind.SELF_ASSESSMENT,
        reviewer="Sian Roberts and the CLEAR team",
        reviewed_on=today - datetime.timedelta(days=30),
    )
    earlier = {i.item: i for i in clear.items.all()}
    for item, rated in earlier.items():
        amber = rated.rating == Rating.AMBER
        review_item_rate(
            actor=manager,
            review=again,
            item=item,
            rating=rated.rating,
            findings=(
                "The external evaluation has reported on outcomes; its costing is due in the spring."
                if amber
                else rated.findings
            ),
            evidence=rated.evidence,
            review_by=today + datetime.timedelta(days=60) if amber else None,
        )
    review_complete(
        actor=manager, review=again, summary="Annual self-assessment against the commissioning checklist."
    )

    # The commissioner's review of Drive, begun last week: one item rated so far.
    drive = first["drive-cardiff"]
    current = review_start(
        actor=commissioner,
        service=drive.service,
        standards=version,
        checklist=drive.checklist,
        kind=ReviewKind.COMMISSIONER,
        reviewer="Rhian Thomas, regional VAWDASV team",
        reviewed_on=today - datetime.timedelta(days=7),
    )
    review_item_rate(
        actor=commissioner,
        review=current,
        item="15-confidential-support",
        rating=Rating.GREEN,
        findings="Staff now told about the employee assistance programme at induction and in supervision.",
        evidence=["interviews", "documentation"],
        review_by=None,
    )
    return version
