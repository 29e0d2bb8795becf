"""The evaluation extract: refused without a data-sharing agreement in force; with one, a pseudonymised,
minimised dataset (no names, contact details, typed words, dates of birth or exact dates; no one on the
side of the people harmed) with its data dictionary, its pseudonyms stable within it and no other, and
audited."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from html import unescape
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.audit.models import AuditEntry
from pathways.factories import actor_of, date_fields, sign_in
from pathways.insights.evaluation import ExtractRefused, extract_produce
from pathways.insights.models import Extract, SharingAgreement
from pathways.insights.tests.test_outcomes import _clear_year
from pathways.people.models import Person
from pathways.referrals.tests.factories import PARTNER_ADDRESS, PARTNER_PHONE

pytestmark = pytest.mark.usefixtures("region")

AGREEMENT = {
    "reference": "DSA-2026-04",
    "partner": "Cardiff University, School of Social Sciences",
    "contact": "Dr Eleri Rhys",
    "purpose": "Evaluation of CLEAR and Drive: engagement, completion and re-offending.",
    "lawful_basis": "public_task",
    "special_category_condition": "Article 9(2)(j), DPA 2018 Schedule 1 paragraph 4",
}


def _post(client: Client, starts: datetime.date, expires: datetime.date, **changes: str) -> object:
    return client.post(
        "/en/insights/evaluation/",
        {
            **AGREEMENT,
            **changes,
            **date_fields("starts_on", starts.isoformat()),
            **date_fields("expires_on", expires.isoformat()),
        },
    )


def _files(body: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {n: list(csv.reader(io.StringIO(archive.read(n).decode()))) for n in archive.namelist()}


def test_no_extract_without_an_agreement_in_force(cast: dict[str, User], tmp_path: Path) -> None:
    actor = actor_of(cast["auditor"])
    with pytest.raises(ExtractRefused, match="Record the data-sharing agreement first"):
        extract_produce(actor=actor, agreement=None)
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command(
            "evaluation_extract", agreement="DSA-NONE", out=str(tmp_path / "x.zip"), username="auditor"
        )
    assert not (tmp_path / "x.zip").exists()
    today = timezone.localdate()
    client = sign_in(Client(), cast["auditor"])
    _post(client, today - datetime.timedelta(days=400), today - datetime.timedelta(days=1))
    expired = SharingAgreement.objects.get()
    page = unescape(client.get("/en/insights/evaluation/").content.decode())
    assert "Not in force" in page and f"/evaluation/{expired.pk}/extract/" not in page
    refused = client.post(f"/en/insights/evaluation/{expired.pk}/extract/", follow=True)
    assert "is not in force today" in unescape(refused.content.decode())
    assert not Extract.objects.exists()
    assert not AuditEntry.objects.filter(record_type="evaluation_extract").exists()


def test_an_agreement_is_recorded_only_whole_and_in_order(cast: dict[str, User]) -> None:
    client = sign_in(Client(), cast["auditor"])
    today = timezone.localdate()
    backwards = _post(client, today, today - datetime.timedelta(days=1))
    page = unescape(backwards.content.decode())  # type: ignore[attr-defined]
    assert backwards.status_code == 400  # type: ignore[attr-defined]
    assert 'href="#id_expires_on' in page and "must expire on or after the day it starts" in page
    no_purpose = _post(client, today, today + datetime.timedelta(days=365), purpose="")
    assert no_purpose.status_code == 400 and not SharingAgreement.objects.exists()  # type: ignore[attr-defined]
    assert sign_in(Client(), cast["commissioner"]).get("/en/insights/evaluation/").status_code == 403


def test_the_extract_is_pseudonymised_minimised_and_audited(cast: dict[str, User], tmp_path: Path) -> None:
    _clear_year(cast)
    today = timezone.localdate()
    client = sign_in(Client(), cast["auditor"])
    assert _post(client, today, today + datetime.timedelta(days=730)).status_code == 302  # type: ignore[attr-defined]
    agreement = SharingAgreement.objects.get()
    response = client.post(f"/en/insights/evaluation/{agreement.pk}/extract/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    files = _files(response.content)
    assert set(files) == {"cases.csv", "referrals.csv", "data-dictionary.csv"}
    cases, referrals = files["cases.csv"], files["referrals.csv"]
    assert len(cases) - 1 == 8 and cases[0][:3] == ["case", "person", "service"]
    raw = "\n".join(",".join(r) for name in ("cases.csv", "referrals.csv") for r in files[name])
    # No exact date, name, contact detail or typed word; no one from her side.
    assert not re.search(r"\d{4}-\d{2}-\d{2}", raw)
    for person in Person.objects.all():
        assert person.family_name not in raw and str(person.pk) not in raw
    for sealed in (PARTNER_ADDRESS, PARTNER_PHONE, "Recorded for the figures."):
        assert sealed not in raw
    assert {r[2] for r in cases[1:]} == {"clear"}
    # His cases and referrals link up through the same pseudonym, within this extract only.
    assert {r[1] for r in cases[1:]} <= {r[1] for r in referrals[1:]}
    dictionary = {(r[0], r[1]) for r in files["data-dictionary.csv"] if len(r) > 1}
    assert ("cases.csv", "age_band") in dictionary and ("referrals.csv", "received") in dictionary
    entry = AuditEntry.objects.get(record_type="evaluation_extract")
    assert entry.details["agreement"] == "DSA-2026-04" and entry.details["cases"] == 8

    call_command(
        "evaluation_extract",
        agreement="DSA-2026-04",
        out=str(tmp_path / "again.zip"),
        username="auditor",
        stdout=io.StringIO(),
    )
    again = _files((tmp_path / "again.zip").read_bytes())["cases.csv"]
    assert {r[1] for r in again[1:]}.isdisjoint({r[1] for r in cases[1:]})
    assert Extract.objects.filter(agreement=agreement).count() == 2
