"""Every sign-in event is written to the audit log, and the log's hash chain stays intact."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts import services
from pathways.accounts.models import User
from pathways.accounts.tests.helpers import (
    ENROL_URL,
    LOGOUT_URL,
    current_code,
    give_code,
    give_password,
    newly_joined,
    wrong_code,
)
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.audit.services import chain_first_break
from pathways.core.access import Role

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    """The sign-in events written so far (the test database also holds the region load)."""
    entries = AuditEntry.objects.filter(action__startswith="auth.").order_by("sequence")
    return list(entries.values_list("action", flat=True))


def test_sign_in_is_audited(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)

    give_password(Client(REMOTE_ADDR="203.0.113.5"), user.username)

    entry = AuditEntry.objects.get(action=AuditAction.LOGIN)
    assert entry.actor_id == user.pk
    assert entry.actor_username == user.username
    assert entry.ip_address == "203.0.113.5"
    assert chain_first_break() is None


@pytest.mark.parametrize("username", ["practitioner", "no-such-person"])
def test_failed_sign_in_is_audited_for_known_and_unknown_names(
    persona: Callable[[str], User], username: str
) -> None:
    persona(Role.PRACTITIONER)

    give_password(Client(), username, "wrong-password-guess")

    assert _actions() == [AuditAction.LOGIN_FAILED]
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.actor_id is None
    assert entry.actor_username == username
    assert "wrong-password-guess" not in str(entry.details)
    assert chain_first_break() is None


def test_lockout_is_audited(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        give_password(client, user.username, "wrong-password-guess")

    give_password(client, user.username)

    assert _actions().count(AuditAction.LOCKED_OUT) == 2
    assert AuditAction.LOGIN not in _actions()
    assert chain_first_break() is None


def test_second_factor_success_and_failure_are_audited(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    device = TOTPDevice.objects.get(user=user)
    client = Client()
    give_password(client, user.username)

    give_code(client, wrong_code(device))
    device.throttle_reset()
    give_code(client, current_code(device))

    assert _actions() == [
        AuditAction.LOGIN,
        AuditAction.SECOND_FACTOR_FAILED,
        AuditAction.SECOND_FACTOR_VERIFIED,
    ]
    auth_entries = AuditEntry.objects.filter(action__startswith="auth.")
    assert set(auth_entries.values_list("actor_id", flat=True)) == {user.pk}
    assert chain_first_break() is None


def test_backup_code_use_is_audited_with_the_number_left(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    codes = services.backup_codes_replace(user=user)
    client = Client()
    give_password(client, user.username)

    give_code(client, codes[0])

    entry = AuditEntry.objects.get(action=AuditAction.BACKUP_CODE_USED)
    assert entry.actor_id == user.pk
    assert entry.details == {"remaining": len(codes) - 1}
    assert chain_first_break() is None


def test_setting_up_a_second_factor_is_audited(persona: Callable[[str], User]) -> None:
    user = newly_joined(persona(Role.PRACTITIONER))
    client = Client()
    give_password(client, user.username)
    client.get(ENROL_URL)

    client.post(ENROL_URL, {"code": current_code(TOTPDevice.objects.get(user=user))})

    entry = AuditEntry.objects.get(action=AuditAction.SECOND_FACTOR_ENROLLED)
    assert entry.actor_id == user.pk
    assert chain_first_break() is None


def test_sign_out_is_audited(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client()
    give_password(client, user.username)
    give_code(client, current_code(TOTPDevice.objects.get(user=user)))

    client.post(LOGOUT_URL)

    entry = AuditEntry.objects.order_by("sequence").last()
    assert entry is not None
    assert entry.action == AuditAction.LOGOUT
    assert entry.actor_id == user.pk
    assert chain_first_break() is None
