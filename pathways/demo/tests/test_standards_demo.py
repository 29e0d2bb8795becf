"""The demo's service standards: the review's own benchmark (appendix 8.1) as printed, and what has come of
it since: CLEAR's self-assessment with its Amber item on CLEAR's Tasks, and the commissioner's review of
Drive in progress."""

from __future__ import annotations

from collections import Counter
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.demo.cast import load_demo_accounts
from pathways.demo.standards import load_demo_standards, review_2020
from pathways.demo.workforce import load_demo_workforce
from pathways.factories import sign_in
from pathways.standards.choices import ReviewKind, ReviewStatus
from pathways.standards.models import StandardsReview
from pathways.standards.selectors import review_counts
from pathways.workforce.models import StaffMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(region: None) -> None:
    load_demo_accounts()
    load_demo_workforce(today=timezone.localdate())
    load_demo_standards(today=timezone.localdate())


def _printed(service: str) -> StandardsReview:
    return StandardsReview.objects.get(service__slug=service, kind=ReviewKind.INDEPENDENT)


def test_the_reviews_clear_totals_13_items_12_green_and_1_amber(demo: None) -> None:
    counts = review_counts(review=_printed("clear"))
    assert counts.total == 13
    assert counts.counts == {"green": 12, "amber": 1}


def test_drives_review_shows_every_item_of_appendix_8_1_with_its_printed_status(demo: None) -> None:
    review = _printed("drive-cardiff")
    printed = next(r for r in review_2020()["reviews"] if r["service"] == "drive-cardiff")
    rated = {i.item: i for i in review.items.all()}
    assert [i["id"] for i in printed["items"]] == list(rated) and len(rated) == 44
    for item in printed["items"]:
        assert (rated[item["id"]].rating, rated[item["id"]].findings) == (item["status"], item["findings"])
    assert Counter(i.rating for i in rated.values()) == {"green": 37, "amber": 4, "na": 2, "not_assessed": 1}
    assert rated["12-recruitment"].findings == "TO ADD"
    page = unescape(
        sign_in(Client(), User.objects.get(username="commissioner"))
        .get(review.get_absolute_url())
        .content.decode()
    )
    assert "TO ADD" in page and "Testing with VASE-R indicated a need for more training." in page


def test_each_demo_login_finds_the_standards_work_waiting(demo: None) -> None:
    manager = sign_in(Client(), User.objects.get(username="manager"))
    tasks = unescape(manager.get("/en/tasks/").content.decode())
    assert "How does the service demonstrate value for money?" in tasks
    commissioner = sign_in(Client(), User.objects.get(username="commissioner"))
    board = unescape(commissioner.get("/en/standards/").content.decode())
    assert "Self-assessment by the service" in board and "Independent review" in board
    drafts = StandardsReview.objects.filter(status=ReviewStatus.DRAFT, kind=ReviewKind.COMMISSIONER)
    assert drafts.get().service.slug == "drive-cardiff"


def test_the_demo_staff_give_the_reviews_vase_r_figures(demo: None) -> None:
    page = unescape(
        sign_in(Client(), User.objects.get(username="commissioner")).get("/en/staff/skills/").content.decode()
    )
    for anchor, value in (
        ("skills-n", "9"),
        ("skills-range", "10 to 24"),
        ("skills-mean", "15.8"),
        ("skills-sd", "4.8"),
        ("skills-at-26", "0"),
    ):
        assert f'id="{anchor}">{value}<' in page, anchor
    staff = unescape(
        sign_in(Client(), User.objects.get(username="drivemanager")).get("/en/staff/").content.decode()
    )
    assert "Tomos Griffiths" in staff and "Dafydd Morgan" not in staff


def test_loading_the_demo_standards_again_changes_nothing(demo: None) -> None:
    before = StandardsReview.objects.count()
    load_demo_standards(today=timezone.localdate())
    load_demo_workforce(today=timezone.localdate())
    assert StandardsReview.objects.count() == before == 4
    assert StaffMember.objects.count() == 9
