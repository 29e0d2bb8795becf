"""Signed checkpoints of the chain's newest entry, written outside the database and compared with it."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEntry]:
    return [audit.entry_record(action=AuditAction.RECORD_VIEWED, record_id=f"p{i}") for i in range(n)]


@pytest.fixture
def checkpoints(tmp_path: Path) -> Path:
    return tmp_path / "audit-checkpoints.log"


def test_a_checkpoint_records_the_newest_entry_on_stdout_and_in_the_file(
    checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    newest = _write(3)[-1]
    call_command("checkpoint_audit", "--checkpoint", str(checkpoints))

    printed = capsys.readouterr().out.strip()
    assert checkpoints.read_text() == printed + "\n"
    line = json.loads(printed)
    assert (line["sequence"], line["hash"], line["key"]) == (newest.sequence, newest.entry_hash, "dev")
    assert line["at"].endswith("Z") and len(line["hmac"]) == 64
    assert stat.S_IMODE(checkpoints.stat().st_mode) == 0o600


def test_checkpoints_accumulate_and_the_log_verifies_against_all_of_them(
    checkpoints: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(2)
    call_command("checkpoint_audit", "--checkpoint", str(checkpoints))
    newest = _write(2)[-1]
    call_command("checkpoint_audit", "--checkpoint", str(checkpoints))
    capsys.readouterr()

    call_command("verify_audit", "--checkpoint", str(checkpoints))

    assert len(checkpoints.read_text().splitlines()) == 2
    out = capsys.readouterr().out
    assert f"consistent with 2 checkpoint(s), the newest at entry #{newest.sequence}" in out


def test_checkpoints_read_from_a_log_extract(checkpoints: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Lines sent to syslog or the journal carry a prefix; the checkpoint after it is what counts."""
    _write(2)
    call_command("checkpoint_audit")
    line = capsys.readouterr().out.strip()
    checkpoints.write_text(f"Dec  1 02:00:01 app1 pathways-checkpoint[812]: {line}\n\n")

    call_command("verify_audit", "--checkpoint", str(checkpoints))

    assert "consistent with 1 checkpoint(s)" in capsys.readouterr().out


def test_a_changed_checkpoint_is_refused(checkpoints: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Someone who removed entries cannot lower the checkpoint to match: it is signed."""
    _write(4)
    call_command("checkpoint_audit", "--checkpoint", str(checkpoints))
    line = json.loads(checkpoints.read_text())
    checkpoints.write_text(json.dumps({**line, "sequence": line["sequence"] - 2}) + "\n")

    with pytest.raises(CommandError, match=re.escape(f"{checkpoints}:1: its signature does not match")):
        call_command("verify_audit", "--checkpoint", str(checkpoints))


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "holds no checkpoint"),
        ("not a checkpoint\n", ":1: not an audit checkpoint"),
        ('{"sequence": 3}\n', ":1: not an audit checkpoint"),
        (
            '{"audit_checkpoint":1,"sequence":"3","hash":"x","at":"y","key":"dev","hmac":"z"}\n',
            ":1: not an audit checkpoint",
        ),
        (
            '{"audit_checkpoint":1,"sequence":3,"hash":"x","at":"y","key":"old","hmac":"z"}\n',
            ":1: signed with the key named 'old', which AUDIT_CHAIN_KEYS does not hold",
        ),
    ],
    ids=["empty", "text", "partial", "wrong-type", "unknown-key"],
)
def test_a_file_that_is_not_checkpoints_is_refused_with_the_line(
    checkpoints: Path, content: str, message: str
) -> None:
    checkpoints.write_text(content)
    with pytest.raises(CommandError, match=message):
        call_command("verify_audit", "--checkpoint", str(checkpoints))


def test_a_missing_checkpoint_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="the checkpoint file cannot be read"):
        call_command("verify_audit", "--checkpoint", str(tmp_path / "absent.log"))


def test_verifying_without_a_checkpoint_says_what_it_cannot_find(capsys: pytest.CaptureFixture[str]) -> None:
    _write(1)
    call_command("verify_audit")
    assert "removal of the newest entries is found only with --checkpoint FILE" in capsys.readouterr().out
