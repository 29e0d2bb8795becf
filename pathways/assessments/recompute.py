"""Recomputing the stored results of completed assessments, set-based, after a fix to a region's settings
(its MARAC call-out threshold, say) or to the engine.

Each assessment is recomputed from its own stored answers with its OWN instrument version (the definition
it keeps, never the current one) and the current assessment settings of its person's region, exactly as
`services.save` computes them on completion. Rows are read in primary-key order, a batch at a time, with a
single query per batch; each instrument version's definition is parsed once; only the results that differ
are written back, with one UPDATE statement per batch. The same answers and version always give the same
results, so a second run changes nothing. All or nothing, in one transaction, with one audit entry.

Drafts are never touched. The "outside the validated population" flag some instruments carry depends on
the person and their partners as they were on completion, not on the answers: it is kept as stored.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import json
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from pathways.assessments.instrumentfile import Instrument
from pathways.assessments.marac import MaracInputError
from pathways.assessments.models import Assessment, AssessmentStatus, InstrumentVersion
from pathways.assessments.services import AssessmentError, definition, region_settings, results_for
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.policy import Actor
from pathways.directory.models import Area, Region
from pathways.people.models import Person

RECOMPUTED = (AssessmentStatus.COMPLETED, AssessmentStatus.SUPERSEDED)
# Not computed from the answers: kept as stored (see the module docstring).
KEPT = "outside_validated_population"
# On PostgreSQL a batch's UPDATE carries two parameters a row; keep it well under 65,535.
MAX_BATCH = 20_000
# SQLite's page cache for the run (KiB; 2 MiB by default): changed pages stay in memory rather than being
# spilled to the file, each spill syncing the journal, again and again. Set back afterwards.
SQLITE_CACHE_KIB = 256 * 1024


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause the cycle collector, which otherwise rescans the many short-lived dicts a run makes (as in
    referrals.imports). Nothing here makes reference cycles; memory is freed as each batch is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    """Region id (None for people with no area) -> the settings `services.region_settings` gives a person
    living there. Asked through region_settings itself, with an unsaved person, so both always agree."""
    found: dict[int | None, dict[str, Any]] = {None: region_settings(Person(area=None))}
    for region in Region.objects.all():
        found[region.pk] = region_settings(Person(area=Area(region=region)))
    return found


def _write(table: str, changed: Sequence[tuple[Any, str]]) -> None:
    """One UPDATE for the whole batch: `changed` is (primary key as the database holds it, results JSON)."""
    if not changed:
        return
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            rows = ", ".join(["(%s::uuid, %s::jsonb)"] * len(changed))
            cursor.execute(
                f"UPDATE {quoted} AS a SET results = v.results FROM (VALUES {rows}) AS v (id, results) "  # noqa: S608
                "WHERE a.id = v.id",
                [value for row in changed for value in row],
            )
        else:
            cursor.executemany(
                f"UPDATE {quoted} SET results = %s WHERE id = %s",  # noqa: S608
                [(results, pk) for pk, results in changed],
            )


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
    definitions: dict[int, Instrument] = {v.pk: definition(v) for v in versions}
    if instrument is not None and not definitions:
        raise AssessmentError(_("No such instrument is loaded."))
    with _without_cycle_collection(), _larger_sqlite_cache(), transaction.atomic():
        checked, changed, skipped = _recompute(definitions, batch_size)
        audit.record(
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
    # Read in primary-key order, a batch after the last key read, never with an open cursor on a table
    # being written (undefined on SQLite). The instrument filter is on an expression, so that the planner
    # walks the primary key rather than the instrument version index and sorting every remaining row for
    # each batch (SQLite, with no statistics, does the latter).
    rows = (
        Assessment.objects.alias(version=F("instrument_version_id") + 0)
        .filter(status__in=RECOMPUTED, version__in=list(definitions))
        .order_by("pk")
        .values_list(
            "pk", "instrument_version_id", "answers", "results", "assessed_on", "person__area__region"
        )
    )
    checked = changed = skipped = 0
    last = None
    with connection.cursor() as cursor:
        while True:
            # The values_list query, run on the cursor: the rows as the database driver returns them,
            # without Django's per-value converters (a third of the time). The key stays as the database
            # holds it (hex on SQLite), which is what the UPDATE needs; JSON arrives as text on both.
            query = (rows.filter(pk__gt=last) if last is not None else rows)[:batch_size]
            cursor.execute(*query.query.sql_with_params())
            batch = cursor.fetchall()
            if not batch:
                break
            last = batch[-1][0]
            checked += len(batch)
            updates: list[tuple[Any, str]] = []
            for pk, version_id, answers, stored, assessed_on, region_id in batch:
                if not isinstance(assessed_on, datetime.date):
                    assessed_on = datetime.date.fromisoformat(assessed_on)
                try:
                    results = results_for(
                        definitions[version_id], _json(answers), settings.get(region_id, default), assessed_on
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
            _write(table, updates)
            changed += len(updates)
    return checked, changed, skipped
