"""A step up from CLEAR to Drive after MARAC reaches Drive, and each referral shows the other with the
history the step carries."""

from __future__ import annotations

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.factories import actor_of, sign_in
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral
from pathways.referrals.services import referral_advance, referral_service_choose
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db


def test_a_step_up_after_marac_reaches_drive_with_the_history_both_ways(cast: dict[str, User]) -> None:
    sw, clear = actor_of(cast["socialworker"]), actor_of(cast["practitioner"])
    original = referral_service_choose(actor=sw, referral=refer(sw), service_slug="clear")
    for step in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        original = referral_advance(actor=clear, referral=original, to=step)
    practitioner = sign_in(Client(), cast["practitioner"])
    response = practitioner.post(
        f"/en/referrals/{original.pk}/step/",
        {
            "transition": "step_up",
            "risk_level": "high",
            "been_to_marac": "yes",
            "awaiting_court": "on",
            "handover_note": "Risk has risen; heard at MARAC last week.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    new = Referral.objects.get(previous_referral=original)
    assert new.been_to_marac and new.awaiting_court
    page = practitioner.get(new.get_absolute_url()).content.decode()
    assert 'data-service="drive-cardiff"' in page.split('id="triage-fits"')[1].split("</ol>")[0]
    referral_service_choose(actor=clear, referral=new, service_slug="drive-cardiff")
    drive_page = sign_in(Client(), cast["drive"]).get(new.get_absolute_url()).content.decode()
    assert original.reference in drive_page.split('id="step-from"')[1]
    before = drive_page.split('id="history-before"')[1].split("</ol>")[0]
    assert "Started" in before and "Sent to a service" in before
    original_page = practitioner.get(original.get_absolute_url()).content.decode()
    assert new.reference in original_page.split('id="step-to"')[1]
    assert new.reference in original_page.split('id="referral-events"')[1].split("</ol>")[0]
