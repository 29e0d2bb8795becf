"""Browser test of the API's documentation page: reached from the footer, read through its contents, in
English and Welsh, with axe-core checking each, and nothing refused by the content security policy.

Chromium, the live-server database fixtures, signing in and the axe helper are the gap-map browser test's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.insights.tests import conftest as gap_map_browser_fixtures
from pathways.insights.tests.test_browser import TIMEOUT_MS, Axe, current_code, sign_in_with_password

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

browser = gap_map_browser_fixtures.browser
audit_log_flushable = gap_map_browser_fixtures.audit_log_flushable
_audit_guards_restored = gap_map_browser_fixtures._audit_guards_restored

DOCS = "/api/v1/docs/"


def _context(browser: Browser, *, bypass_csp: bool) -> BrowserContext:
    context = browser.new_context(locale="en-GB", bypass_csp=bypass_csp)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def axe_page(browser: Browser) -> Iterator[Page]:
    """CSP is bypassed only so that axe can be injected into the page."""
    context = _context(browser, bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def practitioner(cast_committed: dict[str, User]) -> User:
    return cast_committed["practitioner"]


def _signed_in(page: Page, base: str, user: User) -> None:
    sign_in_with_password(page, base, user)
    page.get_by_label("Code", exact=True).fill(current_code(user))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base + "/en/work/")


def test_a_practitioner_reads_the_api_documentation(
    live_server: LiveServer, axe_page: Page, practitioner: User
) -> None:
    base, page, axe = live_server.url, axe_page, Axe()
    _signed_in(page, base, practitioner)

    page.get_by_role("contentinfo").get_by_role("link", name="API documentation").click()
    page.wait_for_url(base + DOCS)
    expect(page.get_by_role("heading", level=1)).to_have_text("API documentation")
    axe.check(page, "API documentation (English)")

    # The contents lead to each operation, whose request body is listed field by field.
    contents = page.get_by_role("navigation", name="Contents")
    contents.get_by_role("link", name="Make a referral", exact=True).click()
    page.wait_for_url(base + DOCS + "#referrals_create")
    heading = page.get_by_role("heading", name="Make a referral", level=3)
    expect(heading).to_be_in_viewport()
    request = page.get_by_role("table", name=re.compile(r"^Make a referral, request body: A JSON object"))
    expect(request.get_by_role("rowheader", name="person.given_name", exact=True)).to_be_visible()
    expect(request.get_by_role("rowheader", name="children[].school", exact=True)).to_be_visible()
    expect(page.get_by_role("table", name=re.compile(r"^Make a referral: 201 Created"))).to_be_visible()

    # The raw document is one link away, served to the same signed-in session.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the OpenAPI document (JSON)").click()
    assert download.value.suggested_filename.endswith(".json")
    assert '"openapi"' in download.value.path().read_text(encoding="utf-8")

    # Welsh and back, with the header's link: the page keeps its address and changes language.
    page.get_by_role("link", name="Cymraeg").click()
    page.wait_for_url(base + DOCS + "?lang=cy")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    axe.check(page, "API documentation (Welsh)")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(base + DOCS + "?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    axe.assert_clean()


def test_the_page_needs_nothing_from_elsewhere(
    live_server: LiveServer, browser: Browser, practitioner: User
) -> None:
    """Under the enforced CSP, with every request off this server refused: nothing is missing or refused."""
    base = live_server.url
    context = _context(browser, bypass_csp=False)
    problems: list[str] = []
    outside: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    def refuse(route: Route) -> None:
        outside.append(route.request.url)
        route.abort()

    try:
        context.route(re.compile(r"^(?!" + re.escape(base) + r")"), refuse)
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        _signed_in(page, base, practitioner)
        response = page.goto(base + DOCS)
        assert response is not None and response.status == 200
        expect(page.get_by_role("heading", level=1)).to_have_text("API documentation")
        page.wait_for_load_state("networkidle")
        assert problems == [], "\n".join(problems)
        assert outside == []
    finally:
        context.close()
