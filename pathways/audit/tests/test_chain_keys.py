"""AUDIT_CHAIN_KEYS: checked at start-up with a message naming it, required in production, and rotated by
putting a new key first while the old ones go on verifying what they signed."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django.fixtures import Settings

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.audit.keys import check_chain_keys
from pathways.audit.models import AuditEntry

DEV = "dev:ZGV2ZWxvcG1lbnQtb25seS1hdWRpdC1jaGFpbi1rZXk="
SECRET = base64.urlsafe_b64encode(b"s3cr3t-audit-chain-key-of-32-byt").decode().rstrip("=")


def _keys(value: str, *, production: bool = False) -> tuple[tuple[str, bytes], ...]:
    return check_chain_keys(
        "AUDIT_CHAIN_KEYS", value.split(","), production=production, development_value=DEV
    )


def test_pairs_are_read_newest_first() -> None:
    other = base64.urlsafe_b64encode(b"o" * 40).decode()
    assert _keys(f"2026b:{SECRET}, 2026a:{other}") == (
        ("2026b", b"s3cr3t-audit-chain-key-of-32-byt"),
        ("2026a", b"o" * 40),
    )


@pytest.mark.parametrize(
    "value, message",
    [
        (SECRET, "the value must be ID:KEY"),
        (f"2026 a:{SECRET}", "must be ID:KEY, where ID is 1 to 16 letters"),
        (f"{'x' * 17}:{SECRET}", "must be ID:KEY"),
        ("2026a:" + base64.urlsafe_b64encode(b"short").decode(), "the key named '2026a' must be at least 32"),
        ("2026a:not*base64*at*all*but*long*enough*to*count", "the key named '2026a' must be at least 32"),
        (f"2026a:{SECRET},2026a:{SECRET}", "the name '2026a' is used twice"),
        (f"2026a:{SECRET},oops", "pair 2 of 2 must be ID:KEY"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_variable_not_the_key(value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as refusal:
        _keys(value)
    text = str(refusal.value)
    assert text.startswith("AUDIT_CHAIN_KEYS") and message in text
    assert SECRET not in text


def test_production_refuses_the_development_key_and_an_empty_value() -> None:
    with pytest.raises(ImproperlyConfigured, match="holds the development key"):
        _keys(f"2026a:{SECRET},{DEV}", production=True)
    with pytest.raises(ImproperlyConfigured, match="holds the development key"):
        _keys("mine:" + DEV.partition(":")[2], production=True)
    with pytest.raises(ImproperlyConfigured, match="Set AUDIT_CHAIN_KEYS"):
        check_chain_keys("AUDIT_CHAIN_KEYS", [], production=True, development_value=DEV)


def _start(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"AUDIT_CHAIN_KEYS", "PATHWAYS_ENV", "DATABASE_URL"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "pathways.settings", **environment})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_server_does_not_start_with_a_bad_value() -> None:
    result = _start({"AUDIT_CHAIN_KEYS": "nonsense"})
    assert result.returncode != 0 and "started" not in result.stdout
    assert "AUDIT_CHAIN_KEYS: the value must be ID:KEY" in result.stderr


def test_production_does_not_start_without_keys_of_its_own() -> None:
    production = {
        "PATHWAYS_ENV": "production",
        "SECRET_KEY": "k3Y-" + "x9Qz" * 13,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "ALLOWED_HOSTS": "pathways.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://pathways.example.org",
        "DATABASE_URL": "postgres://pathways:hunter2@127.0.0.1:5432/pathways",
        "STATIC_ROOT": "/srv/pathways/static",
    }
    result = _start(production)
    assert result.returncode != 0 and "Set AUDIT_CHAIN_KEYS" in result.stderr
    result = _start({**production, "AUDIT_CHAIN_KEYS": DEV})
    assert result.returncode != 0 and "AUDIT_CHAIN_KEYS holds the development key" in result.stderr


@pytest.mark.django_db
def test_after_rotation_old_entries_and_checkpoints_still_verify(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tuple(settings.AUDIT_CHAIN_KEYS)
    before = audit.entry_record(action=AuditAction.RECORD_VIEWED, record_id="before")
    checkpoints = tmp_path / "checkpoints.log"
    call_command("checkpoint_audit", "--checkpoint", str(checkpoints))

    settings.AUDIT_CHAIN_KEYS = (("2027a", b"n" * 32), *old)
    after = audit.entry_record(action=AuditAction.RECORD_VIEWED, record_id="after")
    call_command("checkpoint_audit", "--checkpoint", str(checkpoints))

    assert (before.key_id, after.key_id) == ("dev", "2027a")
    call_command("verify_audit", "--checkpoint", str(checkpoints))
    assert "consistent with 2 checkpoint(s)" in capsys.readouterr().out


@pytest.mark.django_db
def test_an_entry_whose_key_is_gone_is_named(settings: Settings) -> None:
    first = AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True).first()
    audit.entry_record(action=AuditAction.RECORD_VIEWED)
    settings.AUDIT_CHAIN_KEYS = (("2027a", b"n" * 32),)

    broken = audit.chain_first_break()

    assert broken is not None and broken.sequence == (first or 1)
    assert "signed with the key named 'dev', which AUDIT_CHAIN_KEYS does not hold" in broken.reason
    with pytest.raises(CommandError, match="signed with the key named 'dev'"):
        call_command("verify_audit")
