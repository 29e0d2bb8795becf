"""Browser test of the outcomes page: the commissioner reads CLEAR's funnel and how its cases ended as
charts beside their tables, with small numbers withheld, chooses dates of their own, and downloads the
figures; CLEAR's manager reads the same page exactly. axe-core checks every page."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.cases.tests.test_browser_casework import Walk, fill_date
from pathways.insights.tests import conftest as browser_fixtures
from pathways.insights.tests.test_browser import Axe
from pathways.insights.tests.test_outcomes import CLEAR, _clear_year
from pathways.referrals.tests import test_browser_journey as journey

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

chromium = browser_fixtures.browser
audit_log_flushable = browser_fixtures.audit_log_flushable
_audit_guards_restored = browser_fixtures._audit_guards_restored
new_context = journey.new_context
sign_in = journey.sign_in


@pytest.fixture
def axe() -> Axe:
    return Axe(every_impact=True)


def test_the_commissioner_reads_clears_funnel_and_endings_and_the_manager_reads_them_exactly(
    live_server: LiveServer,
    sign_in: journey.SignIn,
    new_context: Callable[[], BrowserContext],
    axe: Axe,
    cast_committed: dict[str, User],
) -> None:
    _clear_year(cast_committed)
    walk = Walk(axe)
    page = sign_in(cast_committed["commissioner"])
    page.get_by_role("link", name="Outcomes").first.click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    walk.seen(page, "outcomes, every service", his_side=False)
    # A row for each group services leave out: the groups overlap, so the total stays beside them.
    page.get_by_label("Group services leave out").check()
    page.get_by_role("button", name="Show").click()
    walk.seen(page, "outcomes, by group", his_side=False)
    expect(page.get_by_role("columnheader", name="All").first).to_be_visible()
    page.get_by_label("Service", exact=True).and_(page.locator("input")).check()
    page.get_by_label("Service", exact=True).and_(page.locator("select")).select_option(label=CLEAR)
    page.get_by_role("button", name="Show").click()
    walk.seen(page, "outcomes, CLEAR", his_side=False)
    funnel = page.locator("#funnel-table")
    expect(funnel.get_by_role("row", name="Referred")).to_contain_text("9")
    expect(page.locator("#endings-table").get_by_role("row", name="Completed")).to_contain_text("<5")
    expect(page.locator("#endings-table").get_by_role("row", name="Dropped out")).to_contain_text("[c]")
    expect(page.locator("#funnel svg title")).to_have_text("From referral to completion")
    with page.expect_download() as download:
        page.locator("#download-csv").click()
    assert download.value.suggested_filename.startswith("outcomes-")

    page.get_by_label("Period", exact=True).select_option(label="Dates you choose")
    page.locator("#outcomes-form details summary").click()
    fill_date(page, "From", datetime.date(2026, 1, 1))
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the last day of the period")
    walk.seen(page, "outcomes, a range without its last day", his_side=False)

    manager = sign_in(cast_committed["manager"])
    manager.goto(f"{live_server.url}/en/insights/outcomes/")
    expect(manager.locator("#exact-numbers")).to_be_visible()
    expect(manager.locator("#endings-table").get_by_role("row", name="Completed")).to_contain_text("3")
    walk.seen(manager, "outcomes, CLEAR's manager", his_side=False)


def test_information_governance_records_an_agreement_and_produces_the_extract(
    live_server: LiveServer,
    sign_in: journey.SignIn,
    axe: Axe,
    cast_committed: dict[str, User],
) -> None:
    walk = Walk(axe)
    page = sign_in(cast_committed["auditor"])
    page.get_by_role("link", name="Evaluation").first.click()
    expect(page.locator("#no-agreements")).to_be_visible()
    walk.seen(page, "evaluation, no agreement yet", his_side=False)
    form = page.locator("#agreement-form")
    form.get_by_label("Agreement reference").fill("DSA-2026-04")
    form.get_by_label("Evaluation partner").fill("Cardiff University")
    form.get_by_label("Partner's named contact").fill("Dr Eleri Rhys")
    form.get_by_label("Purpose").fill("Evaluation of CLEAR and Drive.")
    form.get_by_label("Public task (Article 6(1)(e))").check()
    form.get_by_label("Special category condition").fill("Article 9(2)(j)")
    today = datetime.date.today()
    fill_date(form, "In force from", today)
    fill_date(form, "Expires", today - datetime.timedelta(days=1))
    form.get_by_role("button", name="Record the agreement").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must expire on or after the day it starts")
    walk.seen(page, "evaluation, an agreement that expires before it starts", his_side=False)
    fill_date(page.locator("#agreement-form"), "Expires", today + datetime.timedelta(days=365))
    page.locator("#agreement-form").get_by_role("button", name="Record the agreement").click()
    expect(page.locator("#agreements")).to_contain_text("DSA-2026-04")
    with page.expect_download() as download:
        page.get_by_role("button", name="Produce the extract DSA-2026-04").click()
    assert download.value.suggested_filename.startswith("evaluation-DSA-2026-04-")
    page.reload()
    expect(page.locator("#agreements")).to_contain_text("0 cases, 0 referrals")
    walk.seen(page, "evaluation, the agreement and its extract", his_side=False)


def test_the_commissioner_drafts_a_medium_risk_programme_and_reads_its_waits(
    live_server: LiveServer,
    sign_in: journey.SignIn,
    axe: Axe,
    cast_committed: dict[str, User],
) -> None:
    from pathways.insights.tests.test_scenarios import _unmet_in_the_vale

    _unmet_in_the_vale(6)
    walk = Walk(axe)
    page = sign_in(cast_committed["commissioner"])
    page.goto(f"{live_server.url}/en/insights/outcomes/")
    page.locator("#scenarios-link").click()
    walk.seen(page, "scenarios, a draft to fill in", his_side=False)
    form = page.locator("#scenario-form")
    form.get_by_label("Name of the draft service").fill("Medium-risk programme in the Vale")
    form.get_by_label("Tier", exact=True).select_option(label="Medium risk")
    form.get_by_role("group", name="Areas it serves").get_by_label("Vale of Glamorgan", exact=True).check()
    form.get_by_role("group", name="Who it is for").get_by_label("Men", exact=True).check()
    routes = form.get_by_role("group", name="Referral routes it takes")
    for route in ("Children's services", "Police", "Probation"):
        routes.get_by_label(route, exact=True).check()
    form.get_by_role("group", name="Formats").get_by_label("Group", exact=True).check()
    form.get_by_label("Programme length, in weeks").fill("26")
    form.get_by_label("Weeks people wait for a place, on average, before giving up").fill("12")
    form.get_by_label("Drop-out during the programme, in per cent").fill("33")
    form.get_by_label("Places: first capacity to try").fill("5")
    form.get_by_label("Places: second capacity (optional)").fill("10")
    today = datetime.date.today()
    fill_date(form, "Past referrals from", today - datetime.timedelta(days=30))
    fill_date(form, "Past referrals to", today)
    form.get_by_role("button", name="Run the scenario").click()
    expect(page.locator("#taken")).to_contain_text("It would have taken 6 of the 6 referrals")
    expect(page.locator("#simulation tbody tr")).to_have_count(2)
    expect(page.locator("#waits-table")).to_contain_text("5 places")
    walk.seen(page, "scenario, whom it would have taken and its waits", his_side=False)
