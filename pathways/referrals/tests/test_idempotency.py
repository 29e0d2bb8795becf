"""A system that retries a create after a timeout makes no duplicate: the same Idempotency-Key with the same
request is answered with the record made the first time."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.core.models import IdempotencyKey
from pathways.factories import sign_in
from pathways.people.models import Person
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import api_answered

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"


def _body(reason: str = "Retried after a timeout.") -> dict[str, Any]:
    return api_answered(
        {
            "person": {
                "given_name": "Iwan",
                "family_name": "Bowen",
                "gender_identity": "man",
                "area": "cardiff",
            },
            "route": "childrens_services",
            "reason": reason,
            "risk_level": "standard",
        }
    )


@pytest.fixture
def social_worker(cast: dict[str, User]) -> Client:
    return sign_in(Client(), cast["socialworker"])


def _post(client: Client, body: dict[str, Any], key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(URL, body, content_type="application/json", headers=headers)


def test_a_retry_with_the_same_key_makes_no_second_referral(social_worker: Client) -> None:
    first = _post(social_worker, _body(), "case-4471-referral")
    retry = _post(social_worker, _body(), "case-4471-referral")
    assert first.status_code == retry.status_code == 201
    assert "Idempotent-Replayed" not in first and retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"] and retry.json()["reference"] == first.json()["reference"]
    assert Referral.objects.count() == 1 and Person.objects.filter(given_name="Iwan").count() == 1


def test_the_same_key_for_a_different_request_is_refused(social_worker: Client) -> None:
    _post(social_worker, _body(), "case-4471-referral")
    reused = _post(social_worker, _body("Another referral"), "case-4471-referral")
    assert reused.status_code == 422 and "Idempotency-Key" in reused.json()["errors"]
    assert Referral.objects.count() == 1


def test_without_a_key_every_post_creates(social_worker: Client) -> None:
    _post(social_worker, _body(), None)
    _post(social_worker, _body(), None)
    assert Referral.objects.count() == 2 and not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 201, "caf\u00e9"])
def test_a_key_that_cannot_be_kept_is_refused_and_nothing_is_made(social_worker: Client, key: str) -> None:
    response = _post(social_worker, _body(), key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["errors"]
    assert not Referral.objects.exists()


def test_a_refused_create_keeps_no_key_so_the_corrected_retry_is_made(social_worker: Client) -> None:
    bad = {**_body(), "risk_level": "enormous"}
    assert _post(social_worker, bad, "case-4472").status_code == 400
    assert _post(social_worker, _body(), "case-4472").status_code == 201
    assert Referral.objects.count() == 1


def test_keys_belong_to_the_account_that_sent_them(social_worker: Client, cast: dict[str, User]) -> None:
    _post(social_worker, _body(), "shared-looking-key")
    idva = sign_in(Client(), cast["idva"])
    other = _post(idva, _body(), "shared-looking-key")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert Referral.objects.count() == 2
