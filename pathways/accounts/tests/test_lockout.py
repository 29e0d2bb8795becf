"""Lockout by username: repeated wrong passwords pause sign-in for that username, from anywhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.accounts.tests.helpers import VERIFY_URL, give_password, page_text
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.audit.services import chain_first_break
from pathways.core.access import Role

pytestmark = pytest.mark.django_db

LOCKED = "Too many attempts to sign in"


def _fail_until_locked(username: str, remote_addr: str = "192.0.2.10") -> None:
    client = Client(REMOTE_ADDR=remote_addr)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        give_password(client, username, "wrong-password-guess")


def _age_attempts(by: timedelta) -> None:
    AccessAttempt.objects.update(attempt_time=timezone.now() - by)


def test_locked_username_refuses_even_the_right_password(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    _fail_until_locked(user.username)
    client = Client()

    response = give_password(client, user.username)

    assert response.status_code == 429
    assert LOCKED in page_text(response)
    assert "_auth_user_id" not in client.session


def test_fewer_failures_than_the_limit_do_not_lock(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert give_password(client, user.username, "wrong-password-guess").status_code == 200

    assert give_password(client, user.username)["Location"] == VERIFY_URL


def test_unknown_username_locks_with_the_same_page(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    _fail_until_locked(user.username)
    _fail_until_locked("no-such-person")

    known = give_password(Client(), user.username)
    unknown = give_password(Client(), "no-such-person", "anything-at-all-here")

    assert unknown.status_code == known.status_code == 429
    assert page_text(unknown) == page_text(known)
    assert LOCKED in page_text(unknown)


def test_lock_holds_from_a_different_address(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    _fail_until_locked(user.username, remote_addr="192.0.2.10")

    response = give_password(Client(REMOTE_ADDR="198.51.100.77"), user.username)

    assert response.status_code == 429
    assert LOCKED in page_text(response)


def test_other_usernames_are_not_locked(persona: Callable[[str], User]) -> None:
    _fail_until_locked("someone-else")
    user = persona(Role.PRACTITIONER)

    assert give_password(Client(), user.username)["Location"] == VERIFY_URL


def test_lock_lasts_until_the_cool_off_ends(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    _fail_until_locked(user.username)

    _age_attempts(settings.AXES_COOLOFF_TIME - timedelta(minutes=1))
    assert give_password(Client(), user.username).status_code == 429

    _age_attempts(settings.AXES_COOLOFF_TIME + timedelta(minutes=1))
    client = Client()
    response = give_password(client, user.username)
    assert response.status_code == 302
    assert response["Location"] == VERIFY_URL
    assert client.session["_auth_user_id"] == str(user.pk)


def test_successful_sign_in_clears_the_failure_count(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        give_password(client, user.username, "wrong-password-guess")
    assert give_password(Client(), user.username)["Location"] == VERIFY_URL

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        give_password(client, user.username, "wrong-password-guess")

    assert give_password(Client(), user.username)["Location"] == VERIFY_URL


def test_lockout_is_audited_with_the_username(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    _fail_until_locked(user.username)
    give_password(Client(), user.username)

    locked = AuditEntry.objects.filter(action=AuditAction.LOCKED_OUT)
    assert locked.exists()
    assert set(locked.values_list("actor_username", flat=True)) == {user.username}
    assert set(locked.values_list("ip_address", flat=True)) >= {"192.0.2.10"}
    assert chain_first_break() is None
