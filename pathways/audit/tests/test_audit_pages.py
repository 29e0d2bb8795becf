from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.test import Client

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.core.access import Role

pytestmark = pytest.mark.django_db


def test_auditor_searches_by_user_and_action(client_as: Callable[[str], Client]) -> None:
    audit.entry_record(action=AuditAction.LOGIN_FAILED, username="mallory")
    audit.entry_record(action=AuditAction.LOGIN_FAILED, username="alice")
    page = client_as(Role.AUDITOR).get("/en/audit/?user=mallory&action=auth.login_failed").content.decode()
    assert "mallory" in page and "alice" not in page
    assert "1 entry" in page


def test_searching_is_itself_audited(client_as: Callable[[str], Client]) -> None:
    client_as(Role.AUDITOR).get("/en/audit/?user=mallory")
    entry = AuditEntry.objects.latest("sequence")
    assert entry.action == AuditAction.AUDIT_SEARCHED and entry.details == {"user": "mallory"}


def test_export_is_csv_audited_and_safe_for_spreadsheets(client_as: Callable[[str], Client]) -> None:
    audit.entry_record(action=AuditAction.LOGIN_FAILED, username='=HYPERLINK("http://evil.example")')
    response = client_as(Role.AUDITOR).get("/en/audit/export.csv?action=auth.login_failed")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
    assert rows[0][0] == "sequence"
    usernames = [row[2] for row in rows[1:]]
    assert usernames == ['\'=HYPERLINK("http://evil.example")']
    assert AuditEntry.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_bad_search_input_shows_errors_not_a_crash(client_as: Callable[[str], Client]) -> None:
    response = client_as(Role.AUDITOR).get(
        "/en/audit/?date_from=2026-02-30&date_to=yesterday&user=" + "x" * 5000 + "&action=nonsense"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "must be a real date" in page


def test_end_before_start_is_refused(client_as: Callable[[str], Client]) -> None:
    page = client_as(Role.AUDITOR).get("/en/audit/?date_from=2026-02-02&date_to=2026-02-01").content.decode()
    assert "The end date must be the same as or after the start date" in page


def test_an_audit_write_failure_fails_the_action(
    client_as: Callable[[str], Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the search cannot be recorded, the auditor sees an error page, not the results."""
    client = client_as(Role.AUDITOR)
    audit.entry_record(action=AuditAction.LOGIN_FAILED, username="mallory")

    def broken(entry: AuditEntry) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "entry_digest", broken)
    client.raise_request_exception = False
    response = client.get("/en/audit/?user=mallory")
    assert response.status_code == 500
    page = response.content.decode()
    assert "mallory" not in page and "Sign-in failed" not in page
