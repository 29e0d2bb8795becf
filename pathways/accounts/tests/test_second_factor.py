"""The second factor: codes are checked, used once only, throttled, and set up once with backup codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts import services
from pathways.accounts.models import User
from pathways.accounts.tests.helpers import (
    BACKUP_CODES_URL,
    ENROL_URL,
    PROFILE_URL,
    VERIFY_URL,
    WORK_URL,
    WRONG_CODE,
    current_code,
    give_code,
    give_password,
    is_signed_in,
    newly_joined,
    page_text,
    wrong_code,
)
from pathways.core.access import Role

pytestmark = pytest.mark.django_db


def _after_password(user: User) -> Client:
    client = Client()
    assert give_password(client, user.username)["Location"] == VERIFY_URL
    return client


def _let_throttle_pass(device: TOTPDevice | StaticDevice) -> None:
    """As if the user had waited out the pause that follows a wrong code."""
    type(device).objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
    )


def test_wrong_code_is_refused_with_a_clear_message(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = _after_password(user)

    response = give_code(client, wrong_code(TOTPDevice.objects.get(user=user)))

    assert response.status_code == 200
    assert WRONG_CODE in page_text(response)
    assert not is_signed_in(client)


def test_letters_in_a_code_are_refused_with_a_clear_message(persona: Callable[[str], User]) -> None:
    client = _after_password(persona(Role.PRACTITIONER))

    response = give_code(client, "12-34-56!")

    assert response.status_code == 200
    assert "Enter the code using only numbers and letters." in page_text(response)
    assert not is_signed_in(client)


def test_a_code_cannot_be_used_twice(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    code = current_code(TOTPDevice.objects.get(user=user))
    first = _after_password(user)
    assert give_code(first, code)["Location"] == WORK_URL

    second = _after_password(user)
    response = give_code(second, code)

    assert response.status_code == 200
    assert WRONG_CODE in page_text(response)
    assert not is_signed_in(second)
    assert is_signed_in(first)


def test_backup_code_works_once_only(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    codes = services.backup_codes_replace(user=user)
    first = _after_password(user)

    assert give_code(first, codes[0].upper())["Location"] == WORK_URL
    assert is_signed_in(first)
    assert StaticToken.objects.filter(device__user=user).count() == len(codes) - 1

    second = _after_password(user)
    response = give_code(second, codes[0])
    assert response.status_code == 200
    assert WRONG_CODE in page_text(response)
    assert not is_signed_in(second)
    # The other codes are still good, once the pause after the refused one has passed.
    _let_throttle_pass(StaticDevice.objects.get(user=user))
    assert give_code(second, codes[1])["Location"] == WORK_URL


def test_repeated_wrong_codes_pause_checking_even_for_the_right_code(
    persona: Callable[[str], User],
) -> None:
    user = persona(Role.PRACTITIONER)
    device = TOTPDevice.objects.get(user=user)
    client = _after_password(user)
    for _ in range(3):
        give_code(client, wrong_code(device))

    refused = give_code(client, current_code(device))

    assert refused.status_code == 200
    assert WRONG_CODE in page_text(refused)
    assert not is_signed_in(client)
    _let_throttle_pass(device)
    assert give_code(client, current_code(device))["Location"] == WORK_URL


@pytest.fixture
def new_starter(persona: Callable[[str], User]) -> User:
    return newly_joined(persona(Role.PRACTITIONER))


def test_set_up_page_shows_a_key_and_refuses_a_wrong_first_code(new_starter: User) -> None:
    client = Client()
    assert give_password(client, new_starter.username)["Location"] == ENROL_URL
    page = client.get(ENROL_URL)
    device = TOTPDevice.objects.get(user=new_starter, confirmed=False)
    assert page.status_code == 200
    assert "Set up your second sign-in step" in page_text(page)

    response = client.post(ENROL_URL, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "That code is not right. Check the time on your phone" in page_text(response)
    assert not TOTPDevice.objects.filter(user=new_starter, confirmed=True).exists()
    assert not is_signed_in(client)


def test_set_up_confirms_the_device_and_shows_ten_backup_codes_once(new_starter: User) -> None:
    client = Client()
    give_password(client, new_starter.username)
    client.get(ENROL_URL)
    device = TOTPDevice.objects.get(user=new_starter, confirmed=False)
    client.post(ENROL_URL, {"code": wrong_code(device)})
    _let_throttle_pass(device)

    response = client.post(ENROL_URL, {"code": current_code(device)})

    assert response["Location"] == BACKUP_CODES_URL
    assert TOTPDevice.objects.get(user=new_starter).confirmed
    shown = client.get(BACKUP_CODES_URL)
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", shown.content.decode())
    assert len(codes) == 10
    stored = set(StaticToken.objects.filter(device__user=new_starter).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & set(codes), "backup codes must not be stored as they are shown"
    again = client.get(BACKUP_CODES_URL)
    assert again.status_code == 302
    assert again["Location"] == PROFILE_URL
    assert not any(code in client.get(PROFILE_URL).content.decode() for code in codes)
    assert is_signed_in(client)


def test_set_up_page_cannot_replace_a_confirmed_device(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = _after_password(user)

    response = client.get(ENROL_URL)

    assert response.status_code == 302
    assert response["Location"] == VERIFY_URL
    assert TOTPDevice.objects.filter(user=user).count() == 1
