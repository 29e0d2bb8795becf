"""Importing a police extract: upserts by the force's reference, every bad row reported, nothing half done."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from pathways.accounts.models import User
from pathways.audit.models import AuditEntry
from pathways.core.access import Side
from pathways.core.policy import Actor
from pathways.directory.models import Region
from pathways.factories import actor_of
from pathways.people.models import Person
from pathways.police.extracts import COLUMNS, PoliceImportError, import_police_extract
from pathways.police.models import PoliceExtract, PoliceRecord, RfgModelVersion
from pathways.police.rfg import day_number
from pathways.police.tests.police_extracts import Row, days_before, extract, load, write

pytestmark = pytest.mark.usefixtures("region")


def _snapshot() -> list[tuple[object, ...]]:
    return list(
        PoliceRecord.objects.order_by("reference").values_list(
            "pk", "reference", "row_sha256", "extract_id", "offence", "perpetrator_id", "victim_id"
        )
    )


def _problems(error: pytest.ExceptionInfo[PoliceImportError]) -> list[str]:
    return [str(p) for p in error.value.problems]


def test_an_extract_is_imported_with_its_counts_and_one_audit_entry(analyst: Actor, tmp_path: Path) -> None:
    rows = extract()
    known = Person.objects.create(
        side=Side.PERPETRATOR, given_name="Known", family_name="Serial", police_reference="SERIAL-0"
    )
    imported = load(analyst, tmp_path, rows)

    assert (imported.rows, imported.created, imported.updated, imported.unchanged) == (
        len(rows),
        len(rows),
        0,
        0,
    )
    assert PoliceRecord.objects.count() == len(rows)
    record = PoliceRecord.objects.get(reference="SER-0-0")
    assert record.perpetrator == known
    assert record.occurred_day == day_number(record.occurred_on)
    assert record.weapon and record.injury and not record.children_present
    assert record.area is not None and record.area.slug == "cardiff"
    entry = AuditEntry.objects.filter(record_type="police_extract").get()
    assert entry.record_id == str(imported.pk)
    assert entry.details["created"] == len(rows)


def test_reimporting_the_same_extract_changes_no_record(analyst: Actor, tmp_path: Path) -> None:
    rows = extract()
    first = load(analyst, tmp_path, rows)
    before = _snapshot()

    again = load(analyst, tmp_path, rows)

    assert _snapshot() == before
    assert {record[3] for record in before} == {first.pk}  # every record still from the first import
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(rows))


def test_a_corrected_row_updates_that_record_only(analyst: Actor, tmp_path: Path) -> None:
    rows = extract()
    load(analyst, tmp_path, rows)
    before = {r[1]: r for r in _snapshot()}
    at = next(n for n, row in enumerate(rows) if row.reference == "FRQ-0-3")
    rows[at] = dataclasses.replace(rows[at], offence="common_assault", flags=frozenset({"injury"}))

    corrected = load(analyst, tmp_path, rows, name="corrected.csv")

    assert (corrected.created, corrected.updated, corrected.unchanged) == (0, 1, len(rows) - 1)
    after = {r[1]: r for r in _snapshot()}
    record = PoliceRecord.objects.get(reference="FRQ-0-3")
    assert (record.offence, record.injury, record.extract_id) == ("common_assault", True, corrected.pk)
    assert after["FRQ-0-3"][0] == before["FRQ-0-3"][0]  # the same record, updated in place
    assert {k: v for k, v in after.items() if k != "FRQ-0-3"} == {
        k: v for k, v in before.items() if k != "FRQ-0-3"
    }


def test_a_person_added_later_is_linked_when_the_extract_comes_again(analyst: Actor, tmp_path: Path) -> None:
    rows = extract()
    load(analyst, tmp_path, rows)
    victim = Person.objects.create(
        side=Side.VICTIM, given_name="Victim", family_name="One", police_reference="SERIAL-1-V0"
    )
    # Two people with one reference: the link would be a guess, so neither is linked.
    for n in range(2):
        Person.objects.create(
            side=Side.PERPETRATOR, given_name="Twin", family_name=str(n), police_reference="SERIAL-2"
        )

    again = load(analyst, tmp_path, rows)

    assert PoliceRecord.objects.get(reference="SER-1-0").victim == victim
    assert PoliceRecord.objects.get(reference="SER-2-0").perpetrator is None
    assert again.updated == 1


def test_every_bad_row_is_reported_by_line_and_nothing_changes(analyst: Actor, tmp_path: Path) -> None:
    load(analyst, tmp_path, extract())
    before, extracts = _snapshot(), PoliceExtract.objects.count()
    good = Row("NEW-1", days_before(3), "common_assault", "NEW-P", "NEW-V")
    rows = [
        good,  # line 2
        dataclasses.replace(good, reference="NEW-2", offence="affray"),  # line 3
        dataclasses.replace(good, reference="NEW-3", area="atlantis"),  # line 4
        dataclasses.replace(good, reference="NEW-1"),  # line 5: the same reference as line 2
        dataclasses.replace(good, reference="NEW-5", kind="rumour"),  # line 6
    ]
    path = write(tmp_path / "bad.csv", rows)
    text = path.read_text().splitlines()
    text.append(text[1].replace("NEW-1", "NEW-7").replace(days_before(3).isoformat(), "2025-13-01"))  # 7
    text.append(text[1].replace("NEW-1", "NEW-8").replace(days_before(3).isoformat(), "2999-01-01"))  # 8
    path.write_text("\n".join(text) + "\n")

    with pytest.raises(PoliceImportError) as error:
        import_police_extract(actor=analyst, path=path, region=Region.objects.get())

    problems = _problems(error)
    assert problems == [
        "line 3, column offence: offence code 'affray' is not in the gravity table; the codes are listed "
        "under gravity.offences in regions/cardiff-and-vale/rfg.yaml (add it there and load the file "
        "with manage.py load_rfg, or correct the code)",
        "line 4, column area: is not an area of cardiff-and-vale; use an area's slug or name as listed "
        "under areas in regions/cardiff-and-vale/region.yaml, for example cardiff",
        "line 5, column reference: the same reference is on line 2; each record once per extract",
        "line 6, column kind: is not allowed; expected one of incident, crime",
        "line 7, column occurred_on: is not a date; expected YYYY-MM-DD, for example 2024-03-27",
        "line 8, column occurred_on: is in the future; check the date",
    ]
    assert "NEW-P" not in str(error.value)  # references are personal data: never echoed
    assert _snapshot() == before
    assert PoliceExtract.objects.count() == extracts


def test_a_missing_column_rejects_the_file(analyst: Actor, tmp_path: Path) -> None:
    columns = tuple(c for c in COLUMNS if c != "victim_ref")
    path = write(tmp_path / "no-victims.csv", extract()[:5], columns)

    with pytest.raises(PoliceImportError) as error:
        import_police_extract(actor=analyst, path=path, region=Region.objects.get())

    assert _problems(error) == ["line 1: required column(s) missing: victim_ref"]
    assert not PoliceRecord.objects.exists()


def test_flags_dates_of_birth_and_references_are_checked(analyst: Actor, tmp_path: Path) -> None:
    good = Row("R-1", days_before(3), "stalking", "P-1", "V-1")
    rows = [
        dataclasses.replace(good, perpetrator_born_on=days_before(2)),  # born after the record
        dataclasses.replace(good, reference="R-2", victim_ref="P-1"),
        dataclasses.replace(good, reference="R-3", perpetrator_ref="", area="Bro Morgannwg"),
    ]
    path = write(tmp_path / "x.csv", rows)
    text = path.read_text().replace(",no,no,no,no,no\n", ",maybe,no,no,no,no\n", 1)
    path.write_text(text)

    with pytest.raises(PoliceImportError) as error:
        import_police_extract(actor=analyst, path=path, region=Region.objects.get())

    assert _problems(error) == [
        "line 2, column perpetrator_born_on: is after the date of the record; check both dates",
        "line 2, column weapon: expected yes or no (or leave it empty for no)",
        "line 3, column victim_ref: is the same as perpetrator_ref; check which person is which",
        "line 4, column perpetrator_ref: is empty; enter the perpetrator's police reference",
    ]


def test_area_names_in_either_language_are_accepted(analyst: Actor, tmp_path: Path) -> None:
    rows = [
        Row("R-1", days_before(3), "stalking", "P-1", "V-1", area="Bro Morgannwg"),
        Row("R-2", days_before(3), "stalking", "P-1", "V-1", area="CARDIFF", perpetrator_born_on=None),
    ]
    load(analyst, tmp_path, rows)
    slugs = dict(PoliceRecord.objects.values_list("reference", "area__slug"))
    assert slugs == {"R-1": "vale-of-glamorgan", "R-2": "cardiff"}
    assert PoliceRecord.objects.get(reference="R-2").perpetrator_born_on is None


def test_only_roles_that_handle_police_data_may_import(tmp_path: Path, cast: dict[str, User]) -> None:
    practitioner = actor_of(cast["practitioner"])  # CLEAR's facilitator
    with pytest.raises(PermissionDenied):
        load(practitioner, tmp_path, extract()[:3])
    assert not PoliceRecord.objects.exists()


def test_without_a_loaded_model_offence_codes_cannot_be_checked(analyst: Actor, tmp_path: Path) -> None:
    RfgModelVersion.objects.all().delete()
    with pytest.raises(PoliceImportError) as error:
        load(analyst, tmp_path, extract()[:3])
    assert "load regions/cardiff-and-vale/rfg.yaml with manage.py load_rfg first" in str(error.value)


def test_the_command_reports_counts_and_refusals(analyst: Actor, tmp_path: Path) -> None:
    path = write(tmp_path / "swp.csv", extract()[:10])
    call_command("import_police", str(path), "--username", "matac")
    assert PoliceRecord.objects.count() == 10

    bad = write(tmp_path / "bad.csv", [Row("R-1", datetime.date(2025, 1, 1), "affray", "P", "V")])
    with pytest.raises(CommandError, match=r"bad.csv was not imported: 1 problem\(s\). Nothing was changed."):
        call_command("import_police", str(bad), "--username", "matac")
    assert PoliceRecord.objects.count() == 10
