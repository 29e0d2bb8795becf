"""Browser test of a standards review, as the demo's cast would do it: CLEAR's manager assesses the service
against the commissioning checklist, rates an item Amber with the date agreed for its review, completes
the review and finds the item on CLEAR's Tasks, then reads the staff's records and the team's skills
profile; the commissioner finds the result on the board and compares the review with the one before it.
axe-core checks every page, and any violation fails the test."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.cases.tests.test_browser_casework import Walk, choose, fill_date, short_date
from pathways.directory.models import Service
from pathways.factories import actor_of
from pathways.insights.tests import conftest as browser_fixtures
from pathways.insights.tests.test_browser import Axe
from pathways.referrals.tests import test_browser_journey as journey
from pathways.standards.choices import Rating, ReviewKind
from pathways.standards.services import review_complete, review_item_rate, review_start, standards_file_load
from pathways.workforce.selectors import skills_file
from pathways.workforce.services import skills_file_load, skills_rating_record, staff_add

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

chromium = browser_fixtures.browser
audit_log_flushable = browser_fixtures.audit_log_flushable
_audit_guards_restored = browser_fixtures._audit_guards_restored
new_context = journey.new_context
sign_in = journey.sign_in

VALUE_FOR_MONEY = "How does the service demonstrate value for money?"


@pytest.fixture
def axe() -> Axe:
    return Axe(every_impact=True)


def test_a_manager_rates_clear_and_the_commissioner_compares_two_reviews(
    live_server: LiveServer,
    sign_in: journey.SignIn,
    new_context: Callable[[], BrowserContext],
    axe: Axe,
    cast_committed: dict[str, User],
) -> None:
    base = live_server.url
    cast = cast_committed
    walk = Walk(axe)
    today = timezone.localdate()
    version, _ = standards_file_load(path=Path(settings.BASE_DIR) / "standards" / "vawdasv-2018.yaml")
    # Last year's review by the commissioner: everything Green but what was never assessed.
    commissioner_actor = actor_of(cast["commissioner"])
    last_year = review_start(
        actor=commissioner_actor,
        service=Service.objects.get(slug="clear"),
        standards=version,
        checklist="commissioning",
        kind=ReviewKind.COMMISSIONER,
        reviewer="Rhian Thomas",
        reviewed_on=today - datetime.timedelta(days=365),
    )
    review_item_rate(
        actor=commissioner_actor,
        review=last_year,
        item="value-for-money",
        rating=Rating.GREEN,
        findings="Costed in the pilot's plan.",
        evidence=["documentation"],
        review_by=None,
    )
    review_complete(actor=commissioner_actor, review=last_year)

    # Two of CLEAR's facilitators, rated on VASE-R.
    instrument, _ = skills_file_load(path=Path(settings.BASE_DIR) / "standards" / "vase-r.yaml")
    manager_actor = actor_of(cast["manager"])
    for name, total in (("Bethan Rowlands", 13), ("Iwan Pritchard", 21)):
        staff = staff_add(actor=manager_actor, full_name=name, service=Service.objects.get(slug="clear"))
        ids = [i.id for i in skills_file(version=instrument).items]
        skills_rating_record(
            actor=manager_actor,
            staff=staff,
            instrument=instrument,
            rated_on=today - datetime.timedelta(days=40),
            rater="Rater",
            scores={item: min(2, max(0, total - 2 * n)) for n, item in enumerate(ids)},
        )

    # 1. CLEAR's manager starts a self-assessment from the service's standards page.
    manager = sign_in(cast["manager"])
    journey.open_menu(manager, base, "Standards", "/en/standards/")
    walk.seen(manager, "standards board (manager)", his_side=False)
    manager.get_by_role("link", name="CLEAR (Change that Lasts Early Awareness Raising)").click()
    walk.seen(manager, "CLEAR's standards", his_side=False)
    start = manager.locator("#start-form")
    start.get_by_role("group", name="Checklist").get_by_label(re.compile("^Commissioning checklist")).check()
    start.get_by_label("Who reviewed").fill("Sian Roberts and the CLEAR team")
    fill_date(start, "Date of the review", today)
    start.get_by_role("button", name="Start the review").click()
    expect(manager.get_by_text("The review is started: rate each item.")).to_be_visible()
    walk.seen(manager, "the new review", his_side=False)

    # 2. Value for money is Amber: without the agreed date the page says what is missing.
    manager.locator("#item-value-for-money").get_by_role("link", name="Rate").click()
    expect(manager.get_by_role("heading", name=VALUE_FOR_MONEY)).to_be_visible()
    walk.seen(manager, "rating an item", his_side=False)
    choose(manager, "Rating", "Amber")
    manager.get_by_label("Findings").fill("The evaluation's costing is not in yet.")
    manager.get_by_role("button", name="Save the rating").click()
    summary = manager.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the date agreed with the service by which this item is reviewed.")
    walk.seen(manager, "rating an item, with an error", his_side=False)
    due = today + datetime.timedelta(days=60)
    fill_date(manager, "Review by (Amber only)", due)
    manager.get_by_role("group", name="Evidence").get_by_label("Interviews", exact=True).check()
    manager.get_by_role("button", name="Save the rating").click()
    expect(manager.get_by_text("The rating is saved.")).to_be_visible()
    card = manager.locator("#item-value-for-money")
    expect(card).to_contain_text("Amber")
    expect(card).to_contain_text("Interviews")

    # 3. Completing the review puts the Amber item on CLEAR's Tasks with its date.
    manager.get_by_role("button", name="Complete the review").click()
    expect(manager.get_by_text("The review is completed.")).to_be_visible()
    expect(manager.locator("#review-status")).to_have_text("Completed")
    expect(manager.get_by_role("link", name="Rate")).to_have_count(0)
    journey.open_menu(manager, base, "Tasks", "/en/tasks/")
    row = manager.locator("#standards-tasks tbody tr").filter(has_text=VALUE_FOR_MONEY)
    expect(row).to_contain_text(short_date(due))
    expect(row).to_contain_text("Review an Amber item")
    walk.seen(manager, "Tasks (manager)", his_side=False)

    # 4. CLEAR's staff and the team's skills profile, its chart beside its figures.
    journey.open_menu(manager, base, "Staff", "/en/staff/")
    walk.seen(manager, "CLEAR's staff", his_side=False)
    manager.get_by_role("link", name="Bethan Rowlands").click()
    expect(manager.get_by_role("heading", name="Bethan Rowlands")).to_be_visible()
    walk.seen(manager, "a member of staff", his_side=False)
    manager.goto(base + "/en/staff/skills/")
    expect(manager.locator("#skills-n")).to_have_text("2")
    expect(manager.locator("#skills-mean")).to_have_text("17.0")
    walk.seen(manager, "the team's skills profile", his_side=False)

    # 5. The commissioner finds the self-assessment on the board and compares it with last year's review.
    commissioner = sign_in(cast["commissioner"])
    journey.open_menu(commissioner, base, "Standards", "/en/standards/")
    line = commissioner.locator("#board-clear")
    expect(line).to_contain_text("Self-assessment by the service")
    expect(line).to_contain_text(f"Amber review by {short_date(due)}")
    walk.seen(commissioner, "standards board (commissioner)", his_side=False)
    line.get_by_role("link", name="CLEAR (Change that Lasts Early Awareness Raising)").click()
    commissioner.get_by_role("button", name="Compare").click()
    expect(commissioner.get_by_role("heading", name="Two reviews compared")).to_be_visible()
    expect(commissioner.locator("#compare-changed")).to_have_text(
        "1 item's rating differs between the two reviews."
    )
    changed = commissioner.locator("#compare-value-for-money")
    expect(changed).to_contain_text("Changed")
    expect(changed.locator("td").nth(0)).to_have_text("Green")
    expect(changed.locator("td").nth(1)).to_have_text("Amber")
    walk.seen(commissioner, "two reviews compared", his_side=False)
