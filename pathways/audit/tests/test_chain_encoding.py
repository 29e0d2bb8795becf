"""Whatever an entry holds, the text the database gives back is signed as it was written: entries verify
on SQLite and PostgreSQL alike, and the details read back are what was stored."""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from pathways.audit import chain
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.audit.context import client_ip_of, client_ip_set
from pathways.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "details",
    [
        {},
        {"count": 3, "route": "police"},
        {"reason": "Cynllunio diogelwch gyda'r partner: ŵyr, chwaer, café", "emoji": "\u2603"},
        {"nested": {"zz": [1, 2, {"b": None, "a": True}], "a": []}, "z": False, "aa": -12},
        {"note": 'line one\nline two\ttab "quoted" back\\slash \x1f unit \x7f'},
        {"big": 10**30, "fraction": 0.1, "huge": 1e100, "price": decimal.Decimal("12.50")},
        {"on": datetime.date(2026, 12, 1), "id": uuid.UUID(int=7), 3: "number key"},
    ],
    ids=["empty", "simple", "welsh-and-symbols", "nested-and-ordered", "escapes", "numbers", "not-json"],
)
def test_any_details_verify_and_read_back_as_stored(details: dict[Any, Any]) -> None:
    entry = audit.entry_record(
        action=AuditAction.RECORD_VIEWED, record_type="person", record_id="p1", details=details
    )

    assert audit.chain_first_break() is None
    assert AuditEntry.objects.get(sequence=entry.sequence).details == entry.details


def test_fractions_dates_and_other_values_are_kept_as_text() -> None:
    entry = audit.entry_record(
        action=AuditAction.RECORD_VIEWED,
        details={"fraction": 0.5, "on": datetime.date(2026, 12, 1), "count": 2, "flag": True},
    )
    assert AuditEntry.objects.get(sequence=entry.sequence).details == {
        "fraction": "0.5",
        "on": "2026-12-01",
        "count": 2,
        "flag": True,
    }


@pytest.mark.parametrize(
    "address", ["192.0.2.10", "2001:DB8::1", "::ffff:10.1.2.3", "::10.1.2.3", "fe80::1:0:0:1"]
)
def test_addresses_verify_in_every_spelling(address: str) -> None:
    """Including the ones PostgreSQL spells differently from Python (an IPv4 end written dotted)."""
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    with client_ip_set(client_ip_of(request)):  # as the middleware sets it
        entry = audit.entry_record(action=AuditAction.LOGIN_FAILED, username="mallory")

    stored = AuditEntry.objects.get(sequence=entry.sequence).ip_address
    assert stored is not None and ipaddress.ip_address(stored) == ipaddress.ip_address(address)
    assert audit.chain_first_break() is None


def test_text_with_nul_and_separators_is_stored_replaced_and_verifies() -> None:
    entry = audit.entry_record(
        action=AuditAction.LOGIN_FAILED,
        username="mal\x00lory\x1f",
        purpose="a\x1fb",
        record_id="x\x00",
    )
    stored = AuditEntry.objects.get(sequence=entry.sequence)
    assert (stored.actor_username, stored.purpose, stored.record_id) == (
        "mal\ufffdlory\ufffd",
        "a\ufffdb",
        "x\ufffd",
    )
    assert audit.chain_first_break() is None


def test_a_time_on_the_whole_second_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite keeps such a time without its fraction."""
    on_the_second = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(audit.timezone, "now", lambda: on_the_second)
    audit.entry_record(action=AuditAction.RECORD_VIEWED)

    assert audit.chain_first_break() is None


def test_moving_text_from_one_field_to_the_next_breaks_the_signature() -> None:
    """The fields' boundaries are signed: the same characters split differently are a different entry."""
    entry = audit.entry_record(action=AuditAction.RECORD_VIEWED, record_type="person", record_id="p1")
    fields = chain.entry_fields(
        sequence=entry.sequence,
        at=entry.at,
        actor_id=None,
        actor_username="",
        agency_id=None,
        agency_name="",
        role="",
        action=entry.action,
        record_type="personp",
        record_id="1",
        purpose="",
        ip_address=None,
        details={},
        previous_hash=entry.previous_hash,
        key_id=entry.key_id or "",
    )
    keys = tuple(settings.AUDIT_CHAIN_KEYS)
    assert chain.sign_entry(keys, entry.key_id or "", fields) != entry.entry_hash
