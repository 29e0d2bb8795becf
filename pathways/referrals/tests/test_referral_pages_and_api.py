from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import signing
from django.test import Client, override_settings

from pathways.accounts.models import User
from pathways.factories import NO_CONCERNS, date_fields, sign_in
from pathways.people.models import Person
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral
from pathways.referrals.public import SALT
from pathways.referrals.tests.factories import PARTNER_PHONE, api_answered

pytestmark = pytest.mark.django_db

FORM = {
    "given_name": "Rhys",
    "family_name": "Jenkins",
    "gender_identity": "man",
    "area": "cardiff",
    "preferred_language": "en",
    "work_pattern": "regular_hours",
    "route": "childrens_services",
    "reason": "Shouting at his partner; two children at home.",
    "risk_level": "standard",
    **NO_CONCERNS,
    "partner_given_name": "Carys",
    "partner_family_name": "Jenkins",
    "partner_gender": "woman",
    "partner_relationship": "current_partner",
    "partner_phone": PARTNER_PHONE,
    "partner_address": "12 Canary Wharf Road",
    "child_1_given_name": "Ffion",
    "child_1_family_name": "Jenkins",
}


@pytest.fixture
def social_worker(cast: dict[str, User]) -> Client:
    """The demo's social worker; CLEAR and RISE, whom the referrals go to, are the cast's agencies."""
    return sign_in(Client(), cast["socialworker"])


def test_referral_form_to_triage_to_choice(social_worker: Client) -> None:
    response = social_worker.post("/en/referrals/new/", FORM)
    assert response.status_code == 302
    page = social_worker.get(response["Location"]).content.decode()
    assert 'data-service="clear"' in page.split('id="triage-fits"')[1].split("</ol>")[0]
    assert "Takes referrals only through MARAC" in page
    social_worker.post(response["Location"] + "choose/", {"service": "clear"})
    page = social_worker.get(response["Location"]).content.decode()
    assert "Sent to a service" in page and "The partner was referred to RISE" in page


def test_form_errors_are_shown_and_nothing_is_saved(social_worker: Client) -> None:
    bad = {
        **FORM,
        "reason": "",
        **date_fields("date_of_birth", "2999-01-01"),
        "partner_phone": "call me",
        "nhs_number": "12",
        "given_name": "x" * 300,
        "child_1_family_name": "",
    }
    response = social_worker.post("/en/referrals/new/", bad)
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    for message in (
        "Enter why you are referring",
        "Date of birth must be in the past",
        "Enter a phone number",
        "NHS number",
        "at most 100 characters",
        "first and last name",
    ):
        assert message in page, message
    assert not Referral.objects.exists() and not Person.objects.exists()


def test_duplicates_are_offered_instead_of_a_second_record(social_worker: Client) -> None:
    data = {**FORM, **date_fields("date_of_birth", "1990-02-03")}
    social_worker.post("/en/referrals/new/", data)
    response = social_worker.post("/en/referrals/new/", data)
    assert response.status_code == 200 and "Use the record of Rhys Jenkins" in response.content.decode()
    existing = Person.objects.get(given_name="Rhys")
    response = social_worker.post("/en/referrals/new/", {**data, "existing_person": str(existing.pk)})
    assert response.status_code == 302
    assert Person.objects.filter(given_name="Rhys").count() == 1
    assert Referral.objects.filter(person=existing).count() == 2


def test_choosing_a_service_triage_ruled_out_is_refused(social_worker: Client) -> None:
    location = social_worker.post("/en/referrals/new/", FORM)["Location"]
    social_worker.post(location + "choose/", {"service": "drive-cardiff"})
    page = social_worker.get(location).content.decode()
    assert "That service cannot take this referral" in page
    assert Referral.objects.get(kind="perpetrator").status == Status.RECEIVED


def test_api_creates_triages_and_chooses(social_worker: Client) -> None:
    body: dict[str, Any] = {
        "person": {
            "given_name": "Rhys",
            "family_name": "Jenkins",
            "gender_identity": "man",
            "area": "cardiff",
        },
        "route": "childrens_services",
        "reason": "API referral",
        "risk_level": "standard",
        "partner": {
            "given_name": "Carys",
            "family_name": "Jenkins",
            "gender_identity": "woman",
            "phone": PARTNER_PHONE,
        },
        "children": [{"given_name": "Ffion", "family_name": "Jenkins"}],
    }
    response = social_worker.post("/api/v1/referrals/", api_answered(body), content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "received" and created["triage"]["fits"][0]["service"] == "clear"
    assert PARTNER_PHONE not in response.content.decode()
    choose = f"/api/v1/referrals/{created['id']}/choose/"
    assert (
        social_worker.post(choose, {"service": "drive-cardiff"}, content_type="application/json").status_code
        == 409
    )
    chosen = social_worker.post(choose, {"service": "clear"}, content_type="application/json").json()
    assert chosen["status"] == "triaged" and chosen["service"] == "clear"
    assert (
        social_worker.post(choose, {"service": "clear"}, content_type="application/json").status_code == 409
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"person": {"given_name": "A"}, "route": "self", "reason": "x"},
        {"person": {"given_name": "A" * 500, "family_name": "B"}, "route": "self", "reason": "x"},
        {
            "person": {"given_name": "A", "family_name": "B", "area": "atlantis"},
            "route": "self",
            "reason": "x",
        },
        {"person": {"given_name": "A", "family_name": "B"}, "route": "carrier-pigeon", "reason": "x"},
        {
            "person": {"given_name": "A", "family_name": "B"},
            "route": "self",
            "reason": "x",
            "partner": {"given_name": "C", "family_name": "D", "phone": "<script>"},
        },
        {"person": "not an object", "route": "self", "reason": "x"},
        [1, 2, 3],
    ],
)
def test_api_refuses_bad_bodies_with_reasons_and_changes_nothing(social_worker: Client, body: object) -> None:
    response = social_worker.post("/api/v1/referrals/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Referral.objects.exists()


def test_the_api_asks_for_every_answer_the_form_does_in_the_forms_words(social_worker: Client) -> None:
    body = {
        "person": {"given_name": "Rhys", "family_name": "Jenkins"},
        "route": "childrens_services",
        "reason": "API referral",
        "partner": {"given_name": "Carys", "family_name": "Jenkins"},
    }
    response = social_worker.post("/api/v1/referrals/", body, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["person"]["gender_identity"] == ["Select their gender, or Not known"]
    assert errors["person"]["area"] == ["Select where they live, or Not known"]
    assert errors["person"]["preferred_language"] == ["Select their preferred language"]
    assert errors["person"]["work_pattern"] == ["Select their work pattern, or Not known"]
    assert errors["partner"]["gender_identity"] == ["Select the partner's gender, or Not known"]
    assert errors["risk_level"] == ["Select the known risk, or Not known"]
    assert errors["been_to_marac"] == ["Select whether the case has been heard at MARAC"]
    assert errors["sexual_harm_concern"] == [
        "Select whether there are concerns about sexual harm, or Not known"
    ]
    assert not Referral.objects.exists()
    # Null is an answer for the questions about behaviour: "not known".
    answered = social_worker.post("/api/v1/referrals/", api_answered(body), content_type="application/json")
    assert answered.status_code == 201, answered.content


def test_api_refuses_malformed_json(social_worker: Client) -> None:
    response = social_worker.post("/api/v1/referrals/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not Referral.objects.exists()


# --- the public self-referral form ---------------------------------------------------------------------


def _self_form(**overrides: str) -> dict[str, str]:
    started = signing.dumps(time.time() - 60, salt=SALT)
    return {
        "given_name": "Dai",
        "family_name": "Lewis",
        "gender_identity": "man",
        "area": "cardiff",
        "preferred_language": "cy",
        "phone": "07700 900111",
        "reason": "I lose my temper with my partner.",
        "partner_given_name": "Mari",
        "partner_family_name": "Lewis",
        "partner_phone": PARTNER_PHONE,
        "consent": "on",
        "started": started,
        **overrides,
    }


def test_self_referral_gives_a_reference_and_shows_nothing_back(
    cast: dict[str, User], client: Client
) -> None:
    response = client.post("/cy/referrals/self-referral/", _self_form())
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    referral = Referral.objects.get(kind="perpetrator")
    assert referral.reference in page and 'lang="cy"' in page
    # It names the service that will contact him, and nothing of his partner or of her support.
    assert "CLEAR" in page.split('id="what-next"')[1]
    for hidden in ("Mari", PARTNER_PHONE, "RISE", "Dai"):
        assert hidden not in page
    assert referral.service is not None and referral.service.slug == "clear"
    assert Referral.objects.filter(kind="partner_support", linked_referral=referral).exists()


def test_self_referral_never_says_whether_someone_is_known(region: None, client: Client) -> None:
    first = client.get(client.post("/en/referrals/self-referral/", _self_form())["Location"]).content.decode()
    second = client.get(
        client.post("/en/referrals/self-referral/", _self_form())["Location"]
    ).content.decode()
    strip = lambda page: page.replace(Referral.objects.order_by("created_at")[0].reference, "REF").replace(  # noqa: E731
        Referral.objects.filter(kind="perpetrator").order_by("-created_at")[0].reference, "REF"
    )
    assert strip(first).count("REF") == 1 and strip(second).count("REF") == 1


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"website": "http://spam.example"}, "honeypot"),
        ({"started": "forged"}, "bad timer"),
        ({}, "too fast"),
    ],
)
def test_self_referral_refuses_automated_submissions(
    region: None, client: Client, overrides: dict[str, str], why: str
) -> None:
    if why == "too fast":
        overrides = {"started": signing.dumps(time.time(), salt=SALT)}
    response = client.post("/en/referrals/self-referral/", _self_form(**overrides))
    assert response.status_code == 200, why
    assert "could not be sent" in response.content.decode()
    assert not Referral.objects.exists()


@override_settings(SELF_REFERRALS_PER_ADDRESS_PER_HOUR=2)
def test_self_referral_is_rate_limited_per_address(region: None, client: Client) -> None:
    for _ in range(2):
        assert client.post("/en/referrals/self-referral/", _self_form()).status_code == 302
    response = client.post("/en/referrals/self-referral/", _self_form())
    assert response.status_code == 429 and "try again" in response.content.decode().lower()
    assert Referral.objects.filter(kind="perpetrator").count() == 2
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.post("/en/referrals/self-referral/", _self_form()).status_code == 302


def test_self_referral_with_no_fitting_service_is_unmet_need(region: None, client: Client) -> None:
    client.post("/en/referrals/self-referral/", _self_form(gender_identity="woman", area="vale-of-glamorgan"))
    referral = Referral.objects.get()
    assert referral.status == Status.UNMET_NEED


def test_self_referral_errors_are_shown(region: None, client: Client) -> None:
    response = client.post("/en/referrals/self-referral/", _self_form(phone="", consent="", reason=""))
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "phone number or an email address" in page
