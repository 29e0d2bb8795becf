"""Browser test of the referral journey, from intake to the gap map, and of the public self-referral form.
As the demo's cast, and a police officer at its force (the cast has no police practitioner).

A social worker refers a man; triage ranks CLEAR first and says why Drive is ruled out; sending him to CLEAR
refers his partner to RISE. RISE's IDVA sees the partner's contact details (with a purpose given); CLEAR sees
the man's referral but none of the partner's or child's sealed details, and the partner's record is "not
found" for it. A police officer's referral that nothing fits is recorded as unmet need, and the
commissioner sees it on the gap map. CLEAR links a step up to the man's open referral to Drive rather
than referring him twice. axe-core checks every page on the way.

Chromium, the live-server database fixture and the axe helper are those of the gap-map browser test.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.factories import PASSWORD, actor_of, agency_of, make_staff
from pathways.insights.tests import conftest as gap_map_browser_fixtures
from pathways.insights.tests.test_browser import TIMEOUT_MS, Axe, current_code
from pathways.referrals import public, services
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import refer

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

# Chromium for this module, and the fixtures that let the live server's database be emptied after each test
# (the audit log refuses deletes): the gap-map browser test's, shared by reference rather than moved.
chromium = gap_map_browser_fixtures.browser
audit_log_flushable = gap_map_browser_fixtures.audit_log_flushable
_audit_guards_restored = gap_map_browser_fixtures._audit_guards_restored

# Sealed details that only the partner's own support service may ever see.
PARTNER_PHONE = "07700 900777"
PARTNER_ADDRESS = "9 Canary Lane"
CHILD_SCHOOL = "Canary Lane Primary School"
CANARIES = (PARTNER_PHONE, PARTNER_ADDRESS, CHILD_SCHOOL)

REFERRAL_URL = re.compile(r"/en/referrals/[0-9a-f-]{36}/$")
PERSON_URL = re.compile(r"/en/people/[0-9a-f-]{36}/$")
REFERENCE = re.compile(r"^PW-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


# --- fixtures -----------------------------------------------------------------------------------------


SignIn = Callable[[User], Page]


@pytest.fixture
def new_context(chromium: Browser) -> Iterator[Callable[[], BrowserContext]]:
    """Fresh browser contexts (one per person), closed at the end. CSP is bypassed only to inject axe."""
    opened: list[BrowserContext] = []

    def build() -> BrowserContext:
        context = chromium.new_context(locale="en-GB", bypass_csp=True)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        opened.append(context)
        return context

    yield build
    for context in opened:
        context.close()


@pytest.fixture
def sign_in(live_server: LiveServer, new_context: Callable[[], BrowserContext]) -> SignIn:
    """A page in its own browser context, signed in through the sign-in pages with password and, for a
    login that has one (every role but the commissioner's), the code."""

    def build(user: User) -> Page:
        base = live_server.url
        page = new_context().new_page()
        page.goto(base + "/en/sign-in/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            page.wait_for_url(base + "/en/sign-in/code/")
            page.get_by_label("Code", exact=True).fill(current_code(user))
            page.get_by_role("button", name="Continue").click()
        page.wait_for_url(lambda url: "/sign-in/" not in url)  # the first page of the user's role
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return page

    return build


@pytest.fixture
def axe() -> Axe:
    return Axe()


# --- helpers ------------------------------------------------------------------------------------------


def open_menu(page: Page, base: str, label: str, path: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=label, exact=True).click()
    page.wait_for_url(base + path)


def referral_table(page: Page) -> Locator:
    """The list page's table of referrals."""
    return page.locator("#referral-table")


def choose(page: Page, question: str, answer: str) -> None:
    """Answer a question asked as GOV.UK radios: none starts chosen."""
    page.get_by_role("group", name=question, exact=True).get_by_label(answer, exact=True).check()


# The questions about behaviour and history, each answered "No" in these journeys.
NO_CONCERNS = (
    "Has the case been heard at MARAC?",
    "Is their behaviour entrenched?",
    "Do they have previous convictions or court orders?",
    "Have they abused more than one partner?",
    "Are there mutual or counter-allegations of violence?",
    "Are there concerns about sexual harm?",
)


def post_with(page: Page, button: str) -> None:
    """Press a form's submit button; a server error fails here, naming the request, not at a later check."""
    with page.expect_event("load"), page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name=button, exact=True).click()
    response = posted.value
    assert response.status < 500, f"POST {response.url} answered {response.status} {response.status_text}"


def success_banner(page: Page) -> Locator:
    return page.locator(".govuk-notification-banner--success")


def fill_person(page: Page, *, given: str, family: str, gender: str, area: str) -> None:
    # The person's name fields share their labels with the children's, so these two go by id.
    page.locator("#id_given_name").fill(given)
    page.locator("#id_family_name").fill(family)
    choose(page, "Gender", gender)
    page.get_by_label("Where they live").select_option(label=area)
    choose(page, "Preferred language", "English")
    choose(page, "Work pattern", "Not known")


def fill_referral(page: Page, *, route: str, risk: str, reason: str | None) -> None:
    choose(page, "How the referral comes", route)
    choose(page, "Known risk", risk)
    if reason is not None:
        page.get_by_label("Why you are referring").fill(reason)
    for question in NO_CONCERNS:
        choose(page, question, "No")


def assert_no_canaries(page: Page, where: str) -> None:
    source = page.content()
    leaked = [canary for canary in CANARIES if canary in source]
    assert not leaked, f"{where} ({page.url}) shows sealed details: {leaked}"


# --- tests --------------------------------------------------------------------------------------------


def test_referral_journey(
    live_server: LiveServer, sign_in: SignIn, axe: Axe, cast_committed: dict[str, User]
) -> None:
    base = live_server.url
    social_worker, idva, commissioner = (cast_committed[n] for n in ("socialworker", "idva", "commissioner"))
    clear_worker = cast_committed["practitioner"]  # CLEAR's facilitator
    officer = make_staff(agency_of(cast_committed["chair"]))  # a constable at the chair's force

    # 1. The social worker makes a referral: first without a reason, to see the error summary.
    page = sign_in(social_worker)
    open_menu(page, base, "Referrals", "/en/referrals/")
    page.get_by_role("link", name="Make a referral").click()
    page.wait_for_url(base + "/en/referrals/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a referral")
    axe.check(page, "referral form (empty)")

    fill_person(page, given="Gareth", family="Pryce", gender="Man", area="Cardiff")
    fill_referral(page, route="Children's services", risk="Standard", reason=None)
    page.get_by_label("Partner's first name").fill("Carys")
    page.get_by_label("Partner's last name").fill("Pryce")
    choose(page, "Partner's gender", "Woman")
    page.get_by_label("Relationship", exact=True).select_option(label="Current partner")
    page.get_by_label("Partner's phone").fill(PARTNER_PHONE)
    page.get_by_label("Partner's address").fill(f"{PARTNER_ADDRESS}\nCardiff CF10 1AA")
    child = page.get_by_role("group", name="Child 1")
    child.get_by_label("First name").fill("Mali")
    child.get_by_label("Last name").fill("Pryce")
    child.get_by_label("School or nursery").fill(CHILD_SCHOOL)
    post_with(page, "Send referral")

    assert page.url == base + "/en/referrals/new/"
    expect(page).to_have_title(re.compile(r"^Error: Make a referral"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_reason")
    expect(page.get_by_label("Why you are referring")).to_have_attribute(
        "aria-describedby", re.compile(r"\bid_reason-error\b")
    )
    expect(page.get_by_label("Partner's phone")).to_have_value(PARTNER_PHONE)  # what was typed is kept
    axe.check(page, "referral form (reason missing)")

    page.get_by_label("Why you are referring").fill(
        "Children's services assessment: controlling behaviour towards his partner."
    )
    post_with(page, "Send referral")
    page.wait_for_url(REFERRAL_URL)
    referral_url = page.url
    expect(success_banner(page)).to_contain_text("Now choose a service.")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Referral PW-"))
    reference = heading.inner_text().removeprefix("Referral ").strip()
    assert REFERENCE.match(reference), reference
    expect(page.locator("#referral-status")).to_have_text("Received")

    # 2. Triage: CLEAR first, with its reasons; Drive ruled out because the case has not been to MARAC.
    first = page.locator("#triage-fits > li").first
    expect(first).to_have_attribute("data-service", "clear")
    for reason in ("Covers Cardiff", "Takes men", "Takes referrals from Children's services"):
        expect(first).to_contain_text(reason)
    drive = page.locator('#triage-ruled-out tr[data-service="drive-cardiff"]')
    expect(drive).to_contain_text("Takes referrals only through MARAC, and this case has not been to MARAC")
    axe.check(page, "referral detail (before choosing)")

    first.get_by_role("radio").check()
    post_with(page, "Send to the chosen service")

    # 3. Sent to CLEAR; the partner is referred to RISE at the same time.
    assert page.url == referral_url
    expect(success_banner(page)).to_contain_text("Referral sent to CLEAR")
    expect(page.locator("#referral-status")).to_have_text("Sent to a service")
    expect(page.locator("#referral-service")).to_contain_text("CLEAR")
    expect(page.locator("#partner-referral")).to_contain_text("RISE Cardiff")
    expect(page.get_by_role("button", name="Send to the chosen service")).to_have_count(0)
    axe.check(page, "referral detail (after choosing)")

    # 4. RISE's IDVA finds the partner's referral and, giving a purpose, sees her contact details.
    page = sign_in(idva)
    open_menu(page, base, "Referrals", "/en/referrals/")
    received = referral_table(page)
    partner_row = received.locator("tbody tr").filter(has_text="Partner support")
    expect(partner_row).to_have_count(1)
    expect(partner_row).to_contain_text("RISE Cardiff")
    expect(received).not_to_contain_text(reference)  # the man's referral is not RISE's
    axe.check(page, "referral list (RISE)")

    partner_row.get_by_role("link").click()
    page.wait_for_url(REFERRAL_URL)
    expect(page.locator(".govuk-caption-l")).to_have_text("Support for a partner or ex-partner")
    expect(page.locator("#referral-service")).to_contain_text("RISE Cardiff")
    axe.check(page, "partner referral detail (RISE)")

    page.get_by_role("link", name="Carys Pryce").click()
    page.wait_for_url(PERSON_URL)
    partner_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Carys Pryce")
    expect(page.locator("main")).not_to_contain_text(PARTNER_PHONE)
    axe.check(page, "person detail (before reveal)")

    page.get_by_label("Why do you need to see these details?").fill("To arrange a safe time to call her")
    post_with(page, "Show contact details")
    page.wait_for_url(partner_url + "sealed/")
    sealed = page.locator("#sealed-details")
    expect(sealed).to_contain_text(PARTNER_PHONE)
    expect(sealed).to_contain_text(PARTNER_ADDRESS)
    axe.check(page, "person detail (after reveal)")

    # 5. CLEAR sees the man's referral and nothing sealed; the partner's record does not exist for it.
    page = sign_in(clear_worker)
    open_menu(page, base, "Referrals", "/en/referrals/")
    received = referral_table(page)
    expect(received.get_by_role("link", name=reference)).to_be_visible()
    expect(received.locator("tbody tr")).to_have_count(1)
    assert_no_canaries(page, "CLEAR's referral list")
    axe.check(page, "referral list (CLEAR)")

    received.get_by_role("link", name=reference).click()
    page.wait_for_url(referral_url)
    expect(page.locator("#partner-referral")).to_contain_text("RISE Cardiff")
    expect(page.locator(f'a[href$="{partner_url.removeprefix(base)}"]')).to_have_count(0)
    assert_no_canaries(page, "CLEAR's referral detail")
    axe.check(page, "referral detail (CLEAR)")

    page.get_by_role("link", name="Gareth Pryce").click()
    page.wait_for_url(PERSON_URL)
    man_url = page.url
    assert_no_canaries(page, "CLEAR's view of the man's record")
    axe.check(page, "person detail (CLEAR)")
    # CLEAR may see his own contact details, to contact him; never hers.
    page.get_by_label("Why do you need to see these details?").fill("To arrange his first session")
    post_with(page, "Show contact details")
    page.wait_for_url(man_url + "sealed/")
    expect(page.locator("#sealed-details")).to_be_visible()
    assert_no_canaries(page, "CLEAR's reveal of the man's details")
    axe.check(page, "person detail (CLEAR, his details revealed)")

    response = page.goto(partner_url)
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_no_canaries(page, "CLEAR's attempt at the partner's record")
    axe.check(page, "not found (CLEAR, partner's record)")

    # 6. A police officer's referral that no service fits is recorded as unmet need.
    page = sign_in(officer)
    open_menu(page, base, "Referrals", "/en/referrals/")
    page.get_by_role("link", name="Make a referral").click()
    page.wait_for_url(base + "/en/referrals/new/")
    fill_person(page, given="Sian", family="Bevan", gender="Woman", area="Vale of Glamorgan")
    fill_referral(page, route="Police", risk="Medium", reason="Repeat call-outs; she asked for help.")
    post_with(page, "Send referral")
    page.wait_for_url(REFERRAL_URL)
    expect(page.locator("#triage-fits")).to_have_count(0)
    expect(page.locator(".govuk-warning-text")).to_contain_text("No service in the region can take")
    unmet = page.get_by_role("button", name="Record unmet need")
    expect(unmet).to_be_visible()
    axe.check(page, "referral detail (nothing fits)")

    post_with(page, "Record unmet need")
    expect(success_banner(page)).to_contain_text("Recorded as unmet need. It now shows on the gap map.")
    expect(page.locator("#referral-status")).to_have_text("No service fits: unmet need")
    expect(page.get_by_role("button", name="Record unmet need")).to_have_count(0)
    axe.check(page, "referral detail (unmet need recorded)")

    # 7. The commissioner sees it on the gap map, and still with the filter for women.
    page = sign_in(commissioner)
    expect(page.get_by_role("heading", level=1)).to_have_text("Gap map")
    vale_medium = page.locator('#gap-map-table td[data-area="vale-of-glamorgan"][data-tier="medium_risk"]')
    expect(vale_medium).to_contain_text("Unmet need: fewer than 5 referrals")
    axe.check(page, "gap map (commissioner)")

    with page.expect_response(
        lambda r: "group=women" in r.url and r.request.header_value("hx-request") == "true"
    ):
        page.get_by_label("Women", exact=True).check()
    expect(page.locator("#gap-map")).to_contain_text("Showing services known to take: Women")
    expect(vale_medium).to_contain_text("Unmet need: fewer than 5 referrals")
    axe.check(page, "gap map filtered for women (commissioner)")

    axe.assert_clean()


def test_public_self_referral(
    live_server: LiveServer, new_context: Callable[[], BrowserContext], axe: Axe
) -> None:
    base = live_server.url
    page = new_context().new_page()

    page.goto(base + "/en/referrals/self-referral/")
    loaded = time.monotonic()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for help with your behaviour")
    expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)
    axe.check(page, "self-referral form")

    page.get_by_label("Your first name").fill("Rhys")
    page.get_by_label("Your last name").fill("Llewellyn")
    choose(page, "Your gender", "Man")
    choose(page, "Where you live", "Cardiff")
    choose(page, "Language you would like to use", "English")
    page.get_by_label("Your phone number").fill("07700 900123")
    page.get_by_label("What would you like help with?").fill("I shout at my partner and I want to stop.")
    page.get_by_label("Your partner's or ex-partner's first name").fill("Bethan")
    page.get_by_label("Their last name").fill("Canary")
    page.get_by_label("Their phone number").fill(PARTNER_PHONE)
    page.get_by_label("I agree that a service may contact me").check()

    # The form refuses anything sent within MIN_SECONDS of it being shown (scripts are quicker than people),
    # so this is the one place the test waits for time to pass rather than for something on the page.
    remaining_ms = (public.MIN_SECONDS + 0.5 - (time.monotonic() - loaded)) * 1000
    if remaining_ms > 0:
        page.wait_for_timeout(remaining_ms)
    post_with(page, "Send")
    page.wait_for_url(base + "/en/referrals/self-referral/sent/")

    panel = page.locator(".govuk-panel--confirmation")
    expect(panel.get_by_role("heading", level=1)).to_have_text("Your request has been sent")
    expect(panel.locator("#reference")).to_have_text(REFERENCE)
    source = page.content()
    for partner_detail in ("Bethan", "Canary", PARTNER_PHONE):
        assert partner_detail not in source, f"the confirmation page shows {partner_detail!r}"
    expect(page.locator("main")).not_to_contain_text(re.compile("partner", re.IGNORECASE))
    expect(page.locator("#what-next")).to_contain_text("Your request has gone to CLEAR")
    axe.check(page, "self-referral sent")

    # Behind the page, triage sent it to CLEAR, and the partner to RISE.
    referral = Referral.objects.select_related("service").get(
        reference=panel.locator("#reference").inner_text()
    )
    assert referral.route == "self" and referral.service is not None and referral.service.slug == "clear"
    partner_services = referral.partner_referrals.values_list("service__slug", flat=True)
    assert list(partner_services) == ["rise-cardiff"]

    page.goto(base + "/cy/referrals/self-referral/")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    axe.check(page, "self-referral form (Welsh)")

    axe.assert_clean()


def test_step_up_linked_to_the_referral_he_already_has(
    live_server: LiveServer, sign_in: SignIn, axe: Axe, cast_committed: dict[str, User]
) -> None:
    """CLEAR steps a man up while CLEAR's own MARAC referral of him to Drive is open: the step page offers
    that referral, nothing chosen, and linking it makes no second referral; Drive reads the handover."""
    base = live_server.url
    sw, clear = actor_of(cast_committed["socialworker"]), actor_of(cast_committed["practitioner"])
    original = services.referral_service_choose(actor=sw, referral=refer(sw), service_slug="clear")
    for status in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        original = services.referral_advance(actor=clear, referral=original, to=status)
    marac = services.referral_create(
        actor=clear,
        data=services.ReferralInput(
            route="marac",
            reason="MARAC action: referred to Drive.",
            risk_level="high",
            been_to_marac=True,
            existing_person=original.person,
        ),
    )
    existing = services.referral_service_choose(actor=clear, referral=marac, service_slug="drive-cardiff")
    handover = "Risk has risen since MARAC; Drive already has his referral."

    page = sign_in(cast_committed["practitioner"])
    page.goto(base + original.get_absolute_url())
    page.get_by_role("link", name="Step up or step down to another service").click()
    page.wait_for_url(base + f"/en/referrals/{original.pk}/step/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Step up or step down")
    where = page.get_by_role("group", name="Which referral does the step go to?", exact=True)
    option = where.get_by_label(f"{existing.reference}, Drive Cardiff: Sent to a service", exact=True)
    expect(option).not_to_be_checked()
    expect(where.get_by_label("Make a new referral", exact=True)).not_to_be_checked()
    axe.check(page, "step page (an existing referral to choose)")

    choose(page, "Step", "Step up")
    choose(page, "Risk now", "High")
    choose(page, "Has the case been heard at MARAC?", "Yes")
    page.get_by_label("Handover note for the next service").fill(handover)
    post_with(page, "Record the step")
    expect(page).to_have_title(re.compile(r"^Error: Step up or step down"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select the referral the step goes to, or Make a new referral")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_existing_0")
    axe.check(page, "step page (no referral chosen)")

    option.check()
    post_with(page, "Record the step")
    page.wait_for_url(base + existing.get_absolute_url())
    expect(success_banner(page)).to_contain_text(f"The step is recorded on referral {existing.reference}")
    expect(page.locator("#step-from")).to_contain_text(original.reference)
    expect(page.locator("#step-from")).to_contain_text(handover)
    axe.check(page, "referral detail (a step linked to it)")
    assert Referral.objects.filter(person=original.person).count() == 2  # no second referral

    page.goto(base + original.get_absolute_url())
    expect(page.locator("#step-to")).to_contain_text(f"Linked to referral {existing.reference}")
    axe.check(page, "referral detail (the step linked from it)")

    page = sign_in(cast_committed["drive"])
    page.goto(base + existing.get_absolute_url())
    expect(page.locator("#step-from")).to_contain_text(handover)
    expect(page.locator("#history-before")).to_contain_text("Started")
    axe.check(page, "referral detail (Drive, the step linked to its referral)")

    axe.assert_clean()
