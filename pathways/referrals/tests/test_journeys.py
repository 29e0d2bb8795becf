"""Each referral's journey through the services it was sent to, kept with its steps: what the outcomes
count a period's referrals from."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from pathways.accounts.models import User
from pathways.factories import actor_of
from pathways.referrals import services as referral_services
from pathways.referrals.choices import Status
from pathways.referrals.journeys import journey_step, journeys_rebuild
from pathways.referrals.models import Journey, Referral, ReferralEvent
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.usefixtures("region")


def _kept(referral: Referral) -> list[tuple[str, bool, bool, bool]]:
    rows = Journey.objects.filter(referral=referral).order_by("sent_at")
    return [
        (j.service.slug, j.started_at is not None, j.declined_at is not None, j.withdrawn_at is not None)
        for j in rows.select_related("service")
    ]


def test_each_referral_keeps_one_journey_a_service_from_its_first_sending(cast: dict[str, User]) -> None:
    practitioner = actor_of(cast["practitioner"])
    declined = referral_services.referral_service_choose(
        actor=None, referral=refer(None), service_slug="clear"
    )
    declined = referral_services.referral_advance(
        actor=practitioner, referral=declined, to=Status.DECLINED, note="Full this month"
    )
    started = referral_services.referral_service_choose(
        actor=None, referral=refer(None), service_slug="clear"
    )
    first_sent = ReferralEvent.objects.get(referral=started, status=Status.TRIAGED).at
    for step in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        started = referral_services.referral_advance(actor=practitioner, referral=started, to=step)
    assert _kept(started.partner_referrals.get()) == [("rise-cardiff", False, False, False)]
    # Sent there again later (as a correction that sends it back through triage would): still one
    # journey, from the first sending.
    again = referral_services.referral_event_build(referral=started, status=Status.TRIAGED, actor=None)
    again.save()
    journey_step(event=again)

    assert _kept(declined) == [("clear", False, True, False)]
    assert _kept(started) == [("clear", True, False, False)]
    journey = Journey.objects.get(referral=started)
    assert journey.sent_at == first_sent < again.at
    assert journey.started_at == ReferralEvent.objects.get(referral=started, status=Status.STARTED).at

    # Written afresh from the steps, as after history rewritten in bulk, the journeys are the same.
    fields = ("referral", "service", "sent_at", "started_at", "declined_at", "withdrawn_at")
    before = sorted(Journey.objects.values_list(*fields), key=str)
    assert journeys_rebuild(referral_ids=[declined.pk, started.pk]) == 2
    assert sorted(Journey.objects.values_list(*fields), key=str) == before
    # Every referral's, the partners' referrals to support services among them.
    assert journeys_rebuild() == len(before) == 4
    assert sorted(Journey.objects.values_list(*fields), key=str) == before


def test_a_referral_not_yet_sent_to_a_service_has_no_journey(cast: dict[str, User]) -> None:
    waiting = refer(None, partner=False)
    assert _kept(waiting) == []
    assert journeys_rebuild(referral_ids=[waiting.pk]) == 0


def test_rebuilding_the_journeys_puts_back_what_the_steps_and_the_cases_say(cast: dict[str, User]) -> None:
    practitioner = actor_of(cast["practitioner"])
    referral = referral_services.referral_service_choose(
        actor=None, referral=refer(None), service_slug="clear"
    )
    for step in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        referral = referral_services.referral_advance(actor=practitioner, referral=referral, to=step)
    kept = list(Journey.objects.order_by("pk").values())
    Journey.objects.update(
        started_at=None, start_wait_days=None, sessions_attended=7, ended_state="completed"
    )
    out = io.StringIO()
    call_command("rebuild_journeys", stdout=out)
    assert "Wrote 2 journey(s), 1 of them with a case." in out.getvalue()
    assert [{k: v for k, v in j.items() if k != "id"} for j in Journey.objects.order_by("pk").values()] == [
        {k: v for k, v in j.items() if k != "id"} for j in kept
    ]
