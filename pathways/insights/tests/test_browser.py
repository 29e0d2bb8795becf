"""Browser tests: sign in with the second factor, switch language, browse and filter the gap map, sign out.

Playwright drives Debian's Chromium against pytest-django's live server. axe-core checks every page the
journey visits for serious and critical WCAG 2.2 AA problems. The axe contexts bypass the CSP only so that
axe can be injected; `test_the_app_works_under_its_csp` checks the app itself with the CSP enforced.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

AXE_JS = Path(settings.BASE_DIR) / "pathways" / "static" / "dist" / "test" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WELSH_PO = Path(settings.BASE_DIR) / "pathways" / "locale" / "cy" / "LC_MESSAGES" / "django.po"
TIMEOUT_MS = 15_000

GAP_MAP = "/en/insights/gap-map/"


# --- fixtures -----------------------------------------------------------------------------------------


def _new_context(browser: Browser, **options: Any) -> BrowserContext:
    context = browser.new_context(locale="en-GB", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def axe_context(browser: Browser) -> Iterator[BrowserContext]:
    """CSP is bypassed only so that axe can be injected into the page."""
    context = _new_context(browser, bypass_csp=True)
    yield context
    context.close()


@pytest.fixture
def page(axe_context: BrowserContext) -> Page:
    return axe_context.new_page()


@pytest.fixture
def practitioner(cast_committed: dict[str, User]) -> User:
    """The cast's CLEAR practitioner. The live server needs the database committed, so the cast is loaded
    for each test rather than once for the module."""
    return cast_committed["practitioner"]


# --- helpers ------------------------------------------------------------------------------------------


def _totp(device: TOTPDevice, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():0{device.digits}d}"


def current_code(user: User) -> str:
    return _totp(TOTPDevice.objects.get(user=user, confirmed=True))


def wrong_code(user: User) -> str:
    """A 6-digit code that is certainly not accepted now (nor in the steps either side of now)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    now = time.time()
    valid = {_totp(device, now + k * device.step) for k in range(-3, 4)}
    return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in valid)


AXE_RUN = """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(result =>
    result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map(n => ({
            target: n.target.join(' '),
            html: n.html,
            why: [...n.any, ...n.all, ...n.none].map(c => c.message).join('; '),
        })),
    })))"""


class Axe:
    """axe-core on each page: `axe.check(page, "label")`, then `axe.assert_clean()` at the end of the test.

    Every page's serious and critical violations (or, with `every_impact`, all of them) are printed as soon
    as they are found and collected, so that one run names every problem on every page rather than stopping
    at the first page with one.
    """

    def __init__(self, *, every_impact: bool = False) -> None:
        self.checked: list[str] = []
        self.reports: list[str] = []
        self.every_impact = every_impact

    def check(self, page: Page, label: str) -> None:
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE_JS))
        violations: list[dict[str, Any]] = page.evaluate(AXE_RUN, AXE_TAGS)
        self.checked.append(label)
        reported = [v for v in violations if self.every_impact or v["impact"] in ("serious", "critical")]
        if not reported:
            return
        kind = "" if self.every_impact else " serious/critical"
        lines = [f"axe: {len(reported)}{kind} violation(s) on {label} ({page.url}):"]
        for v in reported:
            lines.append(f"  {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
            for node in v["nodes"]:
                lines.append(f"    {node['target']}: {node['html'][:160]}")
                lines.append(f"      {node['why']}")
        report = "\n".join(lines)
        print(report)
        self.reports.append(report)

    def assert_clean(self) -> None:
        assert not self.reports, "\n\n".join(self.reports)


@pytest.fixture
def axe() -> Axe:
    return Axe()


def welsh_gap_map_heading() -> str | None:
    """The Welsh for "Gap map" from the catalogue, or None while the catalogue does not translate it."""
    if not WELSH_PO.exists():
        return None
    for entry in WELSH_PO.read_text(encoding="utf-8").split("\n\n"):
        if re.search(r'^msgid "Gap map"$', entry, re.MULTILINE) and "#, fuzzy" not in entry:
            match = re.search(r'^msgstr ((?:".*"\n?)+)', entry, re.MULTILINE)
            text = "".join(re.findall(r'"(.*)"', match.group(1))) if match else ""
            return text or None
    return None


def cell(page: Page, tier: str, area: str) -> Any:
    return page.locator(f'#gap-map-table td[data-tier="{tier}"][data-area="{area}"]')


def sign_in_with_password(page: Page, base: str, user: User) -> None:
    page.goto(base + "/en/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base + "/en/sign-in/code/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")


# --- tests --------------------------------------------------------------------------------------------


def test_practitioner_journey(
    live_server: LiveServer, page: Page, browser: Browser, practitioner: User, axe: Axe
) -> None:
    base = live_server.url

    # Home page, then the start button to the sign-in page.
    page.goto(base + "/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    axe.check(page, "home")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/en/sign-in/")
    axe.check(page, "sign-in")

    # Password, then the second factor.
    page.get_by_label("Username").fill(practitioner.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(base + "/en/sign-in/code/")
    axe.check(page, "code page")
    page.get_by_label("Code", exact=True).fill(current_code(practitioner))
    page.get_by_role("button", name="Continue").click()
    # A practitioner starts from their work; the gap map is one link away.
    page.wait_for_url(base + "/en/work/")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Gap map").click()
    page.wait_for_url(base + GAP_MAP)
    expect(page.get_by_role("heading", level=1)).to_have_text("Gap map")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe.check(page, "gap map (English)")

    # Welsh and back, with the header link.
    page.get_by_role("link", name="Cymraeg").click()
    page.wait_for_url(base + "/cy/insights/gap-map/")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    welsh = welsh_gap_map_heading()
    if welsh is not None:
        expect(page.get_by_role("heading", level=1)).to_have_text(welsh)
    axe.check(page, "gap map (Welsh)")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(base + GAP_MAP)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gap map")

    # The region has no medium-risk service in either of its areas; CLEAR is Cardiff's early intervention.
    for area in ("cardiff", "vale-of-glamorgan"):
        expect(cell(page, "medium_risk", area)).to_contain_text("No services")
    early_cardiff = cell(page, "early_intervention", "cardiff")
    expect(early_cardiff.get_by_role("link", name=re.compile(r"^CLEAR"))).to_be_visible()

    # Filter for women: htmx updates the map on change; "Show gaps" submits the same form as a page.
    women = page.get_by_label("Women", exact=True)
    with page.expect_response(
        lambda r: "group=women" in r.url and r.request.header_value("hx-request") == "true"
    ):
        women.check()
    expect(early_cardiff).not_to_contain_text("CLEAR")
    with page.expect_response(
        lambda r: r.request.resource_type == "document" and "group=women" in r.url and r.status == 200
    ):
        page.get_by_role("button", name="Show gaps").click()
    page.wait_for_load_state("load")
    expect(page.get_by_label("Women", exact=True)).to_be_checked()
    expect(page.locator("#gap-map")).to_contain_text("Showing services known to take: Women")
    expect(early_cardiff).not_to_contain_text("CLEAR")
    for area in ("cardiff", "vale-of-glamorgan"):
        expect(cell(page, "medium_risk", area)).to_contain_text("No services")
    axe.check(page, "gap map filtered for women")

    # The same filter works with JavaScript turned off (same session, no htmx).
    no_js = _new_context(browser, java_script_enabled=False, storage_state=page.context.storage_state())
    try:
        plain = no_js.new_page()
        plain.goto(base + GAP_MAP)
        plain.get_by_label("Women", exact=True).check()
        plain.get_by_role("button", name="Show gaps").click()
        plain.wait_for_url(re.compile(r"group=women"))
        expect(plain.get_by_label("Women", exact=True)).to_be_checked()
        expect(cell(plain, "early_intervention", "cardiff")).not_to_contain_text("CLEAR")
    finally:
        no_js.close()

    # The service list, then a service opened from the (unfiltered) map.
    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Services").click()
    page.wait_for_url(base + "/en/services/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Services")
    axe.check(page, "service list")
    menu.get_by_role("link", name="Gap map").click()
    page.wait_for_url(base + GAP_MAP)
    early_cardiff.get_by_role("link", name=re.compile(r"^CLEAR")).click()
    page.wait_for_url(base + "/en/services/clear/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("CLEAR")
    axe.check(page, "service detail (CLEAR)")

    # The account page.
    menu.get_by_role("link", name="Your account").click()
    page.wait_for_url(base + "/en/account/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    username_row = page.locator(".govuk-summary-list__row", has=page.locator("dt", has_text="Username"))
    expect(username_row.locator("dd")).to_have_text(practitioner.username)
    axe.check(page, "account page")

    # Sign out posts a form; afterwards a protected page sends the browser back to sign in.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(base + "/en/sign-in/")
    expect(page.get_by_role("alert")).to_contain_text("You have signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    axe.check(page, "signed out")
    page.goto(base + GAP_MAP)
    page.wait_for_url(base + "/en/sign-in/?next=" + GAP_MAP)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Pathways")

    assert axe.checked == [
        "home",
        "sign-in",
        "code page",
        "gap map (English)",
        "gap map (Welsh)",
        "gap map filtered for women",
        "service list",
        "service detail (CLEAR)",
        "account page",
        "signed out",
    ]
    axe.assert_clean()


def test_wrong_code_is_refused(live_server: LiveServer, page: Page, practitioner: User, axe: Axe) -> None:
    base = live_server.url
    sign_in_with_password(page, base, practitioner)

    page.get_by_label("Code", exact=True).fill(wrong_code(practitioner))
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")

    # The code page again (no redirect), with a GOV.UK error summary that names the problem and has focus.
    assert posted.value.status == 200
    assert page.url == base + "/en/sign-in/code/"
    expect(page).to_have_title(re.compile(r"^Error: Enter your code"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(re.compile(r"^That code is not right"))
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_code")
    expect(page.locator("#id_code-error")).to_contain_text("That code is not right")
    expect(page.get_by_label("Code", exact=True)).to_have_attribute("aria-invalid", "true")
    axe.check(page, "code page with an error")

    # Nothing else happened: no menu, and protected pages still ask for the code.
    expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)
    page.goto(base + GAP_MAP)
    page.wait_for_url(base + "/en/sign-in/code/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    axe.assert_clean()


def test_the_app_works_under_its_csp(live_server: LiveServer, browser: Browser, practitioner: User) -> None:
    """No CSP bypass here: GOV.UK Frontend and htmx must run, and nothing may be refused by the policy."""
    base = live_server.url
    context = _new_context(browser)
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text}")

    try:
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

        sign_in_with_password(page, base, practitioner)
        page.get_by_label("Code", exact=True).fill(current_code(practitioner))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(base + "/en/work/")
        page.goto(base + GAP_MAP)

        # GOV.UK Frontend's module script ran (it marks the components it starts).
        expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
        expect(page.locator(".govuk-skip-link[data-govuk-skip-link-init]")).to_have_count(1)

        # htmx runs and updates the map in place.
        with page.expect_response(
            lambda r: "group=women" in r.url and r.request.header_value("hx-request") == "true"
        ):
            page.get_by_label("Women", exact=True).check()
        expect(cell(page, "early_intervention", "cardiff")).not_to_contain_text("CLEAR")
        page.wait_for_url(re.compile(r"group=women"))
        assert problems == [], "\n".join(problems)
    finally:
        context.close()
