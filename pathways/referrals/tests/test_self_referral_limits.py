"""The public self-referral form cannot be shut by strangers.

Junk costs nothing (only a valid submission is counted), the only limit that refuses is the one a person
spends alone (their own address), and what a refused person typed comes back to them. Past the marks
shared with others (a network, everyone) a referral is still taken, with a note asking staff to check it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import signing
from django.test import Client, override_settings

from pathways.accounts.models import User
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral, ReferralEvent
from pathways.referrals.public import SALT

pytestmark = pytest.mark.django_db

URL = "/en/referrals/self-referral/"
REVIEW = "Check that this is genuine before contacting anyone"


@pytest.fixture
def clear(cast: dict[str, User]) -> None:
    """The demo's agencies, CLEAR's and RISE's among them, whom self-referrals go to."""


def form(**overrides: str) -> dict[str, str]:
    return {
        "given_name": "Dai",
        "family_name": "Lewis",
        "gender_identity": "man",
        "area": "cardiff",
        "preferred_language": "en",
        "phone": "07700 900111",
        "reason": "I lose my temper with my partner and I want it to stop.",
        "partner_given_name": "Mari",
        "partner_phone": "07700 900222",  # CLEAR takes a referral only with a way to reach the partner
        "consent": "on",
        "started": signing.dumps(time.time() - 60, salt=SALT),
        **overrides,
    }


def from_address(address: str, **extra: Any) -> Client:
    return Client(REMOTE_ADDR=address, **extra)


def perpetrator_referrals() -> int:
    return Referral.objects.filter(kind="perpetrator").count()


@override_settings(SELF_REFERRALS_PER_ADDRESS_PER_HOUR=5, SELF_REFERRALS_PER_HOUR=100)
def test_junk_from_many_addresses_does_not_shut_the_form(clear: None) -> None:
    # The attack as reported: 185 empty posts from 38 addresses, which used up the budget for everyone.
    automated = {"website": "http://spam.example", **form()}
    for n in range(185):
        client = from_address(f"198.51.{n % 38}.{n % 38 + 1}")
        body = {} if n % 2 else automated
        assert client.post(URL, body).status_code == 200  # the form again, with its errors
    assert not Referral.objects.exists()
    real = from_address("203.0.113.9").post(URL, form())
    assert real.status_code == 302
    referral = Referral.objects.get(kind="perpetrator")
    assert referral.status == Status.TRIAGED and referral.service is not None
    assert REVIEW not in " ".join(e.note_shown() for e in ReferralEvent.objects.all())


@override_settings(SELF_REFERRALS_PER_ADDRESS_PER_HOUR=2)
def test_junk_from_ones_own_address_does_not_spend_its_budget(clear: None) -> None:
    client = from_address("203.0.113.20")
    for _ in range(30):
        client.post(URL, form(reason="", consent=""))
    assert client.post(URL, form()).status_code == 302
    assert client.post(URL, form()).status_code == 302
    assert client.post(URL, form()).status_code == 429
    assert perpetrator_referrals() == 2


@override_settings(SELF_REFERRALS_PER_ADDRESS_PER_HOUR=1)
def test_a_refused_person_gets_back_everything_they_typed(clear: None) -> None:
    client = from_address("203.0.113.30")
    assert client.post(URL, form()).status_code == 302
    typed = form(
        given_name="Gwilym",
        family_name="Pritchard-Owen",
        reason="Rwy'n gweiddi ar fy mhartner <and> I need help before it gets worse.",
        email="gwilym@example.org",
        phone="029 2000 0000",
        partner_given_name="Nia",
        partner_family_name="Owen",
        partner_phone="07700 900333",
        has_children="on",
    )
    refused = client.post(URL, typed)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    page = refused.content.decode()
    assert "too many have been sent from this connection" in page and "0808 8024040" in page
    for value in (
        "Gwilym",
        "Pritchard-Owen",
        "gwilym@example.org",
        "029 2000 0000",
        "Nia",
        "Owen",
        "07700 900333",
    ):
        assert f'value="{value}"' in page, value
    assert (
        "Rwy&#x27;n gweiddi ar fy mhartner &lt;and&gt; I need help before it gets worse.</textarea>" in page
    )
    assert page.count("checked") >= 2  # has children, and consent
    assert f'value="{typed["started"]}"' in page  # so sending it again later is not taken for a script
    assert perpetrator_referrals() == 1


@override_settings(SELF_REFERRALS_PER_ADDRESS_PER_HOUR=1)
def test_the_refusal_is_in_welsh_on_the_welsh_form(clear: None) -> None:
    client = from_address("203.0.113.31")
    client.post("/cy/referrals/self-referral/", form())
    refused = client.post("/cy/referrals/self-referral/", form())
    assert refused.status_code == 429
    page = refused.content.decode()
    assert 'lang="cy"' in page and "too many have been sent" not in page


@override_settings(
    SELF_REFERRALS_PER_ADDRESS_PER_HOUR=2,
    SELF_REFERRALS_PER_NETWORK_PER_HOUR=1000,
    SELF_REFERRALS_PER_HOUR=10,
)
def test_valid_looking_referrals_from_many_addresses_cannot_refuse_a_real_one(clear: None) -> None:
    for n in range(20):
        assert from_address(f"198.51.{n}.7").post(URL, form(given_name=f"Bot{n}")).status_code == 302
    real = from_address("203.0.113.40").post(URL, form(given_name="Real"))
    assert real.status_code == 302
    referral = Referral.objects.get(kind="perpetrator", person__given_name="Real")
    assert referral.status == Status.TRIAGED
    notes = [e.note_shown() for e in ReferralEvent.objects.filter(referral=referral)]
    assert any(REVIEW in note and "more than 10 self-referrals had arrived in all" in note for note in notes)
    partner = Referral.objects.get(linked_referral=referral)
    assert any(REVIEW in e.note_shown() for e in partner.events.all())
    # The first ten are not marked; every one after them is.
    marked = {
        e.referral.person.given_name
        for e in ReferralEvent.objects.filter(referral__kind="perpetrator")
        if REVIEW in e.note_shown()
    }
    assert marked == {f"Bot{n}" for n in range(10, 20)} | {"Real"}


@override_settings(SELF_REFERRALS_PER_ADDRESS_PER_HOUR=5, SELF_REFERRALS_PER_NETWORK_PER_HOUR=3)
def test_past_the_network_mark_referrals_are_taken_and_marked(clear: None) -> None:
    for n in range(1, 6):
        assert from_address(f"192.0.2.{n}").post(URL, form(given_name=f"Near{n}")).status_code == 302
    assert from_address("192.0.3.1").post(URL, form(given_name="Elsewhere")).status_code == 302
    marked = {
        e.referral.person.given_name
        for e in ReferralEvent.objects.filter(referral__kind="perpetrator")
        if "from the same network" in e.note_shown()
    }
    assert marked == {"Near4", "Near5"}
    assert perpetrator_referrals() == 6


@override_settings(SELF_REFERRALS_PER_ADDRESS_PER_HOUR=2)
def test_one_ipv6_customer_cannot_escape_the_limit_by_changing_address(clear: None) -> None:
    for suffix in ("1", "2"):
        assert from_address(f"2001:db8:1:2::{suffix}").post(URL, form()).status_code == 302
    assert from_address("2001:db8:1:2:ffff::9").post(URL, form()).status_code == 429
    assert from_address("2001:db8:1:3::1").post(URL, form()).status_code == 302


@override_settings(SELF_REFERRALS_PER_ADDRESS_PER_HOUR=2, CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR")
def test_an_address_a_client_puts_in_a_forwarded_header_is_not_believed(clear: None) -> None:
    # The proxy appends the address it saw; whatever comes before it is the client's own invention.
    for n in range(3):
        client = Client(HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.50")
        expected = 302 if n < 2 else 429
        assert client.post(URL, form()).status_code == expected


@override_settings(SELF_REFERRALS_PER_ADDRESS_PER_HOUR=1, SELF_REFERRALS_PER_NETWORK_PER_HOUR=2)
def test_when_the_address_is_unknown_no_one_is_refused_for_sharing_it(clear: None) -> None:
    # A proxy header that is missing leaves every request without an address: a limit on "no address"
    # would be one budget for everyone, so such referrals are taken and marked instead.
    for n in range(4):
        assert Client(REMOTE_ADDR="").post(URL, form(given_name=f"Anon{n}")).status_code == 302
    marked = {
        e.referral.person.given_name
        for e in ReferralEvent.objects.filter(referral__kind="perpetrator")
        if REVIEW in e.note_shown()
    }
    assert marked == {"Anon2", "Anon3"}
