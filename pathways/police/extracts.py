"""Import of a police extract of domestic abuse incidents and crimes (CSV), for RFG scoring.

Every row is checked first; if any has a problem, every problem is reported ("line 3, column
occurred_on: ...", the header being line 1) and nothing is written. Otherwise the rows are upserted by
the force's own reference in one transaction: a reference not seen before is created, one whose values
changed is updated, and one whose values are the same (compared by a SHA-256 of the row's values) is left
alone, so that importing the same extract again changes no record. Each import is kept as a
PoliceExtract with its counts, and gets one audit entry.

The perpetrator and the victim are linked to the person whose police reference they are, when exactly
one person has it. Problems name the line and column but never repeat references, names or dates; an
unknown offence code is named, since it is the region's vocabulary, not personal data.
The columns are described in docs/rfg.md.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.utils.module_loading import import_string

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.csvimport import ImportFailed, ImportProblem, RowChecker, open_rows, read_header
from pathways.core.policy import Actor, Perm, allows
from pathways.directory.models import Area, Region
from pathways.people.models import Person
from pathways.police.models import PoliceExtract, PoliceRecord, RecordKind
from pathways.police.rfg import current_model, day_number, model_of

COLUMNS = (
    "reference",
    "kind",
    "occurred_on",
    "offence",
    "perpetrator_ref",
    "perpetrator_born_on",
    "victim_ref",
    "relationship",
    "area",
    "weapon",
    "injury",
    "children_present",
    "substance_misuse",
    "mental_health",
)
REQUIRED_COLUMNS = ("reference", "kind", "occurred_on", "offence", "perpetrator_ref", "victim_ref", "area")
FLAG_COLUMNS = ("weapon", "injury", "children_present", "substance_misuse", "mental_health")
REFERENCE_MAX = 50
RELATIONSHIP_MAX = 40
MAX_FILE_BYTES = 500 * 1024 * 1024
# References looked up together: well under SQLite's and PostgreSQL's limits on parameters.
LOOKUP_BATCH = 5000
WRITE_BATCH = 1000
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0", ""})


# What happens when an extract adds records, in the layers above this one (a case's alert: pathways.cases),
# named in settings.POLICE_RECORDS_ADDED so that this layer need not import them. Each is called with the
# new records and the actor, inside the import's transaction.
class RecordsAdded(Protocol):
    def __call__(self, *, records: list[PoliceRecord], actor: Actor) -> object: ...


class PoliceImportError(ImportFailed):
    """The extract was rejected and nothing was written. `problems` holds every problem found."""


@dataclass(frozen=True)
class _Row:
    line: int
    reference: str
    kind: str
    occurred_on: datetime.date
    offence: str
    perpetrator_ref: str
    perpetrator_born_on: datetime.date | None
    victim_ref: str
    relationship: str
    area_id: int
    flags: tuple[bool, ...]

    def sha256(self) -> str:
        values = (
            self.reference, self.kind, self.occurred_on.isoformat(), self.offence, self.perpetrator_ref,
            self.perpetrator_born_on.isoformat() if self.perpetrator_born_on else "", self.victim_ref,
            self.relationship, str(self.area_id), *("1" if flag else "0" for flag in self.flags),
        )  # fmt: skip
        return hashlib.sha256("\x1f".join(values).encode()).hexdigest()


class _Checker(RowChecker[_Row]):
    def __init__(self, name: str, header: dict[str, int], region: Region, offences: Iterable[str]) -> None:
        super().__init__(name, header)
        self.region = region
        self.offences = frozenset(offences)
        self.first_line: dict[str, int] = {}
        self.areas: dict[str, int] = {}
        for area in Area.objects.filter(region=region):
            for key in (area.slug, area.name_en, area.name_cy):
                self.areas.setdefault(key.strip().lower(), area.pk)

    def _date(self, column: str, *, required: str = "") -> datetime.date | None:
        return self.date(column, required=required, future="check the date", early="check the date")

    def read_row(self) -> _Row | None:
        reference = self.text("reference", REFERENCE_MAX, required="the force's reference for the record")
        if reference and len(reference) <= REFERENCE_MAX:
            earlier = self.first_line.setdefault(reference, self.line)
            if earlier != self.line:
                self.problem(
                    "reference", f"the same reference is on line {earlier}; each record once per extract"
                )

        kind = self.value("kind").lower()
        if kind not in RecordKind.values:
            shown = "is empty" if not kind else "is not allowed"
            self.problem("kind", f"{shown}; expected one of {', '.join(RecordKind.values)}")

        occurred_on = self._date("occurred_on", required="the date of the incident or crime as YYYY-MM-DD")

        offence = self.value("offence").lower()
        if not offence:
            self.problem("offence", "is empty; enter the offence or incident code")
        elif offence not in self.offences:
            self.problem(
                "offence",
                f"offence code {offence[:60]!r} is not in the gravity table; the codes are listed under "
                f"gravity.offences in regions/{self.region.slug}/rfg.yaml (add it there and load the "
                "file with manage.py load_rfg, or correct the code)",
            )

        perpetrator_ref = self.text(
            "perpetrator_ref", REFERENCE_MAX, required="the perpetrator's police reference"
        )
        victim_ref = self.text("victim_ref", REFERENCE_MAX, required="the victim's police reference")
        if perpetrator_ref and perpetrator_ref == victim_ref:
            self.problem("victim_ref", "is the same as perpetrator_ref; check which person is which")

        born_on = self._date("perpetrator_born_on")
        if born_on is not None and occurred_on is not None and born_on > occurred_on:
            self.problem("perpetrator_born_on", "is after the date of the record; check both dates")

        relationship = self.text("relationship", RELATIONSHIP_MAX)

        area_id = None
        got = self.value("area")
        if not got:
            self.problem("area", "is empty; enter the area (for example cardiff)")
        else:
            area_id = self.areas.get(got.lower())
            if area_id is None:
                self.problem(
                    "area",
                    f"is not an area of {self.region.slug}; use an area's slug or name as listed under "
                    f"areas in regions/{self.region.slug}/region.yaml, for example cardiff",
                )

        flags = tuple(
            self.yes_no(column, yes=YES, no=NO, expected="expected yes or no (or leave it empty for no)")
            for column in FLAG_COLUMNS
        )
        if occurred_on is None or area_id is None:
            return None
        return _Row(
            self.line, reference, kind, occurred_on, offence, perpetrator_ref, born_on, victim_ref,
            relationship, area_id, flags,
        )  # fmt: skip


def _added_hooks() -> list[RecordsAdded]:
    return [import_string(path) for path in settings.POLICE_RECORDS_ADDED]


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), LOOKUP_BATCH):
        yield items[start : start + LOOKUP_BATCH]


def _people_by_reference(references: set[str]) -> dict[str, object]:
    """Police reference -> person id, for the references exactly one person has."""
    found: dict[str, object] = {}
    for chunk in _chunks(sorted(references)):
        unique = (
            Person.objects.filter(police_reference__in=chunk)
            .values("police_reference")
            .annotate(n=Count("id"))
            .filter(n=1)
            .values_list("police_reference", flat=True)
        )
        for reference, person_id in Person.objects.filter(police_reference__in=list(unique)).values_list(
            "police_reference", "id"
        ):
            found[reference] = person_id
    return found


def _existing(region: Region, references: list[str]) -> dict[str, PoliceRecord]:
    existing: dict[str, PoliceRecord] = {}
    for chunk in _chunks(references):
        for record in PoliceRecord.objects.filter(region=region, reference__in=chunk):
            existing[record.reference] = record
    return existing


def _apply(record: PoliceRecord, row: _Row, digest: str, people: dict[str, object]) -> None:
    record.reference = row.reference
    record.kind = row.kind
    record.occurred_on = row.occurred_on
    record.occurred_day = day_number(row.occurred_on)
    record.offence = row.offence
    record.perpetrator_ref = row.perpetrator_ref
    record.perpetrator_born_on = row.perpetrator_born_on
    record.victim_ref = row.victim_ref
    record.relationship = row.relationship
    record.area_id = row.area_id
    for column, flag in zip(FLAG_COLUMNS, row.flags, strict=True):
        setattr(record, column, flag)
    record.perpetrator_id = people.get(row.perpetrator_ref)  # type: ignore[assignment]
    record.victim_id = people.get(row.victim_ref)  # type: ignore[assignment]
    record.row_sha256 = digest


UPDATED_FIELDS = [
    "kind", "occurred_on", "occurred_day", "offence", "perpetrator_ref", "perpetrator_born_on", "victim_ref",
    "relationship", "area", *FLAG_COLUMNS, "perpetrator", "victim", "row_sha256", "extract",
]  # fmt: skip


def import_police_extract(*, actor: Actor, path: Path, region: Region) -> PoliceExtract:
    """Upsert every row of the police extract into the region's police records and return the extract,
    with how many rows were created, updated and unchanged; or, if any row has a problem, raise
    PoliceImportError listing every problem and write nothing."""
    if not allows(actor, Perm.POLICE_DATA_IMPORT) or actor.agency is None:
        raise PermissionDenied("Your role does not let you import police data.")
    path = Path(path)
    name = path.name
    file = open_rows(path, PoliceImportError, max_bytes=MAX_FILE_BYTES)
    records = file.records()
    first = next(records, None)
    header = read_header(
        name, first[1] if first else None, COLUMNS, REQUIRED_COLUMNS, PoliceImportError, one_row_per="record"
    )
    version = current_model(region)
    if version is None:
        raise PoliceImportError(
            [
                ImportProblem(
                    name,
                    None,
                    "",
                    f"no RFG model is loaded for {region.slug}, so offence codes cannot be checked; load "
                    f"regions/{region.slug}/rfg.yaml with manage.py load_rfg first",
                )
            ]
        )
    checker = _Checker(name, header, region, model_of(version).gravity.offences)
    rows = checker.check_all(records, file=file, error=PoliceImportError, what="rows")

    people = _people_by_reference({r.perpetrator_ref for r in rows} | {r.victim_ref for r in rows})
    with transaction.atomic():
        extract = PoliceExtract.objects.create(
            region=region, name=name[:255], file_sha256=file.sha256, imported_by=actor.user, rows=len(rows)
        )
        existing = _existing(region, [r.reference for r in rows])
        new: list[PoliceRecord] = []
        changed: list[PoliceRecord] = []
        for row in rows:
            digest = row.sha256()
            record = existing.get(row.reference)
            if record is None:
                record = PoliceRecord(region=region, extract=extract)
                _apply(record, row, digest, people)
                new.append(record)
            elif (
                record.row_sha256 != digest
                or record.perpetrator_id != people.get(row.perpetrator_ref)
                or record.victim_id != people.get(row.victim_ref)
            ):
                _apply(record, row, digest, people)
                record.extract = extract
                changed.append(record)
        PoliceRecord.objects.bulk_create(new, batch_size=WRITE_BATCH)
        PoliceRecord.objects.bulk_update(changed, UPDATED_FIELDS, batch_size=WRITE_BATCH)
        for added in _added_hooks():
            added(records=new, actor=actor)
        extract.created, extract.updated = len(new), len(changed)
        extract.unchanged = len(rows) - len(new) - len(changed)
        extract.save(update_fields=["created", "updated", "unchanged"])
        audit.entry_record(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="police_extract",
            record_id=extract.pk,
            details={
                "file_name": name,
                "sha256": file.sha256,
                "region": region.slug,
                "rows": len(rows),
                "created": extract.created,
                "updated": extract.updated,
                "unchanged": extract.unchanged,
            },
        )
    return extract
