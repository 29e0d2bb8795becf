"""Browser test of casework, through the case's pages as the demo's cast would use them.

A Drive case opens when Drive starts the referral a MARAC decision made. Disrupt work goes to the police and
housing before anyone has contacted him. Contact is refused while the first-contact gate is closed; his
partner's IDVA is heard, and contact is allowed with a reason. He refuses consent, and the case manager
records work without it on safeguarding grounds; a session he attended cannot be recorded without his
consent, and the two sessions that can be are. A police extract brings a new record naming him: the alert
is on his case and on the Tasks of his case manager and of his partner's IDVA. A re-assessment in the case
puts his risk at high, so the case does not close until probation has accepted its management; then it
closes, and the MARAC's chair and the IDVA find it on their Tasks.

A CLEAR case goes through its seven sessions (one attended late) to "Programme complete", ends as
completed, and its six-week follow-up is on the facilitator's Tasks, then recorded with what was learned.

axe-core checks every page on the way, and any violation, of whatever impact, fails the test. No page seen
by Drive, CLEAR or probation shows either partner's sealed phone number or address. Setting
PATHWAYS_SCREENSHOTS to a folder saves a screenshot of every page checked.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.assessments import services as assessments
from pathways.cases.models import Case
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core.access import Side
from pathways.core.crypto import unseal
from pathways.core.fields import Sealed
from pathways.factories import actor_of, make_person
from pathways.insights.tests import conftest as browser_fixtures
from pathways.insights.tests.test_browser import Axe
from pathways.panels import services as panels
from pathways.panels.choices import Outcome
from pathways.panels.models import Panel
from pathways.panels.tests import factories as panel_factories
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person, Relationship
from pathways.police.tests.police_extracts import Row, analyst, load
from pathways.referrals.models import Referral
from pathways.referrals.tests import test_browser_journey as journey

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

chromium = browser_fixtures.browser
audit_log_flushable = browser_fixtures.audit_log_flushable
_audit_guards_restored = browser_fixtures._audit_guards_restored
new_context = journey.new_context
sign_in = journey.sign_in

# Each partner's sealed details, distinct from each other and from anything else a page could show.
DRIVE_PARTNER_PHONE = "07700 900613"
DRIVE_PARTNER_ADDRESS = "27 Kestrel Mews, Pentwyn"
CLEAR_PARTNER_PHONE = "07700 900624"
CLEAR_PARTNER_ADDRESS = "5 Linnet Row, Grangetown"
CANARIES = (DRIVE_PARTNER_PHONE, DRIVE_PARTNER_ADDRESS, CLEAR_PARTNER_PHONE, CLEAR_PARTNER_ADDRESS)

HIS_POLICE_REFERENCE = "SWP-WALK-0417"
NEW_RECORD = "CRD-WALK-2211"
PROBATION = "Probation Service, Cardiff and Vale"
CASE_URL = re.compile(r"/en/cases/[0-9a-f-]{36}/$")

CLEAR_SESSIONS = (
    "Session 1: Needs assessment and goals",
    "Session 2: Healthy and harmful relationships",
    "Session 3: Violence and gender stereotypes",
    "Session 4: The impact on partners and children",
    "Session 5: Strengths and life goals",
    "Session 6: Solutions and changes",
    "Session 7: Review and signposting",
)
LATE_SESSION = 3  # Session 4 is the one he came to late


@pytest.fixture
def axe() -> Axe:
    """Every violation fails, whatever its impact."""
    return Axe(every_impact=True)


# --- helpers ------------------------------------------------------------------------------------------


def long_date(day: datetime.date) -> str:
    """As the pages write a date in full ("j F Y")."""
    return f"{day.day} {day:%B %Y}"


def short_date(day: datetime.date) -> str:
    """As the pages' tables write a date ("j M Y")."""
    return f"{day.day} {day:%b %Y}"


class Walk:
    """Each page visited: axe-core on it, and, on the side of the people who use abuse, no sealed detail
    of either partner in its HTML. A screenshot of each when PATHWAYS_SCREENSHOTS names a folder."""

    def __init__(self, axe: Axe) -> None:
        self.axe = axe
        folder = os.environ.get("PATHWAYS_SCREENSHOTS", "")
        self.screens = Path(folder) if folder else None
        self.count = 0

    def seen(self, page: Page, label: str, *, his_side: bool = True) -> None:
        page.wait_for_load_state("load")
        if his_side:
            source = page.content()
            leaked = [canary for canary in CANARIES if canary in source]
            assert not leaked, f"{label} ({page.url}) shows a partner's sealed details: {leaked}"
        self.axe.check(page, label)
        if self.screens is not None:
            self.count += 1
            self.screens.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            page.screenshot(path=str(self.screens / f"{self.count:02d}-{name}.png"), full_page=True)


def form_for(page: Page, value: str, key: str = "form") -> Locator:
    """The page's form that posts `key=value` (the pages with several forms name each one so)."""
    return page.locator(f'form:has(input[name="{key}"][value="{value}"])')


def choose(scope: Page | Locator, question: str, answer: str) -> None:
    scope.get_by_role("group", name=question, exact=True).get_by_label(answer, exact=True).check()


def fill_date(scope: Page | Locator, question: str, day: datetime.date) -> None:
    group = scope.get_by_role("group", name=question, exact=True)
    group.get_by_label("Day", exact=True).fill(str(day.day))
    group.get_by_label("Month", exact=True).fill(str(day.month))
    group.get_by_label("Year", exact=True).fill(str(day.year))


def section(page: Page, label: str) -> None:
    """Open one of the case's parts from the navigation under its header."""
    nav = page.get_by_role("navigation", name="Parts of the case")
    nav.get_by_role("link", name=label, exact=True).click()
    page.wait_for_load_state("load")
    expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute("aria-current", "page")


def errors(page: Page) -> Locator:
    return page.locator(".govuk-error-summary")


def success(page: Page) -> Locator:
    return journey.success_banner(page)


def task_row(page: Page, kind: str, has_text: str) -> Locator:
    return page.locator("#case-tasks tbody tr").filter(has_text=kind).filter(has_text=has_text)


def stored(value: Sealed | None) -> str:
    """A sealed field's text as stored, for checking that a canary went in as typed."""
    return unseal(value.token) if value is not None else ""


# --- what no page offers ------------------------------------------------------------------------------


def marac_refers_him_to_drive(cast: dict[str, User]) -> tuple[Person, Person, Referral]:
    """The Cardiff MARAC hears her case and refers him to Drive Cardiff (the panel's screened service);
    the minutes are issued. She has her own case with Drive's IDVA at RISE. Her sealed phone and address
    are the canaries Drive's pages must never show."""
    chair = actor_of(cast["chair"])
    assert chair.agency is not None
    marac = Panel.objects.get(slug=panel_factories.MARAC)
    meeting = panel_factories.next_meeting_moved(marac, panel_factories.meeting_day())
    him = make_person(given_name="Gareth", family_name="Pugh", police_reference=HIS_POLICE_REFERENCE)
    her = make_person(
        side=Side.VICTIM,
        given_name="Nerys",
        family_name="Pugh",
        phone=DRIVE_PARTNER_PHONE,
        address=DRIVE_PARTNER_ADDRESS,
    )
    Relationship.objects.create(person=him, other=her, kind=RelationshipKind.CURRENT_PARTNER)
    panels.nomination_create(
        panel=marac, person=her, agency=chair.agency, reason="Escalating threats.", actor=chair
    )
    (item,) = panels.agenda_build(meeting=meeting, actor=chair)
    panel_factories.quorate(meeting, chair)
    decision = panels.decision_record(
        item=item, outcome=Outcome.REFER_SCREENED, reasons="High harm; Drive can take him.", actor=chair
    )
    panels.meeting_close(meeting=meeting, actor=chair)
    assert decision.referral is not None and decision.referral.person == him
    assert decision.referral.service is not None and decision.referral.service.slug == "drive-cardiff"
    case_open("rise-drive-idva", cast["idva"], person=her)
    # The canaries are stored as typed, so a page that leaked them would show them.
    her.refresh_from_db()
    assert (stored(her.phone), stored(her.address)) == (DRIVE_PARTNER_PHONE, DRIVE_PARTNER_ADDRESS)
    return him, her, decision.referral


def clear_case_opened_days_ago(cast: dict[str, User], days: int) -> Case:
    """A CLEAR case worked by the facilitator, opened `days` ago, about a man whose partner has no support
    worker of her own; her sealed phone and address are the canaries CLEAR's pages must never show."""
    him = make_person(given_name="Rhys", family_name="Morgan")
    case = case_open("clear", cast["practitioner"], person=him)
    partner = partner_of(case)
    partner.phone, partner.address = CLEAR_PARTNER_PHONE, CLEAR_PARTNER_ADDRESS
    partner.save()
    partner.refresh_from_db()
    assert (stored(partner.phone), stored(partner.address)) == (CLEAR_PARTNER_PHONE, CLEAR_PARTNER_ADDRESS)
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - datetime.timedelta(days=days))
    return case


def intake_assessed(user: User, person: Person, on: datetime.date) -> None:
    """The case manager's intake assessment, done as the case opened (on the licensed SARA-V3 forms, its
    results recorded here): moderate. The assessments app's own browser tests walk its form."""
    actor = actor_of(user)
    started = assessments.assessment_start(
        actor=actor, person=person, instrument_id="sara-v3-results", context="intake", assessed_on=on
    )
    judged = {"case_prioritisation": "moderate", "risk_serious_physical_harm": "moderate"}
    assessments.assessment_save(
        actor=actor,
        assessment=started,
        answers={"assessment_date": on.isoformat(), **judged, "imminent_violence": "low"},
        complete=True,
    )


# --- the test -----------------------------------------------------------------------------------------


def test_a_drive_case_and_a_clear_case_worked_through_their_pages(
    live_server: LiveServer,
    sign_in: journey.SignIn,
    new_context: Callable[[], BrowserContext],
    axe: Axe,
    cast_committed: dict[str, User],
    tmp_path: Path,
) -> None:
    base = live_server.url
    cast = cast_committed
    walk = Walk(axe)
    today = timezone.localdate()
    him, _her, referral = marac_refers_him_to_drive(cast)

    # 1. Drive starts the MARAC's referral, and his case opens, given to the case manager who started it.
    drive = sign_in(cast["drive"])
    journey.open_menu(drive, base, "Referrals", "/en/referrals/")
    walk.seen(drive, "referrals (Drive)")
    journey.referral_table(drive).get_by_role("link", name=referral.reference).click()
    drive.wait_for_url(base + referral.get_absolute_url())
    walk.seen(drive, "the MARAC's referral (Drive)")
    for status in ("Place offered", "Accepted", "Started"):
        drive.get_by_label("New status").select_option(label=status)
        journey.post_with(drive, "Update")
        expect(drive.locator("#referral-status")).to_have_text(status)
    walk.seen(drive, "the MARAC's referral, started (Drive)")

    journey.open_menu(drive, base, "Cases", "/en/cases/")
    walk.seen(drive, "caseload (Drive)")
    drive.locator("#case-table").get_by_role("link", name="Gareth Pugh").click()
    drive.wait_for_url(CASE_URL)
    case_url = drive.url
    intake_assessed(cast["drive"], him, today)
    drive.reload()
    expect(drive.locator("#latest-risk")).to_have_text("Medium")
    expect(drive.get_by_role("heading", level=1)).to_have_text("Gareth Pugh")
    expect(drive.locator("#case-worker")).to_have_text(cast["drive"].full_name)
    expect(drive.get_by_role("link", name=referral.reference)).to_be_visible()
    expect(drive.locator("#overview-gate")).to_have_text("Not allowed yet")
    walk.seen(drive, "case overview (Drive)")

    # 2. Disrupt work for the police and housing, with no contact and no consent.
    section(drive, "Plan")
    walk.seen(drive, "plan (Drive)")
    due = today + datetime.timedelta(days=14)
    for activity, owner in (
        ("Police intelligence check and flag", "South Wales Police"),
        ("Tenancy action or move away from the family home", "Cardiff Council Housing"),
    ):
        adding = drive.locator("#add-activity")
        adding.get_by_label("Activity", exact=True).select_option(label=activity)
        adding.get_by_label("Done by", exact=True).select_option(label=owner)
        fill_date(adding, "Due date", due)
        journey.post_with(drive, "Add the activity")
        expect(success(drive)).to_contain_text("Activity added.")
        row = drive.locator("#activities-disrupt tbody tr").filter(has_text=activity)
        expect(row).to_contain_text(owner)
        expect(row).to_contain_text(short_date(due))
        expect(row).not_to_contain_text("Waiting for consent")
    walk.seen(drive, "plan with disrupt work (Drive)")

    # 3. Contact while the gate is closed: the page offers no contact log, and one posted anyway (from a
    # page opened elsewhere, say) is refused.
    section(drive, "Contact and consent")
    contact_url = drive.url
    expect(drive.locator("#gate-status")).to_contain_text("Not allowed yet")
    expect(drive.locator("#partner-support")).to_contain_text(
        "Partner supported by Drive IDVA at RISE Cardiff"
    )
    expect(drive.locator("#contact-closed")).to_have_text(
        "Contact is not allowed yet: record a decision that contact will not increase risk first."
    )
    expect(drive.get_by_role("button", name="Log the contact")).to_have_count(0)
    walk.seen(drive, "contact, gate closed (Drive)")
    token = drive.locator('input[name="csrfmiddlewaretoken"]').first.input_value()
    refused = drive.request.post(
        contact_url,
        form={
            "csrfmiddlewaretoken": token,
            "form": "contact",
            "on_day": str(today.day),
            "on_month": str(today.month),
            "on_year": str(today.year),
            "channel": "phone",
            "direction": "outgoing",
            "outcome": "reached",
        },
        headers={"Referer": contact_url},
    )
    assert refused.status == 400
    assert (
        "Contact is not allowed yet: record a decision that contact will not increase risk first."
        in refused.text()
    )

    # Allowing contact before the IDVA has been heard is refused too.
    deciding = form_for(drive, "decision")
    choose(deciding, "Decision", "Contact will not increase risk: allow contact")
    deciding.get_by_label("Reason", exact=True).fill("Disrupt work is in place and he is in work.")
    journey.post_with(drive, "Record the decision")
    expect(errors(drive)).to_contain_text(
        "The partner has a support worker: record their view of contact first, then decide."
    )
    expect(drive.locator("#gate-status")).to_contain_text("Not allowed yet")
    walk.seen(drive, "contact, allowed before the IDVA's view (Drive)")

    viewing = form_for(drive, "view")
    viewing.get_by_label("Support service", exact=True).select_option(label="Drive IDVA at RISE Cardiff")
    choose(
        viewing,
        "What did the support worker say about contacting the person?",
        "Contact would not increase risk",
    )
    viewing.get_by_label("What they said (optional)").fill("Her safety plan is in place; contact him now.")
    journey.post_with(drive, "Record their view")
    expect(success(drive)).to_contain_text("The support worker's view is recorded.")
    expect(drive.locator("#partner-views")).to_contain_text("Contact would not increase risk")

    deciding = form_for(drive, "decision")
    choose(deciding, "Decision", "Contact will not increase risk: allow contact")
    deciding.get_by_label("Reason", exact=True).fill(
        "The IDVA says her safety plan is in place; contact will not increase risk."
    )
    journey.post_with(drive, "Record the decision")
    expect(success(drive)).to_contain_text("The decision on contact is recorded.")
    expect(drive.locator("#gate-status")).to_contain_text("Allowed")
    expect(drive.locator("#decisions")).to_contain_text("Contact allowed")
    walk.seen(drive, "contact allowed (Drive)")

    logging = form_for(drive, "contact")
    fill_date(logging, "Date of the contact", today)
    choose(logging, "How", "Phone")
    choose(logging, "Direction", "Outgoing")
    choose(logging, "Outcome", "Reached")
    journey.post_with(drive, "Log the contact")
    expect(success(drive)).to_contain_text("The contact is logged.")
    expect(drive.locator("#contact-log")).to_contain_text("Reached")

    # 4. He refuses consent; the case manager records work without it on safeguarding grounds.
    consenting = form_for(drive, "consent")
    choose(consenting, "Consent", "Refused")
    consenting.get_by_label("Reason", exact=True).fill("He says he does not need any help.")
    journey.post_with(drive, "Record consent")
    expect(success(drive)).to_contain_text("The person's consent is recorded.")
    expect(drive.locator("#consent-state")).to_have_text("Consent: Refused")
    consenting = form_for(drive, "consent")
    choose(consenting, "Consent", "Working without consent on safeguarding grounds")
    consenting.get_by_label("Reason", exact=True).fill(
        "Risk to his partner is high: the work goes on without his consent."
    )
    journey.post_with(drive, "Record consent")
    expect(drive.locator("#consent-state")).to_have_text(
        "Consent: Working without consent on safeguarding grounds"
    )
    expect(drive.locator("#consent-history")).to_contain_text(
        "Risk to his partner is high: the work goes on without his consent."
    )
    walk.seen(drive, "consent, working without it (Drive)")

    # 5. Sessions. One he attended is work he has agreed to, so it is refused without his consent; the two
    # that can be recorded are: one he missed, and the next one booked.
    section(drive, "Sessions")
    expect(drive.get_by_text("The service has no programme in the region's casework file")).to_be_visible()
    walk.seen(drive, "sessions (Drive)")
    session = drive.locator("#session-form")
    choose(session, "The session", "Was held")
    fill_date(session, "Date of the session", today)
    choose(session, "Did the person attend?", "Attended")
    journey.post_with(drive, "Record the session")
    expect(errors(drive)).to_contain_text(
        "The person has not given consent to this work: record their consent before recording a session "
        "they attended."
    )
    walk.seen(drive, "sessions, attended without consent (Drive)")
    session = drive.locator("#session-form")
    choose(session, "The session", "Was held")
    fill_date(session, "Date of the session", today)
    session.get_by_label("Start time").fill("10:00")
    choose(session, "Did the person attend?", "Absent, without a reason")
    journey.post_with(drive, "Record the session")
    expect(success(drive)).to_contain_text("The session is recorded.")
    next_week = today + datetime.timedelta(days=7)
    session = drive.locator("#session-form")
    choose(session, "The session", "Is planned")
    fill_date(session, "Date of the session", next_week)
    session.get_by_label("Start time").fill("10:00")
    journey.post_with(drive, "Record the session")
    expect(success(drive)).to_contain_text("The session is recorded.")
    sessions = drive.locator("#ad-hoc-sessions tbody tr")
    expect(sessions).to_have_count(2)
    expect(sessions.filter(has_text=f"{short_date(today)} 10:00")).to_contain_text("Absent, without a reason")
    expect(sessions.filter(has_text=f"{short_date(next_week)} 10:00")).to_contain_text("Planned")
    walk.seen(drive, "sessions recorded (Drive)")

    # 6. A police extract brings a new record naming him: the alert is on his case and on the Tasks of
    # his case manager and of his partner's IDVA.
    occurred = today - datetime.timedelta(days=1)
    load(
        analyst(cast),
        tmp_path,
        [
            Row(
                reference=NEW_RECORD,
                occurred_on=occurred,
                offence="harassment",
                perpetrator_ref=HIS_POLICE_REFERENCE,
                victim_ref="SWP-WALK-V1",
            )
        ],
    )
    drive.goto(case_url)
    alerts = drive.locator("#overview-alerts")
    expect(alerts).to_contain_text("New police records")
    expect(alerts).to_contain_text(f"Crime {NEW_RECORD}, {short_date(occurred)}")
    walk.seen(drive, "case overview with the police alert (Drive)")
    journey.open_menu(drive, base, "Tasks", "/en/tasks/")
    expect(task_row(drive, "New police record", NEW_RECORD)).to_have_count(1)
    walk.seen(drive, "tasks with the police alert (Drive)")

    idva = sign_in(cast["idva"])
    journey.open_menu(idva, base, "Tasks", "/en/tasks/")
    alert = task_row(idva, "New police record", NEW_RECORD)
    expect(alert).to_have_count(1)
    expect(alert).to_contain_text("Drive Cardiff")
    walk.seen(idva, "tasks with the police alert (IDVA)", his_side=False)

    # 7. A re-assessment, started from the case and completed in the assessments app, which brings the
    # case manager back: his risk is now high.
    drive.goto(case_url)
    section(drive, "Assessments and risk")
    walk.seen(drive, "assessments (Drive)")
    drive.locator("#start-instrument").select_option(label="SARA-V3 results record")
    drive.get_by_role("button", name="Start a review assessment").click()
    drive.wait_for_url(re.compile(r"/assessments/"))
    expect(drive.get_by_role("heading", level=1)).to_have_text("Start an assessment")
    fill_date(drive, "Date of assessment", today)
    walk.seen(drive, "start an assessment (Drive)")
    journey.post_with(drive, "Start")
    expect(drive.locator("#instrument-name")).to_have_text("SARA-V3 results record")
    fill_date(drive, "Date of the SARA-V3 assessment", today)
    for judgement in ("Case prioritisation", "Risk of serious physical harm", "Risk of imminent violence"):
        choose(drive, judgement, "High")
    drive.get_by_label("Sources of information").fill("Police records and the IDVA.")
    walk.seen(drive, "the assessment form (Drive)")
    journey.post_with(drive, "Complete the assessment")
    drive.wait_for_url(case_url + "assessments/")
    expect(success(drive)).to_contain_text("Assessment completed.")
    assessed = drive.locator("#case-assessments tbody tr").filter(has_text="SARA-V3 results record")
    expect(assessed).to_have_count(2)
    expect(assessed.first).to_contain_text("Intake")
    expect(assessed.first).to_contain_text("Medium")
    expect(assessed.last).to_contain_text("During the work")
    expect(assessed.last).to_contain_text("High")
    over_time = drive.locator("#risk-over-time tbody tr")
    expect(over_time).to_have_count(2)
    expect(over_time.last).to_contain_text("High")
    walk.seen(drive, "assessments with the re-assessment (Drive)")
    section(drive, "Overview")
    expect(drive.locator("#latest-risk")).to_have_text("High")

    # 8. The case does not close while his risk is high; once probation has accepted its management, it
    # does, and the MARAC's chair and the IDVA are told.
    section(drive, "Ending")
    expect(drive.locator("#closure-now")).to_contain_text("The latest risk is High.")
    expect(drive.locator("#closure-now")).to_contain_text(
        "The case cannot close until another agency has accepted management of it."
    )
    walk.seen(drive, "ending, risk high (Drive)")

    def end_the_case() -> None:
        ending = form_for(drive, "end", key="action")
        choose(ending, "How the case ended", "Completed")
        ending.get_by_label("Reason", exact=True).fill("The work with him is done; probation manages him.")
        fill_date(ending, "Date the case ended", today)
        journey.post_with(drive, "End the case")

    end_the_case()
    expect(errors(drive)).to_contain_text(
        "The latest risk is high: record which agency has accepted management of the case first."
    )
    expect(drive.get_by_role("heading", level=1)).to_have_text("Gareth Pugh")  # not closed
    walk.seen(drive, "ending refused while risk is high (Drive)")

    management = form_for(drive, "management", key="action")
    management.get_by_label("Agency that has accepted management of the case").select_option(label=PROBATION)
    management.get_by_label("Who accepted it there").fill("Rhodri Powell, probation officer")
    fill_date(management, "Date accepted", today)
    journey.post_with(drive, "Record management by another agency")
    expect(success(drive)).to_contain_text("Management of the case by another agency is recorded.")
    expect(drive.locator("#acceptances")).to_contain_text(
        f"{PROBATION} (Rhodri Powell, probation officer) accepted management of the case on "
        f"{short_date(today)}"
    )
    walk.seen(drive, "ending, management accepted (Drive)")

    end_the_case()
    expect(success(drive)).to_contain_text("The case has ended.")
    expect(drive.get_by_role("heading", level=1)).to_have_text("Gareth Pugh Closed")
    expect(drive.locator("#case-ending")).to_contain_text("Completed")
    told = drive.locator("#told")
    expect(told).to_contain_text("The police: South Wales Police")
    expect(told).to_contain_text("The chair of the panel that referred the case: South Wales Police")
    expect(told).to_contain_text("The partner's support service")
    walk.seen(drive, "case ended (Drive)")

    chair = sign_in(cast["chair"])
    journey.open_menu(chair, base, "Tasks", "/en/tasks/")
    ended = task_row(chair, "Case ended", referral.reference).filter(has_text=cast["chair"].full_name)
    expect(ended).to_have_count(1)
    walk.seen(chair, "tasks with the case's end (chair)", his_side=False)

    idva.reload()
    expect(task_row(idva, "Case ended", referral.reference)).to_have_count(1)
    walk.seen(idva, "tasks with the case's end (IDVA)", his_side=False)

    # Probation, which took on his management, works from its own records: Drive's case is not its to open.
    probation = sign_in(cast["probation"])
    journey.open_menu(probation, base, "Tasks", "/en/tasks/")
    walk.seen(probation, "tasks (probation)")
    shut = probation.goto(case_url)
    assert shut is not None and shut.status == 404
    walk.seen(probation, "Drive's case (probation)")

    # 9. A CLEAR case through its seven sessions, one attended late, to its end and the follow-up six
    # weeks after.
    clear_case = clear_case_opened_days_ago(cast, days=52)
    practitioner = sign_in(cast["practitioner"])
    journey.open_menu(practitioner, base, "Cases", "/en/cases/")
    walk.seen(practitioner, "caseload (CLEAR)")
    practitioner.locator("#case-table").get_by_role("link", name="Rhys Morgan").click()
    practitioner.wait_for_url(base + clear_case.get_absolute_url())
    walk.seen(practitioner, "case overview (CLEAR)")

    section(practitioner, "Contact and consent")
    expect(practitioner.locator("#partner-support")).to_have_text(
        "No support worker for a partner is on record."
    )
    deciding = form_for(practitioner, "decision")
    choose(deciding, "Decision", "Contact will not increase risk: allow contact")
    deciding.get_by_label("Reason", exact=True).fill("Referred by children's services; no risk from contact.")
    journey.post_with(practitioner, "Record the decision")
    expect(practitioner.locator("#gate-status")).to_contain_text("Allowed")
    consenting = form_for(practitioner, "consent")
    choose(consenting, "Consent", "Given")
    journey.post_with(practitioner, "Record consent")
    expect(practitioner.locator("#consent-state")).to_have_text("Consent: Given")
    walk.seen(practitioner, "contact and consent (CLEAR)")

    section(practitioner, "Sessions")
    expect(practitioner.locator("#programme-attended")).to_contain_text(
        "Sessions attended: 0 of 7 (minimum 7)"
    )
    walk.seen(practitioner, "sessions (CLEAR)")
    first = today - datetime.timedelta(days=45)
    for n, name in enumerate(CLEAR_SESSIONS):
        held = first + datetime.timedelta(weeks=n)
        session = practitioner.locator("#session-form")
        session.get_by_label("Session", exact=True).select_option(label=name)
        choose(session, "The session", "Was held")
        fill_date(session, "Date of the session", held)
        choose(session, "Did the person attend?", "Attended, late" if n == LATE_SESSION else "Attended")
        journey.post_with(practitioner, "Record the session")
        expect(success(practitioner)).to_contain_text("The session is recorded.")
        expect(practitioner.locator("#programme-attended")).to_contain_text(
            f"Sessions attended: {n + 1} of 7 (minimum 7)"
        )
    expect(practitioner.locator("#programme-complete")).to_have_text("Programme complete")
    late = practitioner.locator("tr#step-impact")
    expect(late).to_contain_text(short_date(first + datetime.timedelta(weeks=LATE_SESSION)))
    expect(late).to_contain_text("Attended, late")
    walk.seen(practitioner, "sessions, programme complete (CLEAR)")
    section(practitioner, "Overview")
    expect(practitioner.locator("#overview-sessions")).to_contain_text("Programme complete")

    section(practitioner, "Ending")
    walk.seen(practitioner, "ending (CLEAR)")
    ending = form_for(practitioner, "end", key="action")
    choose(ending, "How the case ended", "Completed")
    ending.get_by_label("Reason", exact=True).fill("He came to all seven sessions.")
    fill_date(ending, "Date the case ended", today)
    journey.post_with(practitioner, "End the case")
    expect(success(practitioner)).to_contain_text("The case has ended.")
    expect(practitioner.locator("#case-ending")).to_contain_text("Completed")
    walk.seen(practitioner, "case ended (CLEAR)")

    follow_up_due = today + datetime.timedelta(weeks=6)
    journey.open_menu(practitioner, base, "Tasks", "/en/tasks/")
    follow_up = task_row(practitioner, "Follow-up", "Rhys Morgan")
    expect(follow_up).to_have_count(1)
    expect(follow_up).to_contain_text(short_date(follow_up_due))
    walk.seen(practitioner, "tasks with the follow-up (CLEAR)")

    follow_up.get_by_role("link", name="Rhys Morgan").click()
    practitioner.wait_for_load_state("load")
    section(practitioner, "Sessions")
    expect(practitioner.locator("#follow-ups")).to_contain_text("Follow-up six weeks after")
    expect(practitioner.locator("#follow-ups")).to_contain_text(f"Due {short_date(follow_up_due)}")
    recording = practitioner.locator("#follow-up-form")
    fill_date(recording, "Date of the follow-up", today)
    choose(recording, "Who was it with?", "The man himself")
    choose(recording, "What was learned?", "No further concerns")
    recording.get_by_label("In a few words (optional)").fill("Still using what he learned; no new incidents.")
    journey.post_with(practitioner, "Record the follow-up")
    expect(success(practitioner)).to_contain_text("The follow-up is recorded.")
    done = practitioner.locator("#follow-ups tbody tr").filter(has_text="Follow-up six weeks after")
    expect(done).to_contain_text(f"Done {short_date(today)}, The man himself")
    expect(done).to_contain_text("No further concerns: Still using what he learned; no new incidents.")
    walk.seen(practitioner, "follow-up recorded (CLEAR)")
    journey.open_menu(practitioner, base, "Tasks", "/en/tasks/")
    expect(task_row(practitioner, "Follow-up", "Rhys Morgan")).to_have_count(0)
    walk.seen(practitioner, "tasks after the follow-up (CLEAR)")

    axe.assert_clean()
