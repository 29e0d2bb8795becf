"""Recomputing the stored results of completed assessments, set-based, after a fix to a region's settings
(its MARAC call-out threshold, say) or to the engine.

Each assessment is recomputed from its own stored answers with its OWN instrument version (the definition
it keeps, never the current one) and the current assessment settings of its person's region, exactly as
`services.assessment_save` computes them on completion. Rows are read a batch at a time (SQLite: one
keyset query per batch; PostgreSQL: one server-side cursor); each instrument version's definition is
parsed once; only the results that differ are written back (SQLite: per batch; PostgreSQL: staged by
COPY, then one UPDATE).
The same answers and version always give the same results, so a second run changes nothing. All or
nothing, in one transaction, with one audit entry.

Drafts are never touched. The "outside the validated population" flag some instruments carry depends on
the person and their partners as they were on completion, not on the answers: it is kept as stored.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import queue
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from pathways.assessments.instrumentfile import Instrument
from pathways.assessments.marac import MaracInputError
from pathways.assessments.models import Assessment, AssessmentStatus, InstrumentVersion
from pathways.assessments.services import (
    AssessmentError,
    assessment_results,
    assessment_settings_for,
    instrument_definition,
)
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.memory import cycle_collection_paused
from pathways.core.policy import Actor
from pathways.directory.models import Area, Region
from pathways.people.models import Person

RECOMPUTED = (AssessmentStatus.COMPLETED, AssessmentStatus.SUPERSEDED)
# Not computed from the answers: kept as stored (see the module docstring).
KEPT = "outside_validated_population"
MAX_BATCH = 20_000
# SQLite's page cache for the run (KiB; 2 MiB by default): changed pages stay in memory rather than being
# spilled to the file, each spill syncing the journal, again and again. Set back afterwards.
SQLITE_CACHE_KIB = 256 * 1024


@contextlib.contextmanager
def _larger_sqlite_cache() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before):d}")


def _settings_by_region() -> dict[int | None, dict[str, Any]]:
    """Region id (None for people with no area) -> the settings `services.assessment_settings_for` gives a
    person living there. Asked through that function itself, with an unsaved person, so both always agree."""
    found: dict[int | None, dict[str, Any]] = {None: assessment_settings_for(person=Person(area=None))}
    for region in Region.objects.all():
        found[region.pk] = assessment_settings_for(person=Person(area=Area(region=region)))
    return found


class _SqliteWriter:
    """One executemany per batch, inside the run's transaction."""

    def __init__(self, table: str) -> None:
        self.sql = f"UPDATE {connection.ops.quote_name(table)} SET results = %s WHERE id = %s"  # noqa: S608

    def add(self, changed: Sequence[tuple[Any, str]]) -> None:
        if changed:
            with connection.cursor() as cursor:
                cursor.executemany(self.sql, [(results, pk) for pk, results in changed])

    def finish(self) -> None:
        pass


class _PostgresWriter:
    """Changed results are copied into a temporary table as they are found, then written with a single
    UPDATE at the end: one pass over the table and its pages rather than one per batch, and no statement
    with tens of thousands of parameters to parse."""

    def __init__(self, table: str) -> None:
        self.table = connection.ops.quote_name(table)
        self.staged = 0
        with connection.cursor() as cursor:
            # Dropped again in finish(): ON COMMIT alone would leave it to a second run in the same
            # outer transaction (a test, or a caller's atomic block).
            cursor.execute(
                "CREATE TEMPORARY TABLE pathways_recomputed (id uuid PRIMARY KEY, results jsonb NOT NULL) "
                "ON COMMIT DROP"
            )

    def add(self, changed: Sequence[tuple[Any, str]]) -> None:
        if not changed:
            return
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy("COPY pathways_recomputed (id, results) FROM STDIN") as copy,
        ):
            for row in changed:
                copy.write_row(row)
        self.staged += len(changed)

    def finish(self) -> None:
        with connection.cursor() as cursor:
            if self.staged:
                cursor.execute(
                    f"UPDATE {self.table} AS a SET results = r.results FROM pathways_recomputed AS r "  # noqa: S608
                    "WHERE a.id = r.id"
                )
            cursor.execute("DROP TABLE pathways_recomputed")


def recompute_results(
    *, instrument: str | None = None, batch_size: int = 5000, actor: Actor | None = None
) -> int:
    """Recompute the results of every completed and superseded assessment (of one instrument, if given) and
    store those that changed. Returns how many changed; raises AssessmentError for an unknown instrument."""
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValueError(f"batch_size must be from 1 to {MAX_BATCH}")
    versions = InstrumentVersion.objects.all()
    if instrument is not None:
        versions = versions.filter(instrument=instrument)
    definitions: dict[int, Instrument] = {v.pk: instrument_definition(version=v) for v in versions}
    if instrument is not None and not definitions:
        raise AssessmentError(_("No such instrument is loaded."))
    with cycle_collection_paused(), _larger_sqlite_cache(), transaction.atomic():
        checked, changed, skipped = _recompute(definitions, batch_size)
        audit.entry_record(
            action=AuditAction.RECORD_CHANGED,
            actor=actor,
            record_type="assessment_recompute",
            record_id=instrument or "all",
            details={
                "count": changed,
                "instrument": instrument or "all",
                "checked": checked,
                "skipped": skipped,
            },
        )
    return changed


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _recompute(definitions: dict[int, Instrument], batch_size: int) -> tuple[int, int, int]:
    settings = _settings_by_region()
    default = settings[None]
    table = Assessment._meta.db_table
    # In primary-key order for SQLite's keyset batches (see _batches). The instrument filter is on an
    # expression, so that the planner walks the primary key rather than the instrument version index and
    # sorting every remaining row for each batch (SQLite, with no statistics, does the latter).
    rows = (
        Assessment.objects.alias(version=F("instrument_version_id") + 0)
        .filter(status__in=RECOMPUTED, version__in=list(definitions))
        .order_by("pk")
        .values_list(
            "pk", "instrument_version_id", "answers", "results", "assessed_on", "person__area__region"
        )
    )
    checked = changed = skipped = 0
    writer = _PostgresWriter(table) if connection.vendor == "postgresql" else _SqliteWriter(table)
    for batch in _batches(rows, batch_size):
        checked += len(batch)
        updates: list[tuple[Any, str]] = []
        for pk, version_id, answers, stored, assessed_on, region_id in batch:
            if not isinstance(assessed_on, datetime.date):
                assessed_on = datetime.date.fromisoformat(assessed_on)
            answers = _json(answers)
            if not isinstance(answers, dict):
                # Only a change made outside Pathways stores anything else; stop before writing anything.
                raise AssessmentError(
                    _(
                        "Assessment %(id)s has stored answers that are not a set of answers: "
                        "nothing was changed."
                    )
                    % {"id": uuid.UUID(str(pk))}
                )
            try:
                results = assessment_results(
                    instrument=definitions[version_id],
                    answers=answers,
                    settings=settings.get(region_id, default),
                    assessed_on=assessed_on,
                )
            except MaracInputError:
                # A judgement without its reason passed no completion check, so these answers were
                # changed outside Pathways: left as they are, and counted in the audit entry.
                skipped += 1
                continue
            if not isinstance(stored, str) or KEPT in stored:
                previous = _json(stored)
                if isinstance(previous, dict) and KEPT in previous:
                    # Where results_for puts it, so that the text is what completing writes.
                    marac = results.pop("marac", None)
                    results[KEPT] = previous[KEPT]
                    if marac is not None:
                        results["marac"] = marac
            text = json.dumps(results)
            # Equal text is equal results (SQLite keeps the text as written); otherwise compare the
            # values (PostgreSQL returns jsonb's own ordering of keys).
            if text != stored and results != _json(stored):
                updates.append((pk, text))
        writer.add(updates)
        changed += len(updates)
    writer.finish()
    return checked, changed, skipped


def _read_ahead(
    fetchmany: Callable[[int], list[tuple[Any, ...]]], batch_size: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Batches from `fetchmany`, the next one fetched on a thread while the caller works on this one, so
    that the database server reads and sends rows (on another core) while Python computes. The driver's
    connection serialises the fetches with the caller's own statements (the writes). `fetchmany` is the
    driver's own cursor method: Django's wrapper may only be used on the thread that made it."""
    ready: queue.Queue[list[tuple[Any, ...]] | BaseException | None] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand_over(item: list[tuple[Any, ...]] | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            while not stop.is_set():
                batch = fetchmany(batch_size)
                if not hand_over(batch or None) or not batch:
                    return
        except BaseException as exc:  # raised again on the caller's thread
            hand_over(exc)

    reader = threading.Thread(target=read, name="recompute-read-ahead", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        # The caller stopped early (an error, say): let the reader finish before the cursor closes.
        stop.set()
        reader.join()


def _batches(rows: QuerySet[Any], batch_size: int) -> Iterator[list[tuple[Any, ...]]]:
    """The values_list query's rows, a batch at a time, as the database driver returns them: without
    Django's per-value converters (a third of the time). The key stays as the database holds it (hex on
    SQLite), which is what the write needs; JSON arrives as text on both."""
    if connection.vendor == "postgresql":
        # One server-side cursor over the whole query, in the run's transaction: the rows stream in
        # without a sort, and writes made meanwhile (to the temporary table only) cannot disturb it.
        with connection.chunked_cursor() as cursor:
            cursor.execute(*rows.order_by().query.sql_with_params())
            yield from _read_ahead(cursor.cursor.fetchmany, batch_size)
        return
    # SQLite: a batch after the last key read, never with an open cursor on a table being written
    # (undefined on SQLite).
    last = None
    with connection.cursor() as cursor:
        while True:
            query = (rows.filter(pk__gt=last) if last is not None else rows)[:batch_size]
            cursor.execute(*query.query.sql_with_params())
            batch = cursor.fetchall()
            if not batch:
                return
            last = batch[-1][0]
            yield batch
