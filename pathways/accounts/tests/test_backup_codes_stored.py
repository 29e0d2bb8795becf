"""Backup codes are stored as digests, never as the codes people are shown."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client, override_settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from pathways.accounts import services
from pathways.accounts.backup_codes import backup_code_digest
from pathways.accounts.models import User
from pathways.accounts.tests.helpers import VERIFY_URL, WORK_URL, give_code, give_password
from pathways.core.access import Role

pytestmark = pytest.mark.django_db


def _signs_in_with(user: User, code: str) -> bool:
    client = Client()
    assert give_password(client, user.username)["Location"] == VERIFY_URL
    return give_code(client, code).get("Location") == WORK_URL


def test_no_backup_code_is_stored_as_it_is_shown(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)

    codes = services.backup_codes_replace(user=user)

    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(stored) == len(codes) == 10
    assert not stored & set(codes)
    assert not any(code in token or token in code for code in codes for token in stored)
    assert _signs_in_with(user, codes[3])


def test_a_stored_digest_does_not_sign_in(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    services.backup_codes_replace(user=user)
    digest = StaticToken.objects.filter(device__user=user).values_list("token", flat=True).first()
    assert digest is not None

    assert not _signs_in_with(user, digest)
    assert StaticToken.objects.filter(device__user=user).count() == 10


def test_the_same_code_for_two_people_is_stored_differently(persona: Callable[[str], User]) -> None:
    one, other = persona(Role.PRACTITIONER), persona(Role.MANAGER)

    assert backup_code_digest(user_id=one.pk, code="abcd2345") != backup_code_digest(
        user_id=other.pk, code="abcd2345"
    )


def test_codes_keep_working_while_the_secret_key_is_rotated(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    codes = services.backup_codes_replace(user=user)

    with override_settings(SECRET_KEY="a-new-key-" + "x" * 50, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        assert _signs_in_with(user, codes[0])


def test_codes_stored_in_plain_text_are_hashed_by_the_migration(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    StaticToken.objects.create(device=device, token="plain234")
    migration = importlib.import_module("pathways.accounts.migrations.0004_hash_backup_codes")

    migration.hash_backup_codes(apps, None)

    assert not StaticToken.objects.filter(token="plain234").exists()
    assert StaticToken.objects.filter(device=device).count() == 1
    assert _signs_in_with(user, "plain234")
