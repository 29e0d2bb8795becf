"""Two sides of a family: nothing the victim side holds reaches a service that works with the person who
harms her, whoever typed it. Each test is one of the reproductions that once worked, as the demo's cast."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pathways.accounts.models import User
from pathways.assessments import services as assessments
from pathways.assessments.models import Assessment
from pathways.core import policy
from pathways.core.access import AgencyType, Side
from pathways.factories import actor_of, sign_in
from pathways.panels.tests.meeting_factories import dash_answers
from pathways.people.models import Person, PersonAccess
from pathways.referrals import services as referrals
from pathways.referrals.choices import ReferralKind, Status
from pathways.referrals.models import Referral
from pathways.referrals.selectors import PartnerReferralSummary
from pathways.referrals.tests.factories import api_answered

pytestmark = pytest.mark.django_db

HER_ADDRESS = "9 Wren Terrace, Splott, Cardiff CF24 2PQ"
HER_PHONE = "07700 900333"
HER_NARRATIVE = "Canary narrative: she fears he will find the refuge."
HER_NOTE = "Canary note from RISE: safe to call after 6pm."


def _referral_body(**extra: Any) -> dict[str, Any]:
    return api_answered(
        {
            "person": {
                "given_name": "Rhys",
                "family_name": "Jenkins",
                "gender_identity": "man",
                "area": "cardiff",
            },
            "route": "self",
            "reason": "Shouting and controlling money.",
            "risk_level": "standard",
            "partner": {
                "given_name": "Carys",
                "family_name": "Jenkins",
                "gender_identity": "woman",
                "phone": HER_PHONE,
                "address": HER_ADDRESS,
            },
            **extra,
        }
    )


def _refer_through_the_api(user: User, service: str, **extra: Any) -> Referral:
    client = sign_in(Client(), user)
    made = client.post("/api/v1/referrals/", _referral_body(**extra), content_type="application/json")
    assert made.status_code == 201, made.content
    referral = Referral.objects.get(pk=made.json()["id"])
    chosen = client.post(
        f"/api/v1/referrals/{referral.pk}/choose/", {"service": service}, content_type="application/json"
    )
    assert chosen.status_code == 200, chosen.content
    return referral


def _her_support(referral: Referral) -> Referral:
    return Referral.objects.get(linked_referral=referral, kind=ReferralKind.PARTNER_SUPPORT)


def _idva_works_with_her(idva: User, support: Referral) -> Assessment:
    """The IDVA completes a DASH on the partner, with a narrative, and notes her referral."""
    actor = actor_of(idva)
    draft = assessments.assessment_start(
        actor=actor,
        person=support.person,
        instrument_id="dash-partner-agency",
        context="intake",
        assessed_on=datetime.date.today(),
    )
    dash = assessments.assessment_save(
        actor=actor, assessment=draft, answers=dash_answers(8), narrative=HER_NARRATIVE, complete=True
    )
    referrals.referral_advance(actor=actor, referral=support, to=Status.OFFERED, note=HER_NOTE)
    return dash


def _never_reaches(user: User, referral: Referral, support: Referral, dash: Assessment) -> None:
    client = sign_in(Client(), user)
    partner = support.person
    reads = {
        f"/api/v1/assessments/{dash.pk}/": 404,
        f"/api/v1/people/{partner.pk}/assessments/": 404,
        f"/api/v1/referrals/{support.pk}/": 404,
        reverse("referrals:detail", kwargs={"referral_id": support.pk}): 404,
        reverse("people:detail", kwargs={"person_id": partner.pk}): 404,
        reverse("assessments:history", kwargs={"person_id": partner.pk}): 404,
        reverse("assessments:detail", kwargs={"assessment_id": dash.pk}): 404,
    }
    for path, expected in reads.items():
        response = client.get(path)
        assert response.status_code == expected, path
    for path in (
        "/api/v1/referrals/",
        "/api/v1/assessments/",
        reverse("referrals:list"),
        reverse("referrals:detail", kwargs={"referral_id": referral.pk}),
        reverse("people:detail", kwargs={"person_id": referral.person_id}),
    ):
        body = client.get(path).content.decode()
        for canary in (HER_NARRATIVE, HER_NOTE, "Wren Terrace", "900333", str(dash.pk), str(partner.pk)):
            assert canary not in body, (path, canary)
    withdrawn = client.post(
        reverse("referrals:advance", kwargs={"referral_id": support.pk}), {"to": "withdrawn", "note": "x"}
    )
    assert withdrawn.status_code == 404
    support.refresh_from_db()
    assert support.status == Status.OFFERED
    started = client.post(
        "/api/v1/assessments/",
        {
            "person": str(partner.pk),
            "instrument": "dash-partner-agency",
            "context": "intake",
            "assessed_on": datetime.date.today().isoformat(),
        },
        content_type="application/json",
    )
    assert started.status_code == 404
    assert not Assessment.objects.filter(person=partner).exclude(pk=dash.pk).exists()


def test_clear_refers_a_man_and_his_partner_but_never_owns_or_reads_her_record(
    cast: dict[str, User],
) -> None:
    referral = _refer_through_the_api(cast["practitioner"], "clear")
    support = _her_support(referral)
    assert support.person.side == Side.VICTIM and referral.person.side == Side.PERPETRATOR
    clear = cast["practitioner"].memberships.get().agency
    assert not PersonAccess.objects.filter(person=support.person, agency=clear).exists()
    dash = _idva_works_with_her(cast["idva"], support)
    _never_reaches(cast["practitioner"], referral, support, dash)
    _never_reaches(cast["manager"], referral, support, dash)
    # Her own service still reads all of it.
    idva = sign_in(Client(), cast["idva"])
    assert idva.get(f"/api/v1/assessments/{dash.pk}/").json()["narrative"] == HER_NARRATIVE
    assert (
        HER_NOTE in idva.get(reverse("referrals:detail", kwargs={"referral_id": support.pk})).content.decode()
    )


def test_probation_referring_to_drive_never_owns_or_reads_the_partners_record(cast: dict[str, User]) -> None:
    referral = _refer_through_the_api(
        cast["probation"], "drive-cardiff", route="marac", risk_level="high", been_to_marac=True
    )
    support = _her_support(referral)
    dash = _idva_works_with_her(cast["idva"], support)
    _never_reaches(cast["probation"], referral, support, dash)
    _never_reaches(cast["drive"], referral, support, dash)


def test_what_crosses_to_the_perpetrator_side_is_the_named_list(cast: dict[str, User]) -> None:
    referral = _refer_through_the_api(cast["practitioner"], "clear")
    support = _her_support(referral)
    page = sign_in(Client(), cast["practitioner"]).get(
        reverse("referrals:detail", kwargs={"referral_id": referral.pk})
    )
    text = page.content.decode()
    assert "The partner was referred to RISE Cardiff" in text and ": Sent to a service." in text
    assert "Carys" not in text
    assert set(PartnerReferralSummary.__dataclass_fields__) - {"status_label"} == set(
        policy.CROSSING_TO_PERPETRATOR_SIDE["partner_referral"]
    )
    person = sign_in(Client(), cast["practitioner"]).get(
        reverse("people:detail", kwargs={"person_id": referral.person_id})
    )
    shown = person.content.decode()
    assert "Current partner" in shown and "Carys" not in shown and str(support.person_id) not in shown


def test_perpetrator_services_never_see_the_victim_side() -> None:
    """The table says it positively: neither perpetrator services nor probation see the victim side in
    their records, and every agency type has an entry."""
    assert set(policy.SIDES_BY_AGENCY_TYPE) == set(AgencyType.values)
    assert set(policy.SIDES_AT_THE_TABLE_BY_AGENCY_TYPE) == set(AgencyType.values)
    assert policy.SIDES_BY_AGENCY_TYPE[AgencyType.PERPETRATOR_SERVICE] == {Side.PERPETRATOR}
    assert policy.SIDES_AT_THE_TABLE_BY_AGENCY_TYPE[AgencyType.PERPETRATOR_SERVICE] == {Side.PERPETRATOR}
    assert policy.SIDES_BY_AGENCY_TYPE[AgencyType.PROBATION] == {Side.PERPETRATOR}
    assert not policy.SEALED_NEED.get("practitioner", frozenset()) & {
        AgencyType.PERPETRATOR_SERVICE,
        AgencyType.PROBATION,
    }


def test_an_existing_victim_cannot_be_referred_as_the_person_who_uses_abuse(cast: dict[str, User]) -> None:
    referral = _refer_through_the_api(cast["socialworker"], "clear")
    partner = referral.partner
    assert partner is not None
    with pytest.raises(referrals.ReferralError, match="partner, victim or child"):
        referrals.referral_create(
            actor=actor_of(cast["socialworker"]),
            data=referrals.ReferralInput(
                route="childrens_services", reason="Reverse", existing_person=partner
            ),
        )


def test_every_model_about_people_declares_its_side() -> None:
    for model in (Person, Referral, Assessment):
        access = policy.ownership_of(model)
        assert access is not None and access.side is not None, model


# Models about people that are never looked up on their own: each is read only through a record that
# declares its ownership (or, for police data and scores, by panel seat through the panel's pages).
READ_THROUGH_ANOTHER = {
    "people.relationship": "read from the person's record, the other person only where visible",
    "assessments.screeningcandidate": "read from its screening round",
    "police.policerecord": "read by the import and scoring, and in the papers' protected people",
    "police.rfgscore": "read from the panel's RFG ranking, which needs a seat",
}


def test_every_model_about_people_is_audited_when_read_and_declares_who_owns_it() -> None:
    from django.apps import apps

    from pathways.core.readlog import PersonalData

    person_model = apps.get_model("people", "Person")
    for model in apps.get_models():
        label = model._meta.label_lower
        points_at_people = any(
            getattr(f, "related_model", None) is person_model
            or issubclass(getattr(f, "related_model", None) or object, PersonalData)
            for f in model._meta.get_fields()
            if f.concrete and f.is_relation and f.many_to_one
        )
        if model is person_model or (points_at_people and label not in ("people.personaccess",)):
            assert issubclass(model, PersonalData), label
        if issubclass(model, PersonalData) and label not in READ_THROUGH_ANOTHER:
            assert policy.ownership_of(model) is not None, label


def test_the_auditor_finds_who_read_her_record_by_its_id(cast: dict[str, User]) -> None:
    referral = _refer_through_the_api(cast["socialworker"], "clear")
    partner = referral.partner
    assert partner is not None
    sign_in(Client(), cast["socialworker"]).get(
        reverse("referrals:detail", kwargs={"referral_id": referral.pk})
    )
    found = sign_in(Client(), cast["auditor"]).get(reverse("audit:search"), {"record": str(partner.pk)})
    assert found.status_code == 200
    assert "socialworker" in found.content.decode()


def test_an_assessment_of_him_cannot_carry_his_partners_address(cast: dict[str, User]) -> None:
    referral = _refer_through_the_api(cast["practitioner"], "clear")
    actor = actor_of(cast["practitioner"])
    draft = assessments.assessment_start(
        actor=actor,
        person=referral.person,
        instrument_id="dash-partner-agency",
        context="intake",
        assessed_on=datetime.date.today(),
    )
    with pytest.raises(assessments.AssessmentError) as refused:
        assessments.assessment_save(
            actor=actor,
            assessment=draft,
            answers=dash_answers(3),
            narrative="He waits outside 9 Wren Terrace",
        )
    assert refused.value.problems[0].item == "narrative"
    draft.refresh_from_db()
    assert draft.narrative == ""
    saved = assessments.assessment_save(
        actor=actor, assessment=draft, answers=dash_answers(3), narrative="Minimises it."
    )
    assert saved.narrative == "Minimises it."
