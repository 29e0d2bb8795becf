"""Outcomes per service: computed from the record (referrals, cases, sessions, endings and police counts),
each figure with its definition; exact for the service's own managers, and under the small-number rule
for commissioners, in every export and in the API."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from pathways.accounts.models import User
from pathways.audit.models import AuditEntry
from pathways.cases.choices import AttendanceStatus, ConsentState
from pathways.cases.models import Case, OutcomePoliceCount
from pathways.cases.services import casework_rules_load
from pathways.cases.services import ending as ending_services
from pathways.cases.services import sessions as session_services
from pathways.conftest import CASEWORK_FILE
from pathways.factories import actor_of, sign_in
from pathways.insights.evaluation import extract_produce
from pathways.insights.outcomes import Period, outcomes_figures, period_of_year
from pathways.insights.services import agreement_record
from pathways.people.models import Person
from pathways.referrals import services as referral_services
from pathways.referrals.choices import Status
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.usefixtures("region")

CLEAR = "CLEAR (Change that Lasts Early Awareness Raising)"


def _year() -> Period:
    return period_of_year(timezone.localdate().year)


def _started(cast: dict[str, User], service: str, worker: str, n: int, **asked: Any) -> list[Case]:
    """`n` referrals sent to the service today and started there, each opening a case worked by `worker`."""
    actor = actor_of(cast[worker])
    cases = []
    for _ in range(n):
        referral = referral_services.referral_service_choose(
            actor=None, referral=refer(None, **asked), service_slug=service
        )
        for step in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
            referral = referral_services.referral_advance(actor=actor, referral=referral, to=step)
        cases.append(Case.objects.get(referral=referral))
    return cases


def _attended(cast: dict[str, User], case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(contact_allowed=True, consent=ConsentState.GIVEN)
    case.refresh_from_db()
    session_services.session_record(
        actor=actor_of(cast["practitioner"]),
        case=case,
        step="needs-and-goals",
        held_on=timezone.localdate() - datetime.timedelta(days=1),
        attendance={case.pk: session_services.Attended(AttendanceStatus.ATTENDED)},
    )


def _ended(cast: dict[str, User], case: Case, state: str) -> None:
    ending_services.case_end(
        actor=actor_of(cast["practitioner"]),
        case=case,
        state=state,
        reason="Recorded for the figures.",
        ended_on=timezone.localdate(),
    )


def _clear_year(cast: dict[str, User]) -> None:
    """CLEAR's year: nine referrals, one declined; eight started, four of them after a session; three
    completed and five dropped out. Two had police records before and one after."""
    declined = referral_services.referral_service_choose(
        actor=None, referral=refer(None), service_slug="clear"
    )
    referral_services.referral_advance(
        actor=actor_of(cast["practitioner"]), referral=declined, to=Status.DECLINED, note="Full"
    )
    cases = _started(cast, "clear", "practitioner", 8)
    for case in cases[:4]:
        _attended(cast, case)
    for case in cases[:3]:
        _ended(cast, case, "completed")
    for case in cases[3:]:
        _ended(cast, case, "dropped_out")
    counts = OutcomePoliceCount.objects.filter(outcome__case__in=cases[:2], months=6)
    counts.update(before=2, after=1)
    OutcomePoliceCount.objects.filter(pk=counts.first().pk).update(after=3)  # type: ignore[union-attr]


def test_a_services_own_manager_reads_its_figures_exactly_each_with_its_definition(
    cast: dict[str, User],
) -> None:
    _clear_year(cast)
    figures = outcomes_figures(actor=actor_of(cast["manager"]), period=_year())
    assert not figures.suppressed and [r.label for r in figures.rows] == [CLEAR]
    clear = {k: c.value for k, c in figures.rows[0].cells.items()}
    assert (clear["referred"], clear["declined"], clear["started"], clear["engaged"]) == (9, 1, 8, 4)
    assert (clear["completed"], clear["ended"], clear["ended_completed"], clear["ended_dropped_out"]) == (
        3,
        8,
        3,
        5,
    )
    assert clear["started_percent"] == 88.9 and clear["opened"] == 8
    assert (clear["police_cases_6"], clear["police_before_6"], clear["police_after_6"]) == (2, 4, 4)
    assert clear["police_fewer_6"] == 1
    assert clear["wait_start_median"] is not None and clear["wait_start_median"] < 1

    page = unescape(sign_in(Client(), cast["manager"]).get("/en/insights/outcomes/").content.decode())
    assert 'id="exact-numbers"' in page and 'id="funnel"' in page and 'id="funnel-table"' in page
    assert "Of those referrals, the ones whose case has ended as completed." in page
    # Drive's staff read none of CLEAR's figures.
    drive = outcomes_figures(actor=actor_of(cast["drivemanager"]), period=_year())
    assert [r.label for r in drive.rows] == [] and drive.total.cells["referred"].value == 0


def test_a_commissioner_and_every_export_see_no_number_from_1_to_4_nor_one_that_reveals_it(
    cast: dict[str, User],
) -> None:
    _clear_year(cast)
    commissioner = sign_in(Client(), cast["commissioner"])
    page = unescape(commissioner.get("/en/insights/outcomes/?service=clear").content.decode())
    assert 'id="small-numbers"' in page
    figures = outcomes_figures(actor=actor_of(cast["commissioner"]), period=_year())
    assert figures.suppressed
    clear = next(r for r in figures.rows if r.label == CLEAR)
    # Completed (3) is withheld, and so is the number from which it could be worked out: of the eight
    # that ended, the five who dropped out.
    assert clear.cells["ended_completed"].exported == "<5"
    assert clear.cells["ended_dropped_out"].exported == "[c]"
    assert clear.cells["ended"].exported == "8"
    # A median of fewer than five waits could name someone's wait: withheld with its count.
    assert clear.cells["police_cases_6"].exported == "<5"

    for manager in ("manager", "commissioner"):
        response = sign_in(Client(), cast[manager]).get(
            "/en/insights/outcomes/export/?format=csv&service=clear"
        )
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][:3] == ["Section", "Figure", "Definition"]
        by_figure = {(r[0], r[1]): r[3] for r in rows[1:]}
        assert by_figure[("Cases that ended in the period", "Completed")] == "<5"
        assert by_figure[("Cases that ended in the period", "Dropped out")] == "[c]"
        assert "3" not in [r[3] for r in rows[1:]]
    assert AuditEntry.objects.filter(record_type="outcomes", details__export="csv").count() == 2
    xlsx = commissioner.get("/en/insights/outcomes/export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_api_gives_the_same_figures_withheld_as_an_export(cast: dict[str, User]) -> None:
    _clear_year(cast)
    client = sign_in(Client(), cast["manager"])
    body = client.get("/api/v1/outcomes/?service=clear").json()
    assert [r["name"] for r in body["rows"]] == [CLEAR]
    figures = body["rows"][0]["figures"]
    assert figures["referred"] == 9 and figures["ended_completed"] == "<5"
    assert figures["ended_dropped_out"] == "[c]"
    definitions = {m["key"]: m["definition"] for m in body["measures"]}
    assert definitions["engaged"].startswith("Of those referrals, the ones whose case has engaged")
    assert client.get("/api/v1/outcomes/?period=1999-Q9").status_code == 400
    assert Client().get("/api/v1/outcomes/").status_code == 401


def test_a_chosen_range_needs_both_days_in_order_and_says_which_field(cast: dict[str, User]) -> None:
    client = sign_in(Client(), cast["commissioner"])
    response = client.get("/en/insights/outcomes/?period=range&starts_day=1&starts_month=4&starts_year=2026")
    page = unescape(response.content.decode())
    assert (
        response.status_code == 400
        and 'href="#id_ends' in page
        and "Enter the last day of the period" in page
    )
    backwards = client.get(
        "/en/insights/outcomes/?period=range&starts_day=1&starts_month=4&starts_year=2026&ends_day=1&ends_month=3&ends_year=2026"
    )
    assert backwards.status_code == 400
    assert "The last day must be the same as or after the first day" in unescape(backwards.content.decode())
    fine = client.get(
        "/en/insights/outcomes/?period=range&starts_day=1&starts_month=4&starts_year=2025&ends_day=31&ends_month=3&ends_year=2026"
    )
    assert fine.status_code == 200 and "2025-Q2" in fine.content.decode()
    # Under the small-number rule, whole quarters only: two ranges a day apart would give that day away.
    a_day_short = (
        "?period=range&starts_day=2&starts_month=4&starts_year=2025&ends_day=30&ends_month=3&ends_year=2026"
    )
    page = unescape(client.get(f"/en/insights/outcomes/{a_day_short}").content.decode())
    assert (
        "From must be the first day of a quarter" in page and "To must be the last day of a quarter" in page
    )
    assert 'href="#id_starts' in page
    api = client.get(f"/api/v1/outcomes/{a_day_short}")
    assert api.status_code == 400 and "first day of a quarter" in api.content.decode()
    manager = sign_in(Client(), cast["manager"])
    assert manager.get(f"/en/insights/outcomes/{a_day_short}").status_code == 200
    refused = manager.get(f"/en/insights/outcomes/export/{a_day_short}&format=csv")
    assert (
        refused.status_code == 400 and "From must be the first day of a quarter" in refused.content.decode()
    )


def test_rows_by_area_and_by_tier_add_up_to_the_same_total(cast: dict[str, User]) -> None:
    _started(cast, "clear", "practitioner", 6)
    _started(cast, "drive-cardiff", "drive", 5, route="marac", risk="high", been_to_marac=True)
    actor = actor_of(cast["commissioner"])
    by_service = outcomes_figures(actor=actor, period=_year(), exact=True)
    by_area = outcomes_figures(actor=actor, period=_year(), by="area", exact=True)
    by_tier = outcomes_figures(actor=actor, period=_year(), by="tier", exact=True)
    rows = {r.label: r.cells["referred"].value for r in by_service.rows}
    assert (rows[CLEAR], rows["Drive Cardiff"]) == (6, 5)
    # Each partner was referred for support too: to RISE, and to Drive's IDVA.
    total = by_service.total.cells["referred"].value
    assert total == 22
    for figures in (by_area, by_tier):
        assert sum(r.cells["referred"].value for r in figures.rows) == total  # type: ignore[misc]
        assert figures.total.cells["referred"].value == total
    assert [r.label for r in by_area.rows] == ["Cardiff"]


def test_the_outcomes_page_in_welsh(cast: dict[str, User]) -> None:
    page = unescape(sign_in(Client(), cast["commissioner"]).get("/cy/insights/outcomes/").content.decode())
    assert 'lang="cy"' in page and "Referrals sent in the period" not in page


def test_rows_by_age_follow_the_regions_bands_and_the_extract_bands_the_same_way(
    cast: dict[str, User], tmp_path: Path
) -> None:
    cases = _started(cast, "clear", "practitioner", 4)
    start = _year().start
    for case, age in zip(cases, (17, 20, 30, 60), strict=True):
        born = start.replace(year=start.year - age) - datetime.timedelta(days=1)
        Person.objects.filter(pk=case.person_id).update(date_of_birth=born)
    actor = actor_of(cast["manager"])
    figures = outcomes_figures(actor=actor, period=_year(), by="age")
    assert [(r.label, r.cells["referred"].value) for r in figures.rows] == [
        ("Under 18", 1),
        ("18 to 24", 1),
        ("25 to 34", 1),
        ("55 and over", 1),
    ]
    # The region bands ages as it chooses: a new version of its file changes the rows.
    shipped = CASEWORK_FILE.read_text()
    edited = tmp_path / "casework.yaml"
    edited.write_text(shipped.replace("age_bands_from: [18, 25, 35, 45, 55]", "age_bands_from: [18, 30]"))
    casework_rules_load(path=edited)
    figures = outcomes_figures(actor=actor, period=_year(), by="age")
    assert [(r.label, r.cells["referred"].value) for r in figures.rows] == [
        ("Under 18", 1),
        ("18 to 29", 1),
        ("30 and over", 2),
    ]
    with translation.override("cy"):
        welsh = outcomes_figures(actor=actor, period=_year(), by="age")
        assert [r.label for r in welsh.rows] == ["O dan 18", "18 i 29", "30 a throsodd"]
    auditor = actor_of(cast["auditor"])
    agreement = agreement_record(
        actor=auditor,
        data={
            "reference": "DSA-AGES",
            "partner": "Cardiff University",
            "contact": "Dr Eleri Rhys",
            "purpose": "Evaluation of CLEAR.",
            "lawful_basis": "public_task",
            "special_category_condition": "Article 9(2)(j)",
            "starts_on": timezone.localdate(),
            "expires_on": timezone.localdate() + datetime.timedelta(days=30),
        },
    )
    _extract, body = extract_produce(actor=auditor, agreement=agreement)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("cases.csv").decode())))
        dictionary = archive.read("data-dictionary.csv").decode()
    # Banded on the day each case opened, today: the 17-year-old at the start of the year may be 18 now.
    assert {r["age_band"] for r in rows} <= {"0-17", "18-29", "30+"} and len(rows) == 4
    assert sum(r["age_band"] == "30+" for r in rows) == 2
    assert "in the region's bands (0-17, 18-29, 30+)" in dictionary
