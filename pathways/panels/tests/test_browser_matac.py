"""Browser test: a MATAC meeting from agenda to decisions, actions and minutes, on a phone-sized screen. At
the demo MATAC's next meeting, as its cast.

The police MATAC coordinator records attendance (quorate), builds the agenda from the latest RFG run (the
top four in each area), opens the highest-scoring person, records the panel's decision with its reasons
(first without reasons, to see the error summary), gives probation an action with a due date, issues the
minutes and reads them in English and then in Welsh. The probation officer then finds the action on the
agency's task list. axe-core checks every page on the way.

Chromium, the live-server database fixtures and the axe helper are those of the other browser tests.
"""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.directory.models import Area, Region
from pathways.insights.tests import conftest as browser_fixtures
from pathways.panels.models import Panel
from pathways.panels.tests.factories import MATAC
from pathways.police.models import RfgModelVersion, RfgRun, RfgScore
from pathways.referrals.tests import test_browser_journey as journey

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

chromium = browser_fixtures.browser
audit_log_flushable = browser_fixtures.audit_log_flushable
_audit_guards_restored = browser_fixtures._audit_guards_restored
new_context = journey.new_context
sign_in = journey.sign_in
axe = journey.axe

PHONE: ViewportSize = {"width": 390, "height": 844}
MEETING_URL = re.compile(r"/en/panels/meetings/[0-9a-f-]{36}/$")
ITEM_URL = re.compile(r"/en/panels/items/[0-9a-f-]{36}/$")


def _rfg_run(region: Region, today: datetime.date) -> None:
    """An RFG run as the scoring would leave it: five people in Cardiff, two in the Vale, ranked per area."""
    model = RfgModelVersion.objects.filter(region=region).first() or RfgModelVersion.objects.create(
        region=region, version=1, settings={}, file_sha256="0" * 64
    )
    run = RfgRun.objects.create(
        region=region,
        model=model,
        window_start=today - datetime.timedelta(days=365),
        window_end=today,
        records=40,
        scored=7,
    )
    for area_slug, scores in (
        ("cardiff", [91.5, 84.0, 77.2, 60.1, 42.0]),
        ("vale-of-glamorgan", [70.3, 55.5]),
    ):
        area = Area.objects.get(region=region, slug=area_slug)
        for rank, score in enumerate(scores, start=1):
            RfgScore.objects.create(
                run=run,
                perpetrator_ref=f"{area_slug[:3].upper()}-{rank:03d}",
                area=area,
                score=score,
                recency=score * 0.3,
                frequency=score * 0.3,
                gravity=score * 0.3,
                victims=score * 0.1,
                records=8 - rank,
                victim_count=3 if rank == 1 else 1,
                harm=score,
                last_on=today - datetime.timedelta(days=10 * rank),
                serial=rank == 1,
                rank=rank,
            )


def _check(page: Page, label: str) -> None:
    """Tick a radio the way a keyboard user does: focus it and press the space bar."""
    radio = page.get_by_label(label, exact=True)
    radio.focus()
    page.keyboard.press("Space")
    expect(radio).to_be_checked()


def test_a_matac_meeting_from_agenda_to_minutes(
    live_server: LiveServer, sign_in: journey.SignIn, axe: journey.Axe, cast_committed: dict[str, User]
) -> None:
    base = live_server.url
    today = datetime.date.today()
    region = Region.objects.get(slug="cardiff-and-vale")
    matac = Panel.objects.get(slug=MATAC)  # six seats, and its next meeting, a week on in the demo...
    matac.meetings.filter(held_on__gt=today).update(held_on=today)  # ...is today: attendance opens
    coordinator, officer = cast_committed["matac"], cast_committed["probation"]
    _rfg_run(region, today)

    # 1. The coordinator finds the meeting from the menu, on a phone.
    page = sign_in(coordinator)
    page.set_viewport_size(PHONE)
    journey.open_menu(page, base, "Panels", "/en/panels/")
    axe.check(page, "panels")
    page.get_by_role("link", name=matac.name_en).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(matac.name_en)
    axe.check(page, "MATAC panel")
    # The RFG ranking's twelve columns stay inside the page, on a laptop and on a phone.
    page.goto(f"{base}/en/panels/{matac.pk}/rfg/")
    for viewport in ({"width": 1280, "height": 800}, PHONE):
        page.set_viewport_size(viewport)  # type: ignore[arg-type]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), viewport
    axe.check(page, "RFG ranking (phone)")
    page.go_back()
    page.get_by_role("table", name="Meetings").get_by_role("link").first.click()
    page.wait_for_url(MEETING_URL)
    meeting_url = page.url
    expect(page.locator("#quorum")).to_contain_text("Not recorded yet.")
    axe.check(page, "meeting before attendance")

    # 2. Attendance: police, probation and RISE present, Drive and children's services absent. Three
    # agencies: quorate.
    page.get_by_role("link", name="Record attendance").click()
    axe.check(page, "attendance form")
    for login, answer in (
        ("matac", "Attended"),
        ("chair", "Attended"),
        ("probation", "Attended"),
        ("idva", "Attended"),
        ("drive", "Did not attend"),
        ("socialworker", "Did not attend"),
    ):
        name = re.escape(cast_committed[login].full_name)
        page.get_by_role("group", name=re.compile(f"^{name},")).get_by_label(answer).check()
    journey.post_with(page, "Save attendance")
    page.wait_for_url(meeting_url)
    expect(journey.success_banner(page)).to_contain_text("The meeting is quorate.")
    expect(page.locator("#quorum")).to_contain_text("Quorate")
    expect(page.locator("#quorum")).to_contain_text("Not present: Cardiff Children's Services, Drive Cardiff")

    # 3. The agenda: the top four RFG scores in Cardiff and the two in the Vale, highest first.
    journey.post_with(page, "Build the agenda")
    expect(journey.success_banner(page)).to_contain_text("Agenda built: 6 items.")
    agenda = page.get_by_role("table", name="Agenda")
    expect(agenda.locator("tbody tr")).to_have_count(6)
    expect(agenda.locator("tbody tr").first).to_contain_text("Police reference CAR-001")
    expect(agenda).not_to_contain_text("CAR-005")
    axe.check(page, "meeting with its agenda")

    # 4. The highest score: its papers show what makes up the score.
    agenda.get_by_role("link", name="Police reference CAR-001").click()
    page.wait_for_url(ITEM_URL)
    item_url = page.url
    expect(page.locator("#papers-rfg")).to_contain_text("91.5")
    expect(page.locator("#papers-rfg")).to_contain_text("Serial")
    axe.check(page, "agenda item")

    # 5. The decision, by keyboard: without reasons first, then with them.
    page.get_by_role("link", name="Record the decision").click()
    axe.check(page, "decision form")
    _check(page, "Disrupt")
    page.get_by_role("button", name="Record the decision").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reasons for the decision")
    axe.check(page, "decision form with an error")
    page.get_by_role("link", name="Give the reasons for the decision").click()
    expect(page.get_by_label("Reasons")).to_be_focused()
    page.keyboard.type("Three victims in a year and rising gravity; not engaging with any service.")
    journey.post_with(page, "Record the decision")
    page.wait_for_url(item_url)
    expect(journey.success_banner(page)).to_contain_text("The panel's decision is recorded.")
    expect(page.locator("#decision-outcome")).to_have_text("Disrupt")
    expect(page.locator("#decision")).to_contain_text(
        "Probation Service, Cardiff and Vale, RISE Cardiff, South Wales Police"
    )

    # 6. An action for probation, due in a fortnight.
    due = today + datetime.timedelta(days=14)
    page.get_by_role("link", name="Add an action").click()
    axe.check(page, "action form")
    page.get_by_label("Action", exact=True).fill("Check licence conditions and share any breach with police.")
    page.get_by_label("Agency responsible").select_option(label="Probation Service, Cardiff and Vale")
    page.get_by_label("Person responsible (optional)").select_option(label=officer.full_name)
    due_on = page.get_by_role("group", name="Due")
    due_on.get_by_label("Day").fill(str(due.day))
    due_on.get_by_label("Month").fill(str(due.month))
    due_on.get_by_label("Year").fill(str(due.year))
    journey.post_with(page, "Add the action")
    page.wait_for_url(item_url)
    actions = page.get_by_role("table", name="Actions")
    expect(actions).to_contain_text("Check licence conditions")
    expect(actions).to_contain_text("Probation Service, Cardiff and Vale")
    axe.check(page, "agenda item with its decision and action")

    # 7. Close the meeting and issue the minutes.
    page.goto(meeting_url)
    expect(page.locator("#meeting-summary")).to_contain_text("1 of 6 items decided")
    page.get_by_role("link", name="Close the meeting and issue the minutes").click()
    expect(page.locator(".govuk-warning-text")).to_contain_text("cannot change")
    axe.check(page, "close the meeting")
    journey.post_with(page, "Issue the minutes")
    expect(journey.success_banner(page)).to_contain_text("Minutes issued.")
    minutes = page.locator("#minutes")
    expect(minutes).to_have_attribute("lang", "en")
    expect(minutes).to_contain_text(matac.name_en)
    expect(minutes).to_contain_text("Disrupt")
    expect(minutes).to_contain_text("Three victims in a year")
    expect(minutes).to_contain_text("Check licence conditions")
    axe.check(page, "minutes in English")

    # 8. The same minutes in Welsh.
    page.get_by_label("Cymraeg").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show the minutes").click()
    assert page.url.endswith("?lang=cy")
    expect(minutes).to_have_attribute("lang", "cy")
    expect(minutes).to_contain_text(matac.name_cy)
    expect(minutes).to_contain_text("Three victims in a year")
    expect(minutes).not_to_contain_text(matac.name_en)
    axe.check(page, "minutes in Welsh")

    # 9. Probation finds the action on its task list.
    page = sign_in(officer)
    journey.open_menu(page, base, "Tasks", "/en/tasks/")
    page.get_by_role("link", name="Actions from panels for your agency").click()
    row = page.get_by_role("table", name="Open actions").locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Check licence conditions")
    expect(row).to_contain_text("Police reference CAR-001")
    axe.check(page, "probation's actions from panels")
    axe.assert_clean()
