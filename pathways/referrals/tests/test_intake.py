"""The region's intake team receives every self-referral and every referral no service can take, sees
it in its queue until it records what it did, and the person asking for help is told truthfully what
happens next."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client

from pathways.accounts.models import User
from pathways.factories import actor_of, sign_in
from pathways.referrals.choices import IntakeOutcome, Status
from pathways.referrals.models import Referral
from pathways.referrals.public import SALT
from pathways.referrals.services import referral_unmet_need_record
from pathways.referrals.tests.factories import PARTNER_PHONE, refer

pytestmark = pytest.mark.django_db


def _self_referral(client: Client, language: str = "en", **changes: str) -> str:
    form = {
        "given_name": "Dai",
        "family_name": "Lewis",
        "gender_identity": "man",
        "area": "vale-of-glamorgan",
        "preferred_language": "en",
        "phone": "07700 900111",
        "contact_arrangements": "Text first, please.",
        "reason": "I lose my temper with my partner.",
        "partner_given_name": "Mari",
        "partner_phone": PARTNER_PHONE,
        "consent": "on",
        "started": signing.dumps(time.time() - 60, salt=SALT),
        **changes,
    }
    response = client.post(f"/{language}/referrals/self-referral/", form)
    assert response.status_code == 302, response.content.decode()
    return client.get(response["Location"]).content.decode()


def test_a_vale_self_referral_no_service_takes_lands_in_the_intake_queue(
    cast: dict[str, User], client: Client
) -> None:
    page = _self_referral(client)
    assert "No service where you live can take your request yet" in page
    assert "Cardiff and Vale Intake Team has your request and will contact you" in page
    referral = Referral.objects.get(kind="perpetrator")
    assert referral.status == Status.UNMET_NEED
    intake = sign_in(Client(), cast["intake"])
    queue = intake.get("/en/referrals/intake/").content.decode()
    assert referral.reference in queue and "Dai Lewis" in queue
    # The intake team contacts him: his own details, never his partner's.
    shown = intake.post(f"/en/people/{referral.person.pk}/sealed/", {"purpose": "to call him back"})
    assert "07700 900111" in shown.content.decode() and PARTNER_PHONE not in shown.content.decode()
    # A team elsewhere sees none of it.
    assert (
        referral.reference
        not in sign_in(Client(), cast["intake-elsewhere"]).get("/en/referrals/intake/").content.decode()
    )


def test_recording_what_was_done_takes_it_out_of_the_queue(cast: dict[str, User], client: Client) -> None:
    _self_referral(client)
    referral = Referral.objects.get(kind="perpetrator")
    intake = sign_in(Client(), cast["intake"])
    response = intake.post(
        f"/en/referrals/{referral.pk}/intake/",
        {"outcome": IntakeOutcome.CONTACTED_SIGNPOSTED, "note": "Told him about the Respect Phoneline."},
    )
    assert response.status_code == 302
    queue = intake.get("/en/referrals/intake/").content.decode()
    waiting = queue.split('id="intake-waiting"')[1] if 'id="intake-waiting"' in queue else ""
    assert referral.reference not in waiting
    assert "Contacted them and told them of other help" in queue.split("Recently dealt with")[1]
    history = intake.get(referral.get_absolute_url()).content.decode()
    assert "Intake: Contacted them and told them of other help" in history


def test_only_the_intake_team_records_what_was_done(cast: dict[str, User], client: Client) -> None:
    _self_referral(client)
    referral = Referral.objects.get(kind="perpetrator")
    other = sign_in(Client(), cast["practitioner"])
    other.post(f"/en/referrals/{referral.pk}/intake/", {"outcome": IntakeOutcome.NOT_REACHED})
    referral.refresh_from_db()
    assert referral.intake_outcome == ""


def test_a_self_referral_a_service_takes_says_which_and_reaches_intake_too(
    cast: dict[str, User], client: Client
) -> None:
    page = _self_referral(client, "cy", area="cardiff", preferred_language="cy")
    referral = Referral.objects.get(kind="perpetrator")
    assert referral.status == Status.TRIAGED and referral.service is not None
    assert referral.service.name_cy in page
    assert referral.intake_agency is not None and referral.intake_agency.slug == "cardiff-vale-intake"


def test_unmet_need_from_any_route_reaches_the_intake_team(cast: dict[str, User]) -> None:
    referral = refer(
        actor_of(cast["probation"]), route="probation", area="vale-of-glamorgan", risk="standard"
    )
    referral_unmet_need_record(actor=actor_of(cast["probation"]), referral=referral)
    intake = sign_in(Client(), cast["intake"])
    assert referral.reference in intake.get("/en/referrals/intake/").content.decode()
    assert "Intake queue: 1 waiting" in intake.get("/en/referrals/").content.decode()


def test_a_note_with_his_partners_details_is_refused(cast: dict[str, User], client: Client) -> None:
    _self_referral(client)
    referral = Referral.objects.get(kind="perpetrator")
    intake = sign_in(Client(), cast["intake"])
    intake.post(
        f"/en/referrals/{referral.pk}/intake/",
        {"outcome": IntakeOutcome.NOT_REACHED, "note": f"Tried his partner on {PARTNER_PHONE}"},
    )
    referral.refresh_from_db()
    assert referral.intake_outcome == "" and referral.intake_note == ""
