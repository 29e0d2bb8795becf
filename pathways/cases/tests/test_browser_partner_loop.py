"""Browser walk of the partner-safety loop, as the demo's cast would work it: CLEAR starts a man's case and
RISE starts his partner's; the IDVA records safe-contact arrangements and a rise in risk; the CLEAR worker
finds the rise and the first-contact gate closed, and never her details; the fortnightly joint meeting
lists the pair; a previous partner from the police data is listed as not yet traced and is the IDVA's task.

axe-core checks every page on the way; on CLEAR's pages, no sealed detail of hers may be in the HTML."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.cases.models import Case, SafeContact
from pathways.cases.tests import test_browser_casework as casework
from pathways.directory.models import Area
from pathways.factories import actor_of
from pathways.insights.tests.test_browser import Axe
from pathways.people.models import Person
from pathways.people.services import PersonInput
from pathways.police.tests.police_extracts import Row, analyst, load
from pathways.referrals import services as referrals
from pathways.referrals.models import Referral
from pathways.referrals.tests import test_browser_journey as journey

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

chromium = casework.chromium
audit_log_flushable = casework.audit_log_flushable
_audit_guards_restored = casework._audit_guards_restored
new_context = casework.new_context
sign_in = casework.sign_in
axe = casework.axe

HIS_REFERENCE = "SWP-LOOP-0101"
PREVIOUS_PARTNER = "V-LOOP-0202"
SAFE_WORD = "CANARY-LOOP-SAFEWORD-foxglove"
SAFE_TIMES = "CANARY-LOOP-SAFETIMES weekday mornings"


def _family(cast: dict[str, User], tmp_path: Path) -> tuple[Referral, Referral]:
    """The children's social worker refers a man to CLEAR, with his partner for support (RISE Cardiff);
    the police's extract already holds two records of his harm to a previous partner."""
    cardiff = Area.objects.get(slug="cardiff")
    referral = referrals.referral_create(
        actor=actor_of(cast["socialworker"]),
        data=referrals.ReferralInput(
            route="childrens_services",
            reason="Arguments at home are frightening the children.",
            risk_level="standard",
            person=PersonInput(given_name="Owen", family_name="Loop", gender_identity="man", area=cardiff),
            partner=referrals.PartnerInput(
                person=PersonInput(
                    given_name="Alys",
                    family_name="Loop",
                    gender_identity="woman",
                    area=cardiff,
                    phone=casework.CLEAR_PARTNER_PHONE,
                    address=casework.CLEAR_PARTNER_ADDRESS,
                )
            ),
        ),
    )
    referrals.referral_service_choose(
        actor=actor_of(cast["socialworker"]), referral=referral, service_slug="clear"
    )
    Person.objects.filter(pk=referral.person_id).update(police_reference=HIS_REFERENCE)
    day = timezone.localdate()
    rows = [
        Row(
            reference=f"LOOP-{n}",
            occurred_on=day - datetime.timedelta(days=days),
            offence="harassment",
            perpetrator_ref=HIS_REFERENCE,
            victim_ref=PREVIOUS_PARTNER,
        )
        for n, days in ((1, 900), (2, 700))
    ]
    load(analyst(cast), tmp_path, rows)
    partner = Referral.objects.select_related("service").get(linked_referral=referral)
    assert partner.service is not None and partner.service.slug == "rise-cardiff"
    return referral, partner


def _start(page: Page, base: str, referral: Referral) -> None:
    page.goto(base + referral.get_absolute_url())
    for status in ("Place offered", "Accepted", "Started"):
        page.get_by_label("New status").select_option(label=status)
        journey.post_with(page, "Update")
        expect(page.locator("#referral-status")).to_have_text(status)


def test_the_partner_safety_loop_through_its_pages(
    live_server: LiveServer,
    sign_in: journey.SignIn,
    new_context: Callable[[], BrowserContext],
    axe: Axe,
    cast_committed: dict[str, User],
    tmp_path: Path,
) -> None:
    base = live_server.url
    cast = cast_committed
    walk = casework.Walk(axe)
    today = timezone.localdate()
    his_referral, her_referral = _family(cast, tmp_path)

    # 1. CLEAR starts his referral: his case opens. RISE starts hers: her case opens.
    clear = sign_in(cast["practitioner"])
    _start(clear, base, his_referral)
    walk.seen(clear, "his referral, started (CLEAR)")
    idva = sign_in(cast["idva"])
    _start(idva, base, her_referral)
    walk.seen(idva, "her referral, started (IDVA)", his_side=False)
    his = Case.objects.get(referral=his_referral)
    hers = Case.objects.get(referral=her_referral)

    # 2. The IDVA records her safe-contact arrangements on her case.
    idva.goto(base + hers.get_absolute_url())
    casework.section(idva, "Contact and consent")
    expect(idva.locator("#safe-contact-missing")).to_be_visible()
    walk.seen(idva, "her contact page, no arrangements yet (IDVA)", his_side=False)
    form = casework.form_for(idva, "safe")
    form.get_by_label("When is it safe to contact her?").fill(SAFE_TIMES)
    form.get_by_label("Phone", exact=True).check()
    casework.choose(form, "May a voicemail be left?", "No")
    form.get_by_label("Safe word (optional)").fill(SAFE_WORD)
    journey.post_with(idva, "Record the arrangements")
    expect(casework.success(idva)).to_contain_text("Her safe-contact arrangements are recorded.")
    expect(idva.locator("#safe-word")).to_have_text(SAFE_WORD)
    expect(idva.locator("#safe-voicemail")).to_contain_text("Never leave a voicemail")
    walk.seen(idva, "her safe-contact arrangements (IDVA)", his_side=False)
    assert SafeContact.objects.filter(case=hers).count() == 1

    # 3. ... and a rise in risk, with contact with him unsafe now.
    casework.section(idva, "Safety updates")
    form = idva.locator("#safety-form")
    casework.choose(form, "Has the risk to her changed?", "Risk raised")
    casework.fill_date(form, "Since when", today - datetime.timedelta(days=1))
    form.get_by_label("Contact with him would increase risk now").check()
    journey.post_with(idva, "Send the update")
    expect(casework.success(idva)).to_contain_text("The update is sent to the service working with him.")
    walk.seen(idva, "safety update sent (IDVA)", his_side=False)

    # 4. The CLEAR worker sees the rise and the gate closed, the task, and nothing of hers.
    clear.goto(base + his.get_absolute_url())
    expect(clear.locator("#overview-gate")).to_have_text("Not allowed yet")
    expect(clear.locator("#victim-traces")).to_contain_text("Not yet traced")
    expect(clear.locator("#victim-traces")).to_contain_text("Offered support")
    walk.seen(clear, "his case overview (CLEAR)")
    casework.section(clear, "Contact and consent")
    expect(clear.locator("#partner-signals")).to_contain_text("Risk raised")
    expect(clear.locator("#partner-signals")).to_contain_text("Contact with him would increase risk now")
    expect(clear.locator("#gate-status")).to_contain_text("Not allowed yet")
    walk.seen(clear, "his contact page (CLEAR)")
    journey.open_menu(clear, base, "Tasks", "/en/tasks/")
    expect(casework.task_row(clear, "Partner reports a rise in risk", "Owen Loop")).to_be_visible()
    walk.seen(clear, "tasks (CLEAR)")
    for page_html in (clear.content(),):
        assert SAFE_WORD not in page_html and SAFE_TIMES not in page_html and "Alys" not in page_html

    # 5. The fortnightly joint meeting: CLEAR plans today's, and its agenda lists the pair.
    clear.goto(base + "/en/cases/joint-meetings/")
    expect(clear.locator("#series-clear-rise")).to_contain_text("Every 14 days")
    walk.seen(clear, "joint meetings (CLEAR)")
    series = clear.locator("#series-clear-rise")
    casework.fill_date(series, "Date of the meeting", today)
    with clear.expect_navigation():
        series.get_by_role("button", name="Plan the meeting").click()
    expect(casework.success(clear)).to_contain_text("The meeting is planned, with its agenda.")
    expect(clear.locator("h1")).to_contain_text("Joint case meeting")
    agenda = clear.locator(".govuk-summary-card").filter(has_text="Owen Loop")
    expect(agenda).to_contain_text("Supported by RISE Cardiff")
    walk.seen(clear, "joint meeting (CLEAR)")
    assert "Alys" not in clear.content()
    meeting_url = clear.url
    idva.goto(meeting_url)
    expect(idva.locator(".govuk-summary-card").filter(has_text="Owen Loop")).to_contain_text("Alys Loop")
    walk.seen(idva, "joint meeting (IDVA)", his_side=False)

    # 6. The previous partner on his police records: not yet traced, and on the IDVA's Tasks.
    journey.open_menu(idva, base, "Tasks", "/en/tasks/")
    # The task holds no more of her than where she was found.
    row = casework.task_row(idva, "Trace a previous or other victim", "found in: Police records")
    expect(row).to_have_count(1)
    walk.seen(idva, "tasks (IDVA)", his_side=False)
    row.get_by_role("link", name="Record how far tracing her has got").click()
    idva.wait_for_load_state("load")
    card = idva.locator(".govuk-summary-card").filter(has_text=PREVIOUS_PARTNER)
    expect(card).to_contain_text("Not yet traced")
    expect(card).to_contain_text("2 police records")
    expect(card).to_contain_text("Owen Loop")
    walk.seen(idva, "tracing (IDVA)", his_side=False)
