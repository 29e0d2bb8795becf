"""Browser test of the partner-safety loop's first part, through the pages as the demo's cast would use
them: the Drive IDVA opens her case's safety updates, sends a rise in risk with a new incident and a
message (the message refused until she confirms it may be read), and Drive's case manager finds the rise,
the incident and the message on his case's contact page, the task on Tasks, and none of her details.

axe-core checks every page on the way, and any violation fails the test."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from pathways.accounts.models import User
from pathways.cases.models import Case
from pathways.cases.tests import test_browser_casework as casework
from pathways.cases.tests.factories import case_open, partner_of
from pathways.insights.tests.test_browser import Axe
from pathways.referrals.tests import test_browser_journey as journey

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("audit_log_flushable", "region")]

chromium = casework.chromium
audit_log_flushable = casework.audit_log_flushable
_audit_guards_restored = casework._audit_guards_restored
new_context = casework.new_context
sign_in = casework.sign_in
axe = casework.axe

HER_PHONE = casework.DRIVE_PARTNER_PHONE
HER_ADDRESS = casework.DRIVE_PARTNER_ADDRESS
MESSAGE = "He has been seen outside her workplace twice this week."


def test_her_support_worker_sends_a_rise_in_risk_and_his_case_manager_sees_only_that(
    live_server: LiveServer,
    sign_in: journey.SignIn,
    new_context: Callable[[], BrowserContext],
    axe: Axe,
    cast_committed: dict[str, User],
) -> None:
    base = live_server.url
    cast = cast_committed
    walk = casework.Walk(axe)
    today = timezone.localdate()
    his = case_open("drive-cardiff", cast["drive"])
    partner = partner_of(his, supported_by=cast["idva"])
    partner.phone, partner.address = HER_PHONE, HER_ADDRESS
    partner.save()
    hers = Case.objects.get(person=partner)

    # 1. The IDVA opens her case and its safety updates: nothing sent yet.
    idva = sign_in(cast["idva"])
    idva.goto(base + hers.get_absolute_url())
    casework.section(idva, "Safety updates")
    expect(idva.locator("#no-updates")).to_be_visible()
    walk.seen(idva, "safety updates (IDVA)", his_side=False)

    # 2. A rise in risk since two days ago, a new incident and a message, at first not confirmed.
    form = idva.locator("#safety-form")
    casework.choose(form, "Has the risk to her changed?", "Risk raised")
    casework.fill_date(form, "Since when", today - datetime.timedelta(days=2))
    form.get_by_label("She has reported a new incident").check()
    form.get_by_label("Message for the service working with him (optional)").fill(MESSAGE)
    journey.post_with(idva, "Send the update")
    expect(casework.errors(idva)).to_contain_text("Confirm that the service working with him may read")
    walk.seen(idva, "safety update refused (IDVA)", his_side=False)
    idva.locator("#safety-form").get_by_label(
        "I confirm the service working with him may read this message"
    ).check()
    journey.post_with(idva, "Send the update")
    expect(casework.success(idva)).to_contain_text("The update is sent to the service working with him.")
    expect(idva.locator("#safety-updates")).to_contain_text("Risk raised")
    expect(idva.locator("#safety-updates")).to_contain_text(cast["idva"].full_name)
    walk.seen(idva, "safety update sent (IDVA)", his_side=False)

    # 3. Drive's case manager: the rise, the incident and the message on his case, never her details or
    # her support worker's name; and the rise on Tasks.
    drive = sign_in(cast["drive"])
    drive.goto(base + his.get_absolute_url())
    casework.section(drive, "Contact and consent")
    reported = drive.locator("#partner-signals")
    expect(reported).to_contain_text("Risk raised")
    expect(reported).to_contain_text("New incident reported")
    expect(reported).to_contain_text(MESSAGE)
    expect(reported).to_contain_text("Drive IDVA at RISE Cardiff")
    assert cast["idva"].full_name not in drive.content()
    walk.seen(drive, "his case's contact page (Drive)")
    journey.open_menu(drive, base, "Tasks", "/en/tasks/")
    expect(drive.locator("#case-tasks")).to_contain_text("Partner reports a rise in risk")
    walk.seen(drive, "tasks (Drive)")
    # His case has no safety-update part.
    nav = drive.get_by_role("navigation", name="Parts of the case")
    drive.goto(base + his.get_absolute_url())
    expect(nav.get_by_role("link", name="Safety updates")).to_have_count(0)
    axe.assert_clean()
