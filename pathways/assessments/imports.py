"""Import of past DASH results from a CSV file: every row becomes a completed assessment, or none does.

Every row is checked first: the person must be one the importing agency can see, the answers must fit
the current version of the instrument as a completed assessment (the same check as the form), and the
MARAC inputs must be usable (professional judgement needs a reason). If any row has a problem, every
problem is reported ("line 3, column q05: ...", the header being line 1) and nothing is written.
Otherwise the results are computed with the person's region settings and all rows are written in one
transaction, with one audit entry for the file.

Problems name the line and column but never repeat the values, so they are safe to show or log.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from pathways.assessments import services
from pathways.assessments.engine import check_answers
from pathways.assessments.instrumentfile import Instrument
from pathways.assessments.marac import MaracInputError
from pathways.assessments.models import Assessment, AssessmentStatus, Context, InstrumentVersion
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.csvimport import ImportFailed, RowChecker, open_rows, read_header
from pathways.core.policy import Actor, Perm, allows
from pathways.people.models import Person
from pathways.people.selectors import people_for

INSTRUMENTS = ("dash-partner-agency", "dash-police")
QUESTIONS = tuple(f"q{n:02d}" for n in range(1, 25))
CHILDREN = ("c01", "c02", "c03")  # police version only
# The stalking follow-up (S-DASH) items, asked when q08 is yes; without them such a row cannot be complete.
STALKING = tuple(f"s{n:02d}" for n in range(1, 12))
ANSWER_COLUMNS = (*QUESTIONS, *CHILDREN, *STALKING)
COLUMNS = (
    "person_id",
    "instrument",
    "assessed_on",
    "context",
    *QUESTIONS,
    *CHILDREN,
    "incident_date",
    "police_callouts_12m",
    "last_marac_referral",
    "professional_judgement",
    "judgement_reason",
    "narrative",
    *STALKING,
)
REQUIRED_COLUMNS = ("person_id", "instrument", "assessed_on", "context")
NARRATIVE_MAX = 8000
MAX_FILE_BYTES = 50 * 1024 * 1024
CONTEXTS = {str(v).lower(): str(v) for v in Context.values}
NOT_FOUND = "no person with this id is known to your agency; check the id"


class DashImportError(ImportFailed):
    """The file was rejected and nothing was written. `problems` holds every problem found."""


@dataclass(frozen=True)
class _Row:
    line: int
    person: Person
    version: InstrumentVersion
    assessed_on: datetime.date
    context: str
    answers: dict[str, Any]
    results: dict[str, Any]
    narrative: str


# --- checking ------------------------------------------------------------------------------------------


class _Checker(RowChecker[_Row]):
    def __init__(
        self, actor: Actor, name: str, header: dict[str, int], records: list[tuple[int, list[str]]]
    ) -> None:
        super().__init__(name, header)
        self.versions: dict[str, InstrumentVersion | None] = {}
        self.definitions: dict[int, Instrument] = {}
        self.settings: dict[Any, dict[str, Any]] = {}
        ids = set()
        position = header["person_id"]
        for _line, cells in records:
            try:
                ids.add(uuid.UUID(cells[position].strip()))
            except (ValueError, IndexError):
                continue
        self.people = {
            p.pk: p for p in people_for(actor=actor).filter(pk__in=ids).select_related("area__region")
        }

    def _version(self, instrument_id: str) -> InstrumentVersion | None:
        if instrument_id not in self.versions:
            self.versions[instrument_id] = InstrumentVersion.objects.filter(instrument=instrument_id).first()
        return self.versions[instrument_id]

    def _region_settings(self, person: Person) -> dict[str, Any]:
        key = person.area.region_id if person.area else None
        if key not in self.settings:
            self.settings[key] = services.assessment_settings_for(person=person)
        return self.settings[key]

    def read_row(self) -> _Row | None:
        person = None
        got = self.value("person_id")
        with contextlib.suppress(ValueError):
            person = self.people.get(uuid.UUID(got))
        if person is None:
            self.problem("person_id", NOT_FOUND if got else "is empty; enter the person's id")

        version = None
        instrument_id = self.value("instrument").lower()
        if instrument_id not in INSTRUMENTS:
            shown = "is empty" if not instrument_id else "is not allowed"
            self.problem("instrument", f"{shown}; expected one of {', '.join(INSTRUMENTS)}")
        else:
            version = self._version(instrument_id)
            if version is None:
                self.problem("instrument", "is not loaded yet; load the instruments first")

        assessed_on = self.date(
            "assessed_on",
            required="the date of the assessment as YYYY-MM-DD",
            future="enter the date the assessment was done",
        )

        context = CONTEXTS.get(self.value("context").lower(), "")
        if not context:
            self.problem("context", f"expected one of {', '.join(CONTEXTS.values())}")

        narrative = self.text("narrative", NARRATIVE_MAX)

        answers: dict[str, Any] = {}
        for column in (*ANSWER_COLUMNS, "professional_judgement"):
            got = self.value(column).lower()
            if got:
                answers[column] = got
        for column in ("incident_date", "last_marac_referral"):
            day = self.date(column)
            if day is not None:
                answers[column] = day.isoformat()
        got = self.value("police_callouts_12m")
        if got:
            try:
                answers["police_callouts_12m"] = int(got)
            except ValueError:
                self.problem("police_callouts_12m", "is not a whole number; expected 0 to 500, or empty")
        got = self.value("judgement_reason")
        if got:
            answers["judgement_reason"] = got

        results: dict[str, Any] = {}
        if version is not None:
            instrument = self._definition(version)
            for problem in check_answers(instrument, answers, complete=True):
                if not self.has_problem(problem.item):
                    self.problem(problem.item, problem.message)
            if person is not None:
                try:
                    results = services.assessment_results(
                        instrument=instrument,
                        answers=answers,
                        settings=self._region_settings(person),
                        assessed_on=assessed_on or self.today,
                        person=person,
                    )
                except MaracInputError as error:
                    assert instrument.marac is not None
                    self.problem(instrument.marac.judgement_reason_item, str(error))

        if person is None or version is None or assessed_on is None:
            return None
        return _Row(self.line, person, version, assessed_on, context, answers, results, narrative)

    def _definition(self, version: InstrumentVersion) -> Instrument:
        if version.pk not in self.definitions:
            self.definitions[version.pk] = services.instrument_definition(version=version)
        return self.definitions[version.pk]


# --- importing -----------------------------------------------------------------------------------------


def import_dash(*, actor: Actor, path: Path) -> int:
    """Record every row of the CSV file as a completed DASH assessment made by the actor's agency, and
    return how many; or, if any row has a problem, raise DashImportError listing every problem and write
    nothing. Imports are not deduplicated: importing the same file twice records every row twice."""
    if not allows(actor, Perm.ASSESSMENT_CHANGE) or actor.agency is None:
        raise PermissionDenied("Your role does not let you record assessments.")
    path = Path(path)
    name = path.name
    file = open_rows(path, DashImportError, max_bytes=MAX_FILE_BYTES)
    sha256 = file.sha256
    records = list(file.records())
    file.check_unchanged()
    header = read_header(
        name,
        records[0][1] if records else None,
        COLUMNS,
        REQUIRED_COLUMNS,
        DashImportError,
        one_row_per="assessment",
    )
    body = [(line, cells) for line, cells in records[1:] if any(c.strip() for c in cells)]
    checker = _Checker(actor, name, header, body)
    rows = checker.check_all(body, file=file, error=DashImportError, what="rows")

    now = timezone.now()
    assessments = [
        services.assessment_build(
            actor=actor,
            person=row.person,
            version=row.version,
            context=row.context,
            assessed_on=row.assessed_on,
            status=AssessmentStatus.COMPLETED,
            answers=row.answers,
            results=row.results,
            narrative=row.narrative,
            completed_at=now,
        )
        for row in rows
    ]
    with transaction.atomic():
        Assessment.objects.bulk_create(assessments, batch_size=500)
        audit.entry_record(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="assessment_import",
            record_id=sha256,
            details={"rows": len(assessments), "sha256": sha256, "file_name": name},
        )
    return len(assessments)
