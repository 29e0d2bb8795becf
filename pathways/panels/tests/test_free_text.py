"""Typed text on the perpetrator side never carries a victim's sealed details: panel decisions, actions,
referrals in, referral reasons, notes and handover notes are checked when typed and again when shown,
however the detail is disguised. As the demo's cast, on the demo MATAC, which Drive reads."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from pathways.accounts.models import User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.factories import actor_of, agency_of, make_person, sign_in
from pathways.panels import services
from pathways.panels.choices import Outcome, PanelKind
from pathways.panels.models import Action, AgendaItem, Decision, Meeting, RfgNomination
from pathways.panels.tests import factories as f
from pathways.referrals import services as referrals
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import api_answered

pytestmark = pytest.mark.django_db

PHONE = "07700 900333"
ADDRESS = "Flat 4, 14 Heron Way\nSplott\nCardiff\nCF14 2WV"
# The disguises the disclosure check once let through, and a few more.
DISGUISED = [
    "Her number is 07700/900333",
    "Call 07700, 900333",
    "Her mobile: O77OO 9OO333",
    "She lives on H\u0435ron Way now",  # a Cyrillic ie for the e
    "She lives on He\u200bron Way now",  # a zero-width space
    "She lives on He\u00adron Way now",  # a soft hyphen
    "Now at CF l4 2WV",
    "Now at \uff23\uff26\uff11\uff14 \uff12\uff37\uff36",  # full-width CF14 2WV
    "zero seven seven zero zero nine zero zero three three three",
]


@pytest.fixture
def matac_item(cast: dict[str, User]) -> AgendaItem:
    """A man on the demo MATAC whose partner's phone and address are sealed; the meeting is quorate."""
    meeting = Meeting.objects.get(panel__kind=PanelKind.MATAC)
    man = make_person(given_name="Gethin", family_name="Morgan")
    partner = f.victim(phone=PHONE, address=ADDRESS)
    f.partners(man, partner)
    item = f.raw_item(meeting, man, reason="rfg")
    f.raw_attended(meeting, *(m.user for m in meeting.panel.members.all()))
    return item


@pytest.mark.parametrize("typed", DISGUISED)
def test_a_decision_holding_her_details_is_refused_and_the_attempt_audited(
    cast: dict[str, User], matac_item: AgendaItem, typed: str
) -> None:
    chair = actor_of(cast["chair"])
    with pytest.raises(services.PanelError) as refused:
        services.decision_record(item=matac_item, outcome=Outcome.DISRUPT, reasons=typed, actor=chair)
    assert refused.value.field == "reasons"
    assert "900333" not in refused.value.message and "Heron" not in refused.value.message
    assert not Decision.objects.filter(item=matac_item).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.SEALED_VIEWED, actor_username="chair", details__field="reasons"
    ).exists()


@pytest.mark.parametrize("typed", DISGUISED[:4])
def test_an_action_or_a_referral_in_holding_her_details_is_refused(
    cast: dict[str, User], matac_item: AgendaItem, typed: str
) -> None:
    chair = actor_of(cast["chair"])
    drive = agency_of(cast["drive"])
    with pytest.raises(services.PanelError):
        services.action_create(
            item=matac_item, description=typed, agency=drive, due_on=matac_item.meeting.held_on, actor=chair
        )
    assert not Action.objects.exists()
    assert matac_item.person is not None
    with pytest.raises(services.PanelError):
        services.nomination_create(
            panel=matac_item.meeting.panel,
            person=matac_item.person,
            agency=drive,
            reason=typed,
            actor=actor_of(cast["drive"]),
        )
    assert not RfgNomination.objects.exists()


def test_the_decide_form_names_the_field_and_keeps_nothing(
    cast: dict[str, User], matac_item: AgendaItem
) -> None:
    client = sign_in(Client(), cast["chair"])
    response = client.post(
        reverse("panels:decide", kwargs={"item_id": matac_item.pk}),
        {"outcome": Outcome.DISRUPT, "reasons": "Partner now on 07700/900333"},
    )
    text = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in text
    assert 'href="#id_reasons"' in text or 'href="#reasons"' in text
    assert not Decision.objects.exists()


def test_a_detail_sealed_after_it_was_typed_is_withheld_wherever_drive_reads_it(
    cast: dict[str, User], matac_item: AgendaItem
) -> None:
    chair = actor_of(cast["chair"])
    services.decision_record(
        item=matac_item, outcome=Outcome.DISRUPT, reasons="Seen at 9 Wren Terrace twice.", actor=chair
    )
    services.action_create(
        item=matac_item,
        description="Check he keeps away from Wren Terrace",
        agency=agency_of(cast["drive"]),
        due_on=matac_item.meeting.held_on,
        actor=chair,
    )
    partner = matac_item.person.relationships.get().other  # type: ignore[union-attr]
    partner.address = "9 Wren Terrace\nSplott\nCardiff"
    partner.save()
    drive = sign_in(Client(), cast["drive"])
    pages = [
        reverse("panels:item_detail", kwargs={"item_id": matac_item.pk}),
        reverse("panels:minutes", kwargs={"meeting_id": matac_item.meeting_id}),
        reverse("panels:minutes", kwargs={"meeting_id": matac_item.meeting_id}) + "?lang=cy",
        reverse("panels:actions"),
        "/cy" + reverse("panels:minutes", kwargs={"meeting_id": matac_item.meeting_id})[3:],
    ]
    for path in pages:
        response = drive.get(path)
        assert response.status_code == 200, path
        assert "Wren" not in response.content.decode(), path
    assert "Withheld" in drive.get(pages[0]).content.decode()


def test_a_referral_reason_or_note_holding_the_partners_details_is_refused(cast: dict[str, User]) -> None:
    social_worker = sign_in(Client(), cast["socialworker"])
    body = {
        "person": {
            "given_name": "Rhys",
            "family_name": "Jenkins",
            "gender_identity": "man",
            "area": "cardiff",
        },
        "route": "childrens_services",
        "reason": "He follows her to 14 Heron Way, Splott",
        "partner": {
            "given_name": "Carys",
            "family_name": "Jenkins",
            "gender_identity": "woman",
            "address": ADDRESS,
        },
    }
    body = api_answered(body)
    refused = social_worker.post("/api/v1/referrals/", body, content_type="application/json")
    assert refused.status_code == 400 and "reason" in refused.json()["errors"]
    assert not Referral.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED, actor_username="socialworker").exists()
    body["reason"] = "Shouting and controlling money."
    made = social_worker.post("/api/v1/referrals/", body, content_type="application/json")
    assert made.status_code == 201
    referral = Referral.objects.get(pk=made.json()["id"])
    with pytest.raises(referrals.ReferralError):
        referrals.referral_advance(
            actor=actor_of(cast["socialworker"]),
            referral=referral,
            to="withdrawn",
            note="She moved to CF14 2WV",
        )
    referral.refresh_from_db()
    assert referral.status == "received"


def test_ordinary_text_is_kept(cast: dict[str, User], matac_item: AgendaItem) -> None:
    chair = actor_of(cast["chair"])
    decision = services.decision_record(
        item=matac_item,
        outcome=Outcome.DISRUPT,
        reasons="Three call-outs since January; bail: no contact. Lives in Cardiff. Review on 14 March.",
        actor=chair,
        review_on=matac_item.meeting.held_on + datetime.timedelta(days=28),
    )
    assert decision.pk
