"""Signing in with a password and then a second factor, as a browser does it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.models import User
from pathways.accounts.tests.helpers import (
    ENROL_URL,
    ERROR_SUMMARY,
    GAP_MAP_URL,
    LOGIN_URL,
    REFERRALS_URL,
    VERIFY_URL,
    WORK_URL,
    WRONG_CREDENTIALS,
    current_code,
    give_code,
    give_password,
    is_signed_in,
    newly_joined,
    page_text,
)
from pathways.core.access import Role
from pathways.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_password_alone_leads_to_the_code_page_and_not_to_the_gap_map(
    persona: Callable[[str], User],
) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client()

    response = give_password(client, user.username)

    assert response.status_code == 302
    assert response["Location"] == VERIFY_URL
    gap_map = client.get(GAP_MAP_URL)
    assert gap_map.status_code == 302
    assert gap_map["Location"] == VERIFY_URL
    assert "Enter your code" in page_text(client.get(VERIFY_URL))


def test_valid_code_after_the_password_opens_the_work_waiting_for_a_practitioner(
    persona: Callable[[str], User],
) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client()
    give_password(client, user.username)

    response = give_code(client, current_code(TOTPDevice.objects.get(user=user)))

    assert response.status_code == 302
    assert response["Location"] == WORK_URL
    assert client.get(WORK_URL).status_code == 200
    assert client.get(REFERRALS_URL).status_code == 200
    assert client.get(GAP_MAP_URL).status_code == 200


def test_wrong_password_reads_the_same_for_known_and_unknown_usernames(
    persona: Callable[[str], User],
) -> None:
    user = persona(Role.PRACTITIONER)
    known, unknown = Client(), Client()

    known_response = give_password(known, user.username, "not-the-password-at-all")
    unknown_response = give_password(unknown, "nobody-by-this-name", "not-the-password-at-all")

    for client, response in ((known, known_response), (unknown, unknown_response)):
        assert response.status_code == 200
        assert WRONG_CREDENTIALS in page_text(response)
        assert "_auth_user_id" not in client.session
        assert client.get(GAP_MAP_URL)["Location"].startswith(LOGIN_URL)
    # Apart from the CSRF token and the echoed username, the two pages are the same.
    known_text = page_text(known_response).replace(user.username, "USERNAME")
    unknown_text = page_text(unknown_response).replace("nobody-by-this-name", "USERNAME")
    assert known_text == unknown_text


def test_commissioner_reaches_the_gap_map_with_a_password_alone(persona: Callable[[str], User]) -> None:
    user = persona(Role.COMMISSIONER)
    client = Client()

    response = give_password(client, user.username)

    assert response["Location"] == GAP_MAP_URL
    assert client.get(GAP_MAP_URL).status_code == 200
    assert not TOTPDevice.objects.filter(user=user).exists()


@pytest.fixture
def new_starter(persona: Callable[[str], User]) -> User:
    return newly_joined(persona(Role.PRACTITIONER))


def test_practitioner_without_a_second_factor_is_made_to_set_one_up(new_starter: User) -> None:
    client = Client()

    response = give_password(client, new_starter.username)

    assert response["Location"] == ENROL_URL
    assert not is_signed_in(client)
    assert client.get(GAP_MAP_URL, follow=True).redirect_chain[-1][0] == ENROL_URL


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "https:///evil.example/", "/\\evil.example/"]
)
def test_next_cannot_send_a_user_off_site_after_sign_in(
    persona: Callable[[str], User], next_url: str
) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client()

    give_password(client, user.username, url=f"{LOGIN_URL}?next={next_url}")
    response = give_code(client, current_code(TOTPDevice.objects.get(user=user)))

    assert response.status_code == 302
    assert response["Location"] == WORK_URL


def test_next_on_the_same_site_is_followed_after_sign_in(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client()

    give_password(client, user.username, url=f"{LOGIN_URL}?next=/en/services/")
    response = give_code(client, current_code(TOTPDevice.objects.get(user=user)))

    assert response["Location"] == "/en/services/"


def test_next_cannot_send_a_commissioner_off_site(persona: Callable[[str], User]) -> None:
    commissioner = persona(Role.COMMISSIONER)

    response = give_password(Client(), commissioner.username, url=f"{LOGIN_URL}?next=https://evil.example/")

    assert response["Location"] == GAP_MAP_URL


@pytest.mark.parametrize(
    ("username", "password"),
    [("u" * 10_000, PASSWORD), ("practitioner", "p" * 10_000)],
    ids=["username", "password"],
)
def test_over_long_sign_in_fields_give_a_form_error(
    persona: Callable[[str], User], username: str, password: str
) -> None:
    persona(Role.PRACTITIONER)
    client = Client()

    response = give_password(client, username, password)

    assert response.status_code == 200
    assert ERROR_SUMMARY in page_text(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("url", [VERIFY_URL, ENROL_URL])
def test_over_long_code_gives_a_form_error(
    persona: Callable[[str], User], new_starter: User, url: str
) -> None:
    with_device, without_device = persona(Role.PRACTITIONER), new_starter
    client = Client()
    give_password(client, (with_device if url == VERIFY_URL else without_device).username)

    response = client.post(url, {"code": "1" * 1_000})

    assert response.status_code == 200
    assert ERROR_SUMMARY in page_text(response)
    assert not is_signed_in(client)
