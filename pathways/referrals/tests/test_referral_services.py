from __future__ import annotations

import pytest
from django.db import connection

from pathways.accounts.models import User
from pathways.audit.models import AuditEntry
from pathways.core.policy import Actor, can_see_record, can_see_sealed
from pathways.factories import actor_of
from pathways.people.models import Person
from pathways.people.sealed import sealed_reveal
from pathways.referrals import services
from pathways.referrals.choices import ReferralKind, Status
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import PARTNER_PHONE, refer

pytestmark = pytest.mark.django_db


@pytest.fixture
def actors(cast: dict[str, User]) -> dict[str, Actor]:
    """The demo's social worker, CLEAR's facilitator, RISE's IDVA and Drive's case manager."""
    return {
        "social_worker": actor_of(cast["socialworker"]),
        "clear": actor_of(cast["practitioner"]),
        "rise": actor_of(cast["idva"]),
        "drive": actor_of(cast["drive"]),
    }


def test_choosing_clear_refers_the_partner_to_rise_in_the_same_transaction(actors: dict[str, Actor]) -> None:
    referral = refer(actors["social_worker"])
    services.referral_service_choose(actor=actors["social_worker"], referral=referral, service_slug="clear")
    partner_referral = Referral.objects.get(linked_referral=referral)
    assert partner_referral.kind == ReferralKind.PARTNER_SUPPORT
    assert partner_referral.service.slug == "rise-cardiff"  # type: ignore[union-attr]
    assert partner_referral.person == referral.partner


def test_a_failure_while_referring_the_partner_leaves_nothing_half_done(
    actors: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    referral = refer(actors["social_worker"])

    def broken(**kwargs: object) -> None:
        raise RuntimeError("partner-support service unavailable")

    monkeypatch.setattr(services, "_refer_partner", broken)
    with pytest.raises(RuntimeError):
        services.referral_service_choose(
            actor=actors["social_worker"], referral=referral, service_slug="clear"
        )
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED and referral.service is None
    assert not Referral.objects.filter(linked_referral=referral).exists()


def test_partner_details_are_sealed_from_the_perpetrator_service(actors: dict[str, Actor]) -> None:
    referral = refer(actors["social_worker"])
    services.referral_service_choose(actor=actors["social_worker"], referral=referral, service_slug="clear")
    assert referral.partner is not None
    partner = Person.objects.prefetch_related("agencies").get(pk=referral.partner.pk)
    assert can_see_sealed(actors["rise"], partner)
    assert (
        sealed_reveal(
            actor=actors["rise"], record=partner, value=partner.phone, field="phone", purpose="safety call"
        )
        == PARTNER_PHONE
    )
    assert not can_see_record(actors["clear"], partner, "person.view")  # type: ignore[arg-type]
    assert (
        sealed_reveal(
            actor=actors["clear"], record=partner, value=partner.phone, field="phone", purpose="curious"
        )
        is None
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT phone FROM people_person WHERE id = %s",
            [partner.pk.hex if connection.vendor == "sqlite" else partner.pk],
        )
        stored = cursor.fetchone()[0]
    assert PARTNER_PHONE not in stored


def test_a_service_that_needs_partner_details_cannot_take_a_referral_without_them(
    actors: dict[str, Actor],
) -> None:
    referral = refer(actors["social_worker"], partner=False)
    with pytest.raises(services.ReferralError, match="partner's contact details"):
        services.referral_service_choose(
            actor=actors["social_worker"], referral=referral, service_slug="clear"
        )


def test_the_choice_and_the_alternatives_shown_are_kept(actors: dict[str, Actor]) -> None:
    referral = services.referral_service_choose(
        actor=actors["social_worker"], referral=refer(actors["social_worker"]), service_slug="clear"
    )
    assert referral.triage["chosen"] == "clear"
    assert referral.triage["rules_version"] >= 1
    assert "drive-cardiff" in {r["service"] for r in referral.triage["ruled_out"]}


def test_unmet_need_keeps_the_tier_and_reasons(actors: dict[str, Actor]) -> None:
    referral = refer(
        actors["social_worker"],
        gender="woman",
        partner_gender="man",
        area="vale-of-glamorgan",
        route="police",
        risk="medium",
    )
    referral = services.referral_unmet_need_record(actor=actors["social_worker"], referral=referral)
    assert referral.status == Status.UNMET_NEED and referral.tier_needed == "medium_risk"
    assert {"service": "clear", "tier": "early_intervention"}.items() <= next(
        r for r in referral.unmet_reasons if r["service"] == "clear"
    ).items()


def test_unmet_need_is_refused_when_a_service_fits(actors: dict[str, Actor]) -> None:
    with pytest.raises(services.ReferralError):
        services.referral_unmet_need_record(
            actor=actors["social_worker"], referral=refer(actors["social_worker"])
        )


def test_lifecycle_steps_are_guarded_and_recorded(actors: dict[str, Actor]) -> None:
    referral = services.referral_service_choose(
        actor=actors["social_worker"], referral=refer(actors["social_worker"]), service_slug="clear"
    )
    with pytest.raises(services.ReferralError):
        services.referral_advance(
            actor=actors["social_worker"], referral=referral, to=Status.OFFERED
        )  # not the service
    with pytest.raises(services.ReferralError):
        services.referral_advance(
            actor=actors["clear"], referral=referral, to=Status.STARTED
        )  # skips offered
    for step in (Status.OFFERED, Status.ACCEPTED, Status.WAITING, Status.STARTED):
        services.referral_advance(actor=actors["clear"], referral=referral, to=step)
    assert list(referral.events.values_list("status", flat=True)) == [
        "received",
        "triaged",
        "offered",
        "accepted",
        "waiting",
        "started",
    ]
    assert all(e.by is not None for e in referral.events.all())


def test_declining_or_withdrawing_needs_a_reason(actors: dict[str, Actor]) -> None:
    referral = services.referral_service_choose(
        actor=actors["social_worker"], referral=refer(actors["social_worker"]), service_slug="clear"
    )
    with pytest.raises(services.ReferralError, match="reason"):
        services.referral_advance(actor=actors["clear"], referral=referral, to=Status.DECLINED)
    services.referral_advance(
        actor=actors["social_worker"], referral=referral, to=Status.WITHDRAWN, note="Family moved away"
    )
    referral.refresh_from_db()
    assert referral.status == Status.WITHDRAWN


def test_step_up_keeps_the_person_with_clear_until_drive_starts(actors: dict[str, Actor]) -> None:
    sw, clear, drive = actors["social_worker"], actors["clear"], actors["drive"]
    first = services.referral_service_choose(actor=sw, referral=refer(sw), service_slug="clear")
    for step in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        services.referral_advance(actor=clear, referral=first, to=step)
    with pytest.raises(services.ReferralError, match="handover"):
        services.referral_step(
            actor=clear, referral=first, transition="step_up", risk_level="high", handover_note=" "
        )
    up = services.referral_step(
        actor=clear,
        referral=first,
        transition="step_up",
        risk_level="high",
        handover_note="Escalating; heard at MARAC last week.",
    )
    assert up.previous_referral == first and up.been_to_marac is False
    up.been_to_marac = True
    up.save()
    services.referral_service_choose(actor=clear, referral=up, service_slug="drive-cardiff")
    first.refresh_from_db()
    assert first.status == Status.STARTED  # still with CLEAR
    for step in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        services.referral_advance(actor=drive, referral=up, to=step)
    first.refresh_from_db()
    assert first.status == Status.MOVED_ON


def test_only_the_current_service_can_step_a_person(actors: dict[str, Actor]) -> None:
    referral = services.referral_service_choose(
        actor=actors["social_worker"], referral=refer(actors["social_worker"]), service_slug="clear"
    )
    with pytest.raises(services.ReferralError):
        services.referral_step(
            actor=actors["social_worker"],
            referral=referral,
            transition="step_up",
            risk_level="high",
            handover_note="x",
        )


def test_every_write_is_audited_without_personal_data(actors: dict[str, Actor]) -> None:
    before = AuditEntry.objects.count()
    services.referral_service_choose(
        actor=actors["social_worker"], referral=refer(actors["social_worker"]), service_slug="clear"
    )
    entries = AuditEntry.objects.order_by("sequence")[before:]
    assert {e.record_type for e in entries} >= {"person", "referral"}
    assert all("Jenkins" not in str(e.details) and PARTNER_PHONE not in str(e.details) for e in entries)
