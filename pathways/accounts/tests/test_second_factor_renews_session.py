"""The session key is renewed when the second factor completes, not only at the password."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts import services
from pathways.accounts.models import User
from pathways.accounts.tests.helpers import (
    BACKUP_CODES_URL,
    ENROL_URL,
    GAP_MAP_URL,
    VERIFY_URL,
    WORK_URL,
    current_code,
    give_code,
    give_password,
    newly_joined,
    session_cookie,
)
from pathways.core.access import Role

pytestmark = pytest.mark.django_db


def _key_learnt_before_the_second_factor_is_useless(before: str, client: Client) -> None:
    assert session_cookie(client) != before
    assert not SessionStore().exists(before)
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = before
    assert thief.get(GAP_MAP_URL).status_code == 302
    assert client.get(GAP_MAP_URL).status_code == 200


def test_key_changes_when_the_code_is_accepted(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client()
    assert give_password(client, user.username)["Location"] == VERIFY_URL
    before = session_cookie(client)

    assert give_code(client, current_code(TOTPDevice.objects.get(user=user)))["Location"] == WORK_URL

    _key_learnt_before_the_second_factor_is_useless(before, client)


def test_key_changes_when_a_backup_code_is_accepted(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    codes = services.backup_codes_replace(user=user)
    client = Client()
    give_password(client, user.username)
    before = session_cookie(client)

    assert give_code(client, codes[0])["Location"] == WORK_URL

    _key_learnt_before_the_second_factor_is_useless(before, client)


def test_key_changes_when_the_second_factor_is_first_set_up(persona: Callable[[str], User]) -> None:
    user = newly_joined(persona(Role.PRACTITIONER))
    client = Client()
    assert give_password(client, user.username)["Location"] == ENROL_URL
    client.get(ENROL_URL)
    before = session_cookie(client)

    response = client.post(
        ENROL_URL, {"code": current_code(TOTPDevice.objects.get(user=user, confirmed=False))}
    )

    assert response["Location"] == BACKUP_CODES_URL
    assert re.findall(r"<li><code>([a-z0-9]+)</code></li>", client.get(BACKUP_CODES_URL).content.decode())
    _key_learnt_before_the_second_factor_is_useless(before, client)
