"""Browser test of a referral walked from desk to desk, through the pages only, as the demo's cast.

A social worker refers a man with a female partner. Sent with every choice left as it comes, the form names
each choice still to make, and each link in its error summary goes to its question. Completed, the man goes
to CLEAR with his own phone number, and his partner, with hers, to RISE. The social worker then corrects the
partner's details and is told what triage made of the correction. CLEAR's facilitator sees the man's phone
and never the partner's, old or new. A self-referral from the Vale of Glamorgan, where no service can take
it, reaches the intake team's queue. A medium-risk referral shows the tier it needs, and placed with CLEAR
(a lower tier) it counts as placed below need on the commissioner's gap map. Last, CLEAR steps the man up
to Drive after MARAC; Drive receives him, and each referral names the other.

axe-core checks every page on the way, and any violation, of whatever impact, fails the test.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.insights.tests import conftest as browser_fixtures
from pathways.insights.tests.test_browser import Axe
from pathways.referrals import public
from pathways.referrals.tests import test_browser_journey as journey

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

chromium = browser_fixtures.browser
audit_log_flushable = browser_fixtures.audit_log_flushable
_audit_guards_restored = browser_fixtures._audit_guards_restored
new_context = journey.new_context
sign_in = journey.sign_in

MAN_PHONE = "07700 900456"
# The partner's number as first typed, one digit wrong, and as corrected: CLEAR may never see either.
PARTNER_PHONE_TYPED = "07700 900787"
PARTNER_PHONE = "07700 900777"
PARTNER_PHONES = (PARTNER_PHONE_TYPED, PARTNER_PHONE)

REFERRAL_URL = re.compile(r"/en/referrals/[0-9a-f-]{36}/$")
PERSON_URL = re.compile(r"/en/people/[0-9a-f-]{36}/$")
REFERENCE = re.compile(r"PW-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}")

# Every choice the referral form leaves for the referrer to make, in the order of the page: its question
# and the error that names it when it is left as it comes.
CHOICES = (
    ("Gender", "Select their gender, or Not known"),
    ("Where they live", "Select where they live, or Not known"),
    ("Preferred language", "Select their preferred language"),
    ("Work pattern", "Select their work pattern, or Not known"),
    ("How the referral comes", "Select how the referral comes"),
    ("Known risk", "Select the known risk, or Not known"),
    ("Has the case been heard at MARAC?", "Select whether the case has been heard at MARAC"),
    ("Is their behaviour entrenched?", "Select whether their behaviour is entrenched, or Not known"),
    (
        "Do they have previous convictions or court orders?",
        "Select whether they have previous convictions or court orders, or Not known",
    ),
    (
        "Have they abused more than one partner?",
        "Select whether they have abused more than one partner, or Not known",
    ),
    (
        "Are there mutual or counter-allegations of violence?",
        "Select whether there are mutual or counter-allegations of violence, or Not known",
    ),
    (
        "Are there concerns about sexual harm?",
        "Select whether there are concerns about sexual harm, or Not known",
    ),
    ("Partner's gender", "Select the partner's gender, or Not known"),
)
SELECTS = {"Where they live"}  # the one choice asked as a drop-down rather than as radios


@pytest.fixture
def axe() -> Axe:
    """Every violation fails, whatever its impact."""
    return Axe(every_impact=True)


# --- helpers ------------------------------------------------------------------------------------------


def info_messages(page: Page) -> Locator:
    """The messages of the "Important" banners (those that are not success banners)."""
    banners = page.locator(".govuk-notification-banner:not(.govuk-notification-banner--success)")
    return banners.locator(".govuk-notification-banner__heading")


def reference_of(page: Page) -> str:
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Referral PW-"))
    return heading.inner_text().removeprefix("Referral ").strip()


def choose_service(page: Page, name: str) -> None:
    """Tick the triage option whose label names the service (each label is "<rank>. <name>")."""
    page.locator("#triage-fits").get_by_role("radio", name=re.compile(rf"^\d+\. {re.escape(name)}")).check()
    journey.post_with(page, "Send to the chosen service")


def assert_no_partner_phone(page: Page, where: str) -> None:
    source = page.content()
    shown = [phone for phone in PARTNER_PHONES if phone in source]
    assert not shown, f"{where} ({page.url}) shows the partner's phone: {shown}"


def refer_man(
    page: Page,
    *,
    given: str,
    family: str,
    phone: str,
    risk: str,
    partner: tuple[str, str],
    partner_phone: str,
) -> None:
    """The referral form filled in for a man in Cardiff with a female partner, from children's services;
    nothing is known of mutual allegations, and every other question about his history is answered "No"."""
    page.locator("#id_given_name").fill(given)
    page.locator("#id_family_name").fill(family)
    journey.choose(page, "Gender", "Man")
    page.get_by_label("Where they live").select_option(label="Cardiff")
    journey.choose(page, "Preferred language", "English")
    journey.choose(page, "Work pattern", "Not known")
    page.get_by_label("Their phone", exact=True).fill(phone)
    journey.choose(page, "How the referral comes", "Children's services")
    page.get_by_label("Why you are referring").fill(
        "Children's services assessment: he controls his partner."
    )
    journey.choose(page, "Known risk", risk)
    for question in journey.NO_CONCERNS:
        answer = "Not known" if question.startswith("Are there mutual") else "No"
        journey.choose(page, question, answer)
    page.get_by_label("Partner's first name").fill(partner[0])
    page.get_by_label("Partner's last name").fill(partner[1])
    journey.choose(page, "Partner's gender", "Woman")
    page.get_by_label("Partner's phone").fill(partner_phone)


# --- the test -----------------------------------------------------------------------------------------


def test_a_referral_walked_from_desk_to_desk(
    live_server: LiveServer,
    sign_in: journey.SignIn,
    new_context: Callable[[], BrowserContext],
    axe: Axe,
    cast_committed: dict[str, User],
) -> None:
    base = live_server.url

    # The public form is opened first: it refuses what is sent within seconds of being shown, and by the
    # time the Vale resident sends it (step 4) that time has long passed, so the test need not wait.
    public_page = new_context().new_page()
    public_page.goto(base + "/en/referrals/self-referral/")
    form_shown = time.monotonic()
    axe.check(public_page, "self-referral form")

    # 1. The social worker's referral, sent first with every default left as it comes.
    page = sign_in(cast_committed["socialworker"])
    journey.open_menu(page, base, "Referrals", "/en/referrals/")
    page.get_by_role("link", name="Make a referral").click()
    page.wait_for_url(base + "/en/referrals/new/")
    axe.check(page, "referral form")
    page.locator("#id_given_name").fill("Gareth")
    page.locator("#id_family_name").fill("Pryce")
    page.get_by_label("Their phone", exact=True).fill(MAN_PHONE)
    page.get_by_label("Why you are referring").fill(
        "Children's services assessment: he controls his partner."
    )
    page.get_by_label("Partner's first name").fill("Carys")
    page.get_by_label("Partner's last name").fill("Prise")
    page.get_by_label("Partner's phone").fill(PARTNER_PHONE_TYPED)
    journey.post_with(page, "Send referral")

    assert page.url == base + "/en/referrals/new/"
    expect(page).to_have_title(re.compile(r"^Error: Make a referral"))
    links = page.locator(".govuk-error-summary").get_by_role("link")
    expect(links).to_have_text([error for _question, error in CHOICES])
    axe.check(page, "referral form (choices to make)")
    for index, (question, _error) in enumerate(CHOICES):
        link = links.nth(index)
        target = page.locator(link.get_attribute("href") or "")
        link.click()
        expect(target).to_be_focused()
        if question in SELECTS:
            expect(page.get_by_label(question, exact=True)).to_be_focused()
        else:  # a question asked as radios: the link goes to its first choice
            expect(
                page.get_by_role("group", name=question, exact=True).get_by_role("radio").first
            ).to_be_focused()

    refer_man(
        page,
        given="Gareth",
        family="Pryce",
        phone=MAN_PHONE,
        risk="Standard",
        partner=("Carys", "Prise"),
        partner_phone=PARTNER_PHONE_TYPED,
    )
    journey.post_with(page, "Send referral")
    page.wait_for_url(REFERRAL_URL)
    referral_url = page.url
    reference = reference_of(page)
    expect(journey.success_banner(page)).to_contain_text(
        f"Referral {reference} received. Now choose a service."
    )
    clear = page.locator('#triage-fits > li[data-service="clear"]')
    for reason in ("Early intervention is the tier needed", "Covers Cardiff", "Takes men"):
        expect(clear).to_contain_text(reason)
    axe.check(page, "referral (choosing a service)")
    choose_service(page, "CLEAR")
    expect(journey.success_banner(page)).to_contain_text("Referral sent to CLEAR")
    expect(page.locator("#referral-service")).to_contain_text("CLEAR")
    expect(page.locator("#partner-referral")).to_contain_text("RISE Cardiff")
    axe.check(page, "referral (sent to CLEAR)")

    # 2. The social worker corrects the partner's surname and phone; triage runs again and says so.
    page.get_by_role("link", name="Correct the details").click()
    page.wait_for_url(referral_url + "correct/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Correct referral {reference}")
    expect(page.get_by_label("Partner's last name")).to_have_value("Prise")
    expect(page.get_by_label("Partner's phone")).to_have_value("")  # sealed: never shown back
    # What was answered comes back chosen, "Not known" too: nothing has to be answered again.
    mutual = page.get_by_role("group", name="Are there mutual or counter-allegations of violence?")
    expect(mutual.get_by_label("Not known", exact=True)).to_be_checked()
    axe.check(page, "correction form")
    page.get_by_label("Partner's last name").fill("Pryce")
    page.get_by_label("Partner's phone").fill(PARTNER_PHONE)
    journey.post_with(page, "Save the corrections")
    page.wait_for_url(referral_url)
    expect(journey.success_banner(page)).to_contain_text("Corrections saved.")
    expect(info_messages(page)).to_have_text([f"Triage ran again for {reference}: nothing changed."])
    corrections = page.locator("#corrections")
    expect(corrections).to_contain_text("Prise → Pryce")
    expect(corrections.locator("tr").filter(has_text="phone")).to_contain_text("changed (sealed)")
    expect(page.locator("#referral-service")).to_contain_text("CLEAR")
    axe.check(page, "referral (corrected)")
    social_worker = page

    # 3. CLEAR's facilitator opens the referral: his phone, never hers.
    page = sign_in(cast_committed["practitioner"])
    journey.open_menu(page, base, "Referrals", "/en/referrals/")
    journey.referral_table(page).get_by_role("link", name=reference).click()
    page.wait_for_url(referral_url)
    assert_no_partner_phone(page, "CLEAR's referral page")
    axe.check(page, "referral (CLEAR)")
    page.get_by_role("link", name="Gareth Pryce").click()
    page.wait_for_url(PERSON_URL)
    man_url = page.url
    assert_no_partner_phone(page, "CLEAR's view of the man")
    axe.check(page, "the man's record (CLEAR)")
    page.get_by_label("Why do you need to see these details?").fill("To arrange his first session")
    journey.post_with(page, "Show contact details")
    page.wait_for_url(man_url + "sealed/")
    expect(page.locator("#sealed-details")).to_contain_text(MAN_PHONE)
    assert_no_partner_phone(page, "CLEAR's view of the man's contact details")
    axe.check(page, "the man's contact details (CLEAR)")
    clear_worker = page

    # 4. A man in the Vale asks for help on the public form; no service there can take him, so the intake
    # team has him.
    page = public_page
    page.get_by_label("Your first name").fill("Rhys")
    page.get_by_label("Your last name").fill("Llewellyn")
    journey.choose(page, "Your gender", "Man")
    journey.choose(page, "Where you live", "Vale of Glamorgan")
    journey.choose(page, "Language you would like to use", "English")
    page.get_by_label("Your phone number").fill("07700 900123")
    page.get_by_label("What would you like help with?").fill("I shout at my partner and I want to stop.")
    page.get_by_label("I agree that a service may contact me").check()
    remaining_ms = (public.MIN_SECONDS + 0.5 - (time.monotonic() - form_shown)) * 1000
    if remaining_ms > 0:
        page.wait_for_timeout(remaining_ms)
    journey.post_with(page, "Send")
    page.wait_for_url(base + "/en/referrals/self-referral/sent/")
    self_reference = page.locator("#reference").inner_text()
    assert REFERENCE.fullmatch(self_reference), self_reference
    expect(page.locator("#what-next")).to_contain_text(
        "No service where you live can take your request yet. Cardiff and Vale Intake Team has your request"
    )
    axe.check(page, "self-referral sent")

    page = sign_in(cast_committed["intake"])
    page.locator("#work-intake").click()
    page.wait_for_url(base + "/en/referrals/intake/")
    row = page.locator(f'#intake-waiting tr[data-reference="{self_reference}"]')
    expect(row).to_contain_text("Rhys Llewellyn")
    expect(row).to_contain_text("Vale of Glamorgan")
    expect(row).to_contain_text("Self-referral")
    expect(row).to_contain_text("No service fits: unmet need")
    axe.check(page, "intake queue")

    # 5. A medium-risk referral needs the medium-risk tier, which nothing in Cardiff offers; the social worker
    # places him with CLEAR, below that need, and the commissioner sees it on the gap map.
    page = social_worker
    journey.open_menu(page, base, "Referrals", "/en/referrals/")
    page.get_by_role("link", name="Make a referral").click()
    page.wait_for_url(base + "/en/referrals/new/")
    refer_man(
        page,
        given="Huw",
        family="Bowen",
        phone="07700 900555",
        risk="Medium",
        partner=("Ffion", "Bowen"),
        partner_phone="07700 900666",
    )
    journey.post_with(page, "Send referral")
    page.wait_for_url(REFERRAL_URL)
    expect(page.locator("#tier-needed")).to_have_text("Medium risk")
    clear = page.locator('#triage-fits > li[data-service="clear"]')
    expect(clear).to_contain_text(
        "Below the tier needed (medium risk): choosing it records that need as unmet"
    )
    axe.check(page, "medium-risk referral (choosing a service)")
    choose_service(page, "CLEAR")
    expect(journey.success_banner(page)).to_contain_text("Referral sent to CLEAR")
    expect(page.locator("#tier-needed")).to_have_text("Medium risk Placed below need")
    axe.check(page, "medium-risk referral (placed below need)")

    page = sign_in(cast_committed["commissioner"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Gap map")
    cardiff_medium = page.locator('#gap-map-table td[data-area="cardiff"][data-tier="medium_risk"]')
    expect(cardiff_medium).to_contain_text("Placed below need: fewer than 5 referrals")
    # The first man was placed at the tier he needed: nothing below need in early intervention.
    cardiff_early = page.locator('#gap-map-table td[data-area="cardiff"][data-tier="early_intervention"]')
    expect(cardiff_early).not_to_contain_text("Placed below need")
    axe.check(page, "gap map")

    # 6. CLEAR offers and accepts a place, then, after MARAC, steps the man up to Drive.
    page = clear_worker
    journey.open_menu(page, base, "Referrals", "/en/referrals/")
    journey.referral_table(page).get_by_role("link", name=reference).click()
    page.wait_for_url(referral_url)
    for status in ("Place offered", "Accepted"):
        page.get_by_label("New status").select_option(label=status)
        journey.post_with(page, "Update")
        expect(page.locator("#referral-status")).to_have_text(status)
    page.get_by_role("link", name="Step up or step down to another service").click()
    page.wait_for_url(referral_url + "step/")
    axe.check(page, "step form")
    journey.choose(page, "Step", "Step up")
    journey.choose(page, "Risk now", "High")
    journey.choose(page, "Has the case been heard at MARAC?", "Yes")
    page.get_by_label("Handover note for the next service").fill(
        "Heard at MARAC this week: risk is now high. He has come to every CLEAR session."
    )
    journey.post_with(page, "Make the step referral")
    page.wait_for_url(REFERRAL_URL)
    step_url = page.url
    step_reference = reference_of(page)
    expect(journey.success_banner(page)).to_contain_text(f"Step referral {step_reference} made.")
    expect(page.locator("#step-from")).to_contain_text(reference)
    expect(page.locator('#triage-fits > li[data-service="drive-cardiff"]')).to_contain_text(
        "Takes referrals from MARAC"
    )
    assert_no_partner_phone(page, "CLEAR's step referral")
    axe.check(page, "step referral (choosing a service)")
    choose_service(page, "Drive Cardiff")
    expect(journey.success_banner(page)).to_contain_text("Referral sent to Drive Cardiff")
    axe.check(page, "step referral (sent to Drive)")

    page = sign_in(cast_committed["drive"])
    journey.open_menu(page, base, "Referrals", "/en/referrals/")
    journey.referral_table(page).get_by_role("link", name=step_reference).click()
    page.wait_for_url(step_url)
    expect(page.locator("#referral-service")).to_contain_text("Drive Cardiff")
    expect(page.locator("#step-from")).to_contain_text(
        f"From CLEAR (Change that Lasts Early Awareness Raising) ({reference})"
    )
    expect(page.locator("#step-from")).to_contain_text("Heard at MARAC this week")
    history = page.locator("#history-before")
    expect(history).to_contain_text("Sent to a service")
    expect(history).to_contain_text("Accepted")
    assert_no_partner_phone(page, "Drive's referral page")
    axe.check(page, "step referral (Drive)")

    page = clear_worker
    journey.open_menu(page, base, "Referrals", "/en/referrals/")
    journey.referral_table(page).get_by_role("link", name=reference).click()
    page.wait_for_url(referral_url)
    expect(page.locator("#step-to")).to_contain_text(f"Step referral {step_reference}")
    expect(page.locator("#step-to")).to_contain_text("Drive Cardiff")
    expect(page.locator("#referral-events")).to_contain_text(step_reference)
    axe.check(page, "referral with its step up (CLEAR)")

    axe.assert_clean()
