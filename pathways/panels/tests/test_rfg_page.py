"""The RFG ranking page: the parts of each score for the agencies at the table, and for nobody else. On the
demo MATAC, with its cast: the police's MATAC coordinator imports the extract and scores it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from pathways.accounts.models import User
from pathways.audit.models import AuditEntry
from pathways.core.access import Side
from pathways.directory.models import Region
from pathways.factories import agency_of, sign_in
from pathways.panels.models import Panel
from pathways.panels.tests import factories as f
from pathways.people.models import Person, PersonAccess
from pathways.police.models import RfgRun
from pathways.police.rfg import score_region
from pathways.police.tests import police_extracts
from pathways.police.tests.police_extracts import END, extract, load

pytestmark = pytest.mark.usefixtures("region")


@dataclass
class Matac:
    panel: Panel
    run: RfgRun
    coordinator: User
    probation: User
    outsider: User


@pytest.fixture
def matac(cast: dict[str, User], tmp_path: Path) -> Matac:
    analyst = police_extracts.analyst(cast)
    load(analyst, tmp_path, extract())
    run = score_region(region=Region.objects.get(), actor=analyst, end=END)
    panel = Panel.objects.get(slug=f.MATAC)
    # The chair at another force has the permission, but no seat.
    return Matac(panel, run, analyst.user, cast["probation"], cast["chair-elsewhere"])


def _get(user: User, panel: Panel, language: str = "en") -> tuple[int, str]:
    with translation.override(language):
        url = reverse("panels:rfg", args=[panel.pk])
    response = sign_in(Client(), user).get(url)
    return response.status_code, unescape(response.content.decode())


def _row(html: str, reference: str) -> str:
    found = re.search(rf'<tr class="govuk-table__row" data-reference="{reference}">(.*?)</tr>', html, re.S)
    assert found, reference
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_a_seated_agency_sees_each_score_with_its_parts_and_the_view_is_audited(matac: Matac) -> None:
    status, html = _get(matac.probation, matac.panel)

    assert status == 200
    top = matac.run.scores.get(perpetrator_ref="SERIAL-0")
    row = _row(html, "SERIAL-0")
    assert row.startswith(f"{top.rank} Police reference SERIAL-0 Agenda")
    for value in (top.score, top.recency, top.frequency, top.gravity, top.victims):
        assert f"{value:.1f}" in row
    assert "Very high" in row and "Serial" in row
    assert "FREQUENT-0" in html and "No" in _row(html, "FREQUENT-0")
    assert "version 1 of the region's RFG model" in html
    entry = AuditEntry.objects.filter(record_type="rfgscore").get()
    assert entry.actor_id == matac.probation.pk and entry.details["view"] == "panels:rfg"
    shown = set(entry.details["read"]["rfgscore"]["ids"])
    assert str(top.pk) in shown and entry.details["read"]["rfgscore"]["count"] == len(shown)


def test_bands_are_shown_in_welsh(matac: Matac) -> None:
    status, html = _get(matac.coordinator, matac.panel, "cy")
    assert status == 200
    assert "Uchel iawn" in _row(html, "SERIAL-0")


def test_a_name_is_shown_only_to_an_agency_working_with_the_person(matac: Matac) -> None:
    known = Person.objects.create(
        side=Side.PERPETRATOR, given_name="Gethin", family_name="Rowlands", police_reference="SERIAL-1"
    )
    PersonAccess.objects.create(person=known, agency=agency_of(matac.probation))
    run = score_region(region=Region.objects.get(), end=END)
    assert run.scores.get(perpetrator_ref="SERIAL-1").person == known

    _, probation_sees = _get(matac.probation, matac.panel)
    _, coordinator_sees = _get(matac.coordinator, matac.panel)

    assert "Gethin Rowlands" in _row(probation_sees, "SERIAL-1")
    assert "Gethin" not in coordinator_sees
    assert "Police reference SERIAL-1" in _row(coordinator_sees, "SERIAL-1")


def test_an_agency_without_a_seat_is_told_the_panel_does_not_exist(matac: Matac) -> None:
    status, _ = _get(matac.outsider, matac.panel)
    assert status == 404
    assert not AuditEntry.objects.filter(record_type="rfg_ranking").exists()


@pytest.mark.parametrize("login", ["commissioner", "auditor", "admin"])
def test_roles_without_panel_access_are_refused(matac: Matac, cast: dict[str, User], login: str) -> None:
    user = cast[login]
    f.seat(matac.panel, user)  # even with a seat
    status, html = _get(user, matac.panel)
    assert status == 403
    assert "SERIAL-0" not in html


def test_before_any_scoring_the_page_says_so(cast: dict[str, User]) -> None:
    status, html = _get(cast["chair"], Panel.objects.get(slug=f.MATAC))
    assert status == 200
    assert "No RFG scores yet" in html
