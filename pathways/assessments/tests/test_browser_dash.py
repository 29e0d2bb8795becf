"""Browser test: the demo's IDVA completes a DASH in Welsh and sees the result, axe-core on every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.factories import actor_of
from pathways.insights.tests import conftest as browser_fixtures
from pathways.referrals.tests import test_browser_journey as journey
from pathways.referrals.tests.factories import refer

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

chromium = browser_fixtures.browser
audit_log_flushable = browser_fixtures.audit_log_flushable
_audit_guards_restored = browser_fixtures._audit_guards_restored
new_context = journey.new_context
sign_in = journey.sign_in
axe = journey.axe

QUESTIONS = [f"q{n:02d}" for n in range(1, 25)]


def test_a_dash_completed_in_welsh(
    live_server: LiveServer, sign_in: journey.SignIn, axe: journey.Axe, cast_committed: dict[str, User]
) -> None:
    idva = cast_committed["idva"]
    person = refer(actor_of(idva), gender="woman", partner_gender="man").person
    base = live_server.url
    page = sign_in(idva)
    page.goto(f"{base}/en/assessments/people/{person.pk}/")
    page.get_by_role("link", name="Cymraeg").click()
    page.wait_for_url(f"{base}/cy/assessments/people/{person.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    axe.check(page, "assessment history (cy)")

    page.goto(f"{base}/cy/assessments/people/{person.pk}/new/")
    axe.check(page, "start an assessment (cy)")
    page.locator("#id_instrument").select_option("dash-partner-agency")
    page.locator("#id_context").select_option("intake")
    page.locator("#id_assessed_on_day").fill("1")
    page.locator("#id_assessed_on_month").fill("6")
    page.locator("#id_assessed_on_year").fill("2026")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#instrument-name")).to_have_text(
        "Rhestr wirio risg DASH (asiantaethau partner, 24 cwestiwn)"
    )
    expect(page.get_by_text("Ofnus iawn")).to_be_visible()
    axe.check(page, "DASH form (cy)")

    for n, question in enumerate(QUESTIONS):
        yes = n < 16 and question != "q08"
        page.locator(f"#id_{question}_{0 if yes else 1}").check()
    page.locator("#id_incident_date_day").fill("1")
    page.locator("#id_incident_date_month").fill("6")
    page.locator("#id_incident_date_year").fill("2026")
    page.locator("#id_professional_judgement_1").check()
    with page.expect_navigation():
        page.locator("button[name=complete]").click()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("#band")).to_contain_text("Uchel")
    expect(page.locator("#marac")).to_be_visible()
    expect(page.locator("#assessment-results")).to_contain_text("15")
    axe.check(page, "DASH result (cy)")

    page.goto(f"{base}/cy/assessments/people/{person.pk}/")
    expect(page.locator("#current-risk")).to_contain_text("high")
    axe.assert_clean()
