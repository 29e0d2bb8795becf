"""A wrong detail is corrected, not referred again: each change is kept with who made it and what it was,
triage runs again and says what changed, and a service's decline sends the referral back for another
option instead of closing it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.audit.models import AuditEntry
from pathways.factories import NO_CONCERNS, actor_of, sign_in
from pathways.insights.outcomes import outcomes_figures, period_of_year
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral
from pathways.referrals.services import referral_advance, referral_service_choose

pytestmark = pytest.mark.django_db

HER_PHONE = "07700 900432"

FORM = {
    "given_name": "Iwan",
    "family_name": "Rowlands",
    "gender_identity": "man",
    "area": "cardiff",
    "preferred_language": "en",
    "work_pattern": "regular_hours",
    "route": "childrens_services",
    "reason": "Shouting and breaking things at home.",
    "risk_level": "standard",
    **NO_CONCERNS,
    "partner_given_name": "Elin",
    "partner_family_name": "Rowlands",
    "partner_gender": "man",  # the mistake: she is a woman
    "partner_relationship": "current_partner",
    "partner_phone": HER_PHONE,
}


def _corrected(form: dict[str, str], **changes: str) -> dict[str, str]:
    return {**{k: v for k, v in form.items() if k != "partner_phone"}, **changes}


def test_correcting_the_partners_gender_runs_triage_again(cast: dict[str, User]) -> None:
    social_worker = sign_in(Client(), cast["socialworker"])
    location = social_worker.post("/en/referrals/new/", FORM)["Location"]
    referral = Referral.objects.get(kind="perpetrator")
    page = social_worker.get(location).content.decode()
    assert 'data-service="clear"' not in page.split('id="triage-ruled-out"')[0]  # same-sex: CLEAR out
    form = social_worker.get(f"/en/referrals/{referral.pk}/correct/").content.decode()
    assert 'value="Elin"' in form and HER_PHONE not in form  # sealed details are never filled in
    response = social_worker.post(
        f"/en/referrals/{referral.pk}/correct/", _corrected(FORM, partner_gender="woman")
    )
    assert response.status_code == 302
    page = social_worker.get(location).content.decode()
    assert "Triage ran again for" in page and "CLEAR" in page.split("Triage ran again for")[1]
    assert 'data-service="clear"' in page.split('id="triage-fits"')[1].split("</ol>")[0]
    corrections = page.split('id="corrections"')[1].split("</table>")[0]
    assert "The partner: gender identity" in corrections
    assert "Man" in corrections and "Woman" in corrections
    referral.refresh_from_db()
    assert referral.partner is not None and referral.partner.gender_identity == "woman"
    # Her phone, left empty in the correction, is kept.
    assert referral.partner.phone is not None
    entry = AuditEntry.objects.filter(record_type="person", record_id=str(referral.partner.pk)).last()
    assert entry is not None and entry.details["corrected"] == ["gender_identity"]


def test_the_service_sees_corrections_to_him_and_never_to_her(cast: dict[str, User]) -> None:
    social_worker = sign_in(Client(), cast["socialworker"])
    social_worker.post("/en/referrals/new/", {**FORM, "partner_gender": "woman"})
    referral = Referral.objects.get(kind="perpetrator")
    social_worker.post(
        f"/en/referrals/{referral.pk}/correct/",
        _corrected(FORM, partner_gender="woman", partner_given_name="Eluned", given_name="Iwan-Rhys"),
    )
    referral_service_choose(actor=actor_of(cast["socialworker"]), referral=referral, service_slug="clear")
    page = sign_in(Client(), cast["practitioner"]).get(referral.get_absolute_url()).content.decode()
    assert "Iwan-Rhys" in page
    assert "Eluned" not in page and "Elin" not in page


def test_a_correction_that_holds_her_details_is_refused_whole(cast: dict[str, User]) -> None:
    social_worker = sign_in(Client(), cast["socialworker"])
    social_worker.post("/en/referrals/new/", {**FORM, "partner_gender": "woman"})
    referral = Referral.objects.get(kind="perpetrator")
    response = social_worker.post(
        f"/en/referrals/{referral.pk}/correct/",
        _corrected(FORM, partner_gender="woman", reason=f"Call her on {HER_PHONE}", given_name="Changed"),
    )
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.person.given_name == "Iwan" and not referral.corrections.exists()


def test_an_answer_of_not_known_comes_back_chosen_on_the_correction_form(cast: dict[str, User]) -> None:
    social_worker = sign_in(Client(), cast["socialworker"])
    social_worker.post(
        "/en/referrals/new/", {**FORM, "partner_gender": "woman", "mutual_violence": "not_known"}
    )
    referral = Referral.objects.get(kind="perpetrator")
    form = social_worker.get(f"/en/referrals/{referral.pk}/correct/").content.decode()
    assert 'name="mutual_violence" type="radio" value="not_known" checked' in form
    assert 'name="serial_behaviour" type="radio" value="no" checked' in form


def test_a_decline_sends_the_referral_back_and_rules_that_service_out(cast: dict[str, User]) -> None:
    social_worker = sign_in(Client(), cast["socialworker"])
    social_worker.post("/en/referrals/new/", {**FORM, "partner_gender": "woman"})
    referral = Referral.objects.get(kind="perpetrator")
    referral_service_choose(actor=actor_of(cast["socialworker"]), referral=referral, service_slug="clear")
    referral_advance(actor=actor_of(cast["practitioner"]), referral=referral, to=Status.DECLINED, note="Full")
    referral.refresh_from_db()
    assert referral.status == Status.RECEIVED and referral.service is None
    page = social_worker.get(referral.get_absolute_url()).content.decode()
    ruled_out = page.split('id="triage-ruled-out"')[1].split("</table>")[0]
    assert "Declined this referral already" in ruled_out.split('data-service="clear"')[1]
    figures = outcomes_figures(
        actor=actor_of(cast["commissioner"]), period=period_of_year(timezone.localdate().year), exact=True
    )
    clear = next(row for row in figures.rows if row.label.startswith("CLEAR"))
    assert (clear.cells["referred"].value, clear.cells["declined"].value) == (1, 1)
