from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.core.access import Role
from pathways.insights.figures import referral_figures
from pathways.referrals import services
from pathways.referrals.choices import Status
from pathways.referrals.models import ReferralEvent
from pathways.referrals.tests.factories import actor_of, refer

pytestmark = pytest.mark.django_db


def test_conversion_and_waits_come_from_the_events(
    region: None, persona: Callable[[str], User], client_as: Callable[[str], Client]
) -> None:
    clear = actor_of(persona(Role.PRACTITIONER))
    referrals = [
        services.referral_service_choose(actor=None, referral=refer(None), service_slug="clear")
        for _ in range(4)
    ]
    for referral in referrals[:2]:
        for step in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
            services.referral_advance(actor=clear, referral=referral, to=step)
    services.referral_advance(actor=clear, referral=referrals[2], to=Status.DECLINED, note="Not ready")
    # The first one started ten days after it was sent.
    sent = ReferralEvent.objects.get(referral=referrals[0], status=Status.TRIAGED).at
    ReferralEvent.objects.filter(referral=referrals[0], status=Status.STARTED).update(
        at=sent + datetime.timedelta(days=10)
    )
    rows = {r.service.slug: r for r in referral_figures()}
    assert rows["rise-cardiff"].referred == 4  # each partner was referred for support too
    row = rows["clear"]
    assert (row.service.slug, row.referred, row.started, row.declined, row.conversion) == (
        "clear",
        4,
        2,
        1,
        50,
    )
    assert row.median_days_to_start is not None and 4.9 < row.median_days_to_start < 5.1
    page = client_as(Role.COMMISSIONER).get("/en/insights/referrals/").content.decode()
    assert 'data-service="clear"' in page and ">50<" in page


def test_no_referrals_no_rows(region: None) -> None:
    assert referral_figures() == []
