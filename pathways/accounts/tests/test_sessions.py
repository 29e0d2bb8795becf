"""Session limits, session fixation, signing out and disabled accounts."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from pathways.accounts.models import User
from pathways.accounts.tests.helpers import (
    GAP_MAP_URL,
    LOGIN_URL,
    LOGOUT_URL,
    current_code,
    give_code,
    give_password,
    page_text,
    session_cookie,
)
from pathways.core.access import Role
from pathways.factories import sign_in

pytestmark = pytest.mark.django_db

ENDED = "You were signed out because your session ended."
MINUTE = 60
HOUR = 60 * MINUTE


def _signed_in(persona: Callable[[str], User]) -> Client:
    client = sign_in(Client(), persona(Role.PRACTITIONER))
    assert client.get(GAP_MAP_URL).status_code == 200
    return client


def _set_clock(client: Client, *, started_ago: float, last_seen_ago: float) -> None:
    session = client.session
    session[SESSION_STARTED] = time.time() - started_ago
    session[SESSION_LAST_SEEN] = time.time() - last_seen_ago
    session.save()


def _assert_signed_out_with_notice(client: Client) -> None:
    response = client.get(GAP_MAP_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert ENDED in page_text(client.get(response["Location"]))
    assert "_auth_user_id" not in client.session


def test_idle_for_more_than_thirty_minutes_ends_the_session(persona: Callable[[str], User]) -> None:
    client = _signed_in(persona)
    _set_clock(client, started_ago=HOUR, last_seen_ago=31 * MINUTE)

    _assert_signed_out_with_notice(client)


def test_idle_for_less_than_thirty_minutes_keeps_the_session(persona: Callable[[str], User]) -> None:
    client = _signed_in(persona)
    _set_clock(client, started_ago=HOUR, last_seen_ago=29 * MINUTE)

    assert client.get(GAP_MAP_URL).status_code == 200


def test_working_on_keeps_the_session_alive_past_thirty_minutes(persona: Callable[[str], User]) -> None:
    client = _signed_in(persona)
    _set_clock(client, started_ago=HOUR, last_seen_ago=20 * MINUTE)
    assert client.get(GAP_MAP_URL).status_code == 200

    # Twenty minutes more: forty since the clock was set, twenty since the last page.
    session = client.session
    session[SESSION_LAST_SEEN] -= 20 * MINUTE
    session.save()

    assert client.get(GAP_MAP_URL).status_code == 200


def test_pages_a_few_seconds_apart_do_not_each_rewrite_the_session(persona: Callable[[str], User]) -> None:
    client = _signed_in(persona)
    _set_clock(client, started_ago=HOUR, last_seen_ago=10)
    seen = client.session[SESSION_LAST_SEEN]

    assert client.get(GAP_MAP_URL).status_code == 200

    assert client.session[SESSION_LAST_SEEN] == seen


def test_twelve_hours_ends_the_session_even_when_active(persona: Callable[[str], User]) -> None:
    client = _signed_in(persona)
    _set_clock(client, started_ago=12 * HOUR + MINUTE, last_seen_ago=MINUTE)

    _assert_signed_out_with_notice(client)


def test_an_active_session_under_twelve_hours_continues(persona: Callable[[str], User]) -> None:
    client = _signed_in(persona)
    _set_clock(client, started_ago=11 * HOUR, last_seen_ago=MINUTE)

    assert client.get(GAP_MAP_URL).status_code == 200


def test_session_key_changes_at_sign_in(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client()
    planted = client.session
    planted["planted"] = True
    planted.save()
    before = session_cookie(client)

    give_password(client, user.username)
    after_password = session_cookie(client)
    give_code(client, current_code(TOTPDevice.objects.get(user=user)))

    assert after_password != before
    assert not SessionStore().exists(before)
    assert client.get(GAP_MAP_URL).status_code == 200
    # The key an attacker might have planted does not carry the signed-in session.
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = before
    assert attacker.get(GAP_MAP_URL).status_code == 302


def test_sign_out_by_get_is_refused(persona: Callable[[str], User]) -> None:
    client = _signed_in(persona)

    response = client.get(LOGOUT_URL)

    assert response.status_code == 405
    assert client.get(GAP_MAP_URL).status_code == 200


def test_after_sign_out_the_old_session_cookie_no_longer_works(persona: Callable[[str], User]) -> None:
    client = _signed_in(persona)
    old_cookie = session_cookie(client)

    response = client.post(LOGOUT_URL, follow=True)

    assert response.redirect_chain[-1][0] == LOGIN_URL
    assert "You have signed out." in page_text(response)
    assert client.get(GAP_MAP_URL).status_code == 302
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_cookie
    assert replay.get(GAP_MAP_URL)["Location"].startswith(LOGIN_URL)


def test_disabling_an_account_ends_its_access_on_the_next_request(persona: Callable[[str], User]) -> None:
    client = _signed_in(persona)
    user = persona(Role.PRACTITIONER)

    user.is_active = False
    user.save(update_fields=["is_active"])

    response = client.get(GAP_MAP_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert client.get("/api/v1/services/").status_code == 401


def test_disabled_account_cannot_sign_in(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    User.objects.filter(pk=user.pk).update(is_active=False)
    client = Client()

    response = give_password(client, user.username)

    assert response.status_code == 200
    assert "Enter a correct username and password." in page_text(response)
    assert "_auth_user_id" not in client.session
