"""RFG scoring: recency, frequency, gravity and victims of the police records against each person, per area.

The formula, with a worked example, is in docs/rfg.md. In short, over the records in the window:

    harm(record) = gravity[offence] * (1 + the uplifts of the record's flags)
    R = 1 - (window end - last record's day) / window days      F = min(records, cap) / cap
    G = min(summed harm, cap) / cap                             V = min(different victims, cap) / cap
    part_x = 100 * weight_x * X / (sum of the weights), rounded to 4 places; score = the sum of the parts

per (perpetrator reference, area). A run is one INSERT ... SELECT computed by the database (SQLite or
PostgreSQL), never a loop over records in Python; the same records, model version and window end give
the same scores. Every part is rounded so that rescoring cannot differ in the last bits of a float sum
whose terms the database happened to add in another order.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.datafiles import load_versioned
from pathways.core.policy import Actor, Perm, allows
from pathways.directory.models import Region
from pathways.directory.services import region_loaded
from pathways.people.models import Person
from pathways.police.models import PoliceRecord, RfgModelVersion, RfgRun, RfgScore
from pathways.police.rfgfile import FLAGS, Band, RfgFile

EPOCH = datetime.date(1970, 1, 1)
PLACES = 4  # decimal places every part is rounded to


class RfgError(Exception):
    """Scoring was refused and nothing was written; the message says why and what to do."""


def day_number(day: datetime.date) -> int:
    """Days since 1970-01-01, as PoliceRecord.occurred_day holds them."""
    return (day - EPOCH).days


# --- the model file ------------------------------------------------------------------------------------


@transaction.atomic
def load_rfg_model(*, path: Path, actor: Actor | None = None) -> tuple[RfgModelVersion, bool]:
    """Validate a region's rfg.yaml and load it: the same file again gives the latest version back
    (False), a changed file the next version (True). A file with any problem raises DataFileError naming
    the file, line and fix of each, and nothing is loaded."""
    version, changed = load_versioned(
        path,
        RfgFile,
        RfgModelVersion,
        scope=lambda parsed, index: {"region": region_loaded(path=path, slug=parsed.region, index=index)},
        field="settings",
    )
    if changed:
        audit.entry_record(
            action=AuditAction.REGION_LOADED,
            actor=actor,
            record_type="rfg_model",
            record_id=f"{version.region.slug} RFG v{version.version}",
            details={"sha256": version.file_sha256},
        )
    return version, changed


def model_of(version: RfgModelVersion) -> RfgFile:
    return RfgFile.model_validate(version.settings)


def current_model(region: Region) -> RfgModelVersion | None:
    return RfgModelVersion.objects.filter(region=region).first()


# --- the window ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The days scored, both ends included: `days` of them, the last being `end`."""

    end: datetime.date
    days: int

    @property
    def start(self) -> datetime.date:
        return self.end - datetime.timedelta(days=self.days - 1)

    @property
    def end_day(self) -> int:
        return day_number(self.end)

    @property
    def start_day(self) -> int:
        return self.end_day - self.days + 1


def window_for(model: RfgFile, end: datetime.date) -> Window:
    return Window(end=end, days=model.window.length_days(end))


def adult_born_by(model: RfgFile, end: datetime.date) -> datetime.date:
    """The latest date of birth of someone who is at least the serial rule's minimum age on `end`."""
    year = end.year - model.serial.min_age
    return end.replace(year=year, day=28) if (end.month, end.day) == (2, 29) else end.replace(year=year)


# --- scoring -------------------------------------------------------------------------------------------


def _table(model: type[Any]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[Any], field: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(field).column)


def _whole_table() -> str:
    # Records arrive in no order of date, so an index on the date leads SQLite to fetch them in random
    # order: ten times slower than reading the table through when the window holds most of them.
    # PostgreSQL's planner weighs the two from its statistics.
    return "NOT INDEXED" if connection.vendor == "sqlite" else ""


def _bytewise() -> str:
    # Ties are broken by reference in byte order, the same on both databases; comparing by the database's
    # language rules instead made PostgreSQL's sort of a few million scores ten seconds slower.
    return ' COLLATE "C"' if connection.vendor == "postgresql" else ""


def _rounded(expression: str) -> str:
    # In floats on both databases: PostgreSQL rounds to a number of places only numerics, and casting
    # every part of a few million scores to numeric and back costs seconds.
    return f"(ROUND(({expression}) * {10**PLACES}) / {10**PLACES})"


def _date_of_day(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"(DATE '1970-01-01' + {expression})"
    return f"date({expression} * 86400, 'unixepoch')"


RECORD_FIELDS = (
    "perpetrator_ref",
    "area",
    "victim_ref",
    "occurred_day",
    "perpetrator_born_on",
    "offence",
    "region",
)


def scoring_sql(model: RfgFile) -> str:
    """The INSERT ... SELECT of one run, with named parameters (see `_parameters`).

    The gravity table goes into the query (as VALUES or a CASE), so that the scores use the model
    version's table. Records are grouped to (perpetrator, area, victim) first, and the serial rule, which
    spans areas, groups those to (perpetrator, victim): every grouping can hash, and the later ones work
    on far fewer rows than there are records. The serial flag is a test against the set of serial
    perpetrators, which both databases hash once, rather than a join: PostgreSQL cannot estimate how
    many pass the rule's HAVING, and on a guess of a handful would join by a nested loop."""
    record, person, score = PoliceRecord, Person, RfgScore

    def p(name: str) -> str:
        return f"CAST(%({name})s AS DOUBLE PRECISION)" if name.startswith("f_") else f"%({name})s"

    def capped(expression: str, cap: str) -> str:
        return f"(CASE WHEN {expression} < {p(cap)} THEN {expression} ELSE {p(cap)} END)"

    codes = range(len(model.gravity.offences))
    r = {field: "r." + _column(record, field) for field in (*FLAGS, *RECORD_FIELDS)}
    if connection.vendor == "postgresql":
        # A hash join with the table as a VALUES list.
        values = ", ".join(f"({p(f'code_{n}')}, {p(f'f_harm_{n}')})" for n in codes)
        gravity_cte = f"gravity (code, harm) AS (VALUES {values}),"
        gravity_join, weight, known = f"JOIN gravity g ON g.code = {r['offence']}", "g.harm", "TRUE"
    else:
        # SQLite would join by scanning the table for every record: a CASE and an IN list cost less.
        gravity_cte, gravity_join = "", ""
        whens = " ".join(f"WHEN {p(f'code_{n}')} THEN {p(f'f_harm_{n}')}" for n in codes)
        weight = f"CASE {r['offence']} {whens} END"
        known = f"{r['offence']} IN ({', '.join(p(f'code_{n}') for n in codes)})"
    uplift = " + ".join(f"CASE WHEN {r[flag]} THEN {p(f'f_uplift_{flag}')} ELSE 0 END" for flag in FLAGS)
    records_sql = f"""
        SELECT {r["perpetrator_ref"]} AS perpetrator_ref, {r["area"]} AS area_id,
               {r["victim_ref"]} AS victim_ref, {r["occurred_day"]} AS day,
               {r["perpetrator_born_on"]} AS born_on, {weight} * (1 + {uplift}) AS harm
        FROM {_table(record)} r {_whole_table()} {gravity_join}
        WHERE {known} AND {r["region"]} = {p("region")}
          AND {r["occurred_day"]} BETWEEN {p("start_day")} AND {p("end_day")}
    """  # noqa: S608  (identifiers come from the models; every value is a parameter)
    # The parts are computed with the coefficient 100 * weight / sum of weights.
    recency = _rounded(f"{p('f_recency')} * (1 - ({p('end_day')} - a.last_day) / {p('f_window_days')})")
    frequency = _rounded(
        f"{p('f_frequency')} * {capped('a.records', 'f_cap_records')} / {p('f_cap_records')}"
    )
    gravity_part = _rounded(f"{p('f_gravity')} * {capped('a.harm', 'f_cap_harm')} / {p('f_cap_harm')}")
    victims = _rounded(f"{p('f_victims')} * {capped('a.victims', 'f_cap_victims')} / {p('f_cap_victims')}")
    serial_having = (
        f"SUM(records) >= {p('min_records')} AND COUNT(*) >= {p('min_victims')} "
        f"AND (MIN(born_on) IS NULL OR MIN(born_on) <= {p('adult_born_by')})"
    )
    columns = ", ".join(
        _column(score, f)
        for f in (
            "run", "perpetrator_ref", "person", "area", "score", "recency", "frequency", "gravity", "victims",
            "records", "victim_count", "harm", "last_on", "serial", "rank",
        )
    )  # fmt: skip
    police_reference = _column(person, "police_reference")
    person_id = _column(person, "id")
    sql = f"""
        INSERT INTO {_table(score)} ({columns})
        WITH {gravity_cte}
        windowed AS ({records_sql}),
        per_victim AS (
            SELECT perpetrator_ref, area_id, victim_ref, COUNT(*) AS records, SUM(harm) AS harm,
                   MAX(day) AS last_day, MIN(born_on) AS born_on
            FROM windowed GROUP BY perpetrator_ref, area_id, victim_ref),
        per_area AS (
            SELECT perpetrator_ref, area_id, SUM(records) AS records, COUNT(*) AS victims, SUM(harm) AS harm,
                   MAX(last_day) AS last_day
            FROM per_victim GROUP BY perpetrator_ref, area_id),
        across_areas AS (
            SELECT perpetrator_ref, victim_ref, SUM(records) AS records, MIN(born_on) AS born_on
            FROM per_victim GROUP BY perpetrator_ref, victim_ref),
        serial AS (
            SELECT perpetrator_ref FROM across_areas GROUP BY perpetrator_ref HAVING {serial_having}),
        parts AS (
            SELECT a.perpetrator_ref, a.area_id, a.records, a.victims, a.last_day,
                   {_rounded("a.harm")} AS harm, {recency} AS recency, {frequency} AS frequency,
                   {gravity_part} AS gravity, {victims} AS victims_part
            FROM per_area a),
        scored AS (
            SELECT parts.*, {_rounded("recency + frequency + gravity + victims_part")} AS score FROM parts)
        SELECT {p("run")} AS run_id, s.perpetrator_ref, person.{person_id} AS person_id, s.area_id,
               s.score, s.recency, s.frequency, s.gravity, s.victims_part AS victims, s.records,
               s.victims AS victim_count, s.harm, {_date_of_day("s.last_day")} AS last_on,
               s.perpetrator_ref IN (SELECT perpetrator_ref FROM serial) AS serial,
               ROW_NUMBER() OVER (
                   PARTITION BY s.area_id ORDER BY s.score DESC, s.perpetrator_ref{_bytewise()}
               ) AS rank
        FROM scored s
        LEFT JOIN {_table(person)} person ON person.{police_reference} = s.perpetrator_ref
            AND NOT EXISTS (
                SELECT 1 FROM {_table(person)} twin
                WHERE twin.{police_reference} = s.perpetrator_ref AND twin.{person_id} <> person.{person_id})
    """  # noqa: S608  (identifiers come from the models; every value is a parameter)
    return sql


def _parameters(model: RfgFile, window: Window, region: Region, run: RfgRun) -> dict[str, Any]:
    weights = model.weights
    values: dict[str, Any] = {
        "region": region.pk,
        "start_day": window.start_day,
        "end_day": window.end_day,
        "f_window_days": float(window.days),
        "f_recency": 100 * weights.recency / weights.total,
        "f_frequency": 100 * weights.frequency / weights.total,
        "f_gravity": 100 * weights.gravity / weights.total,
        "f_victims": 100 * weights.victims / weights.total,
        "f_cap_records": float(model.caps.records),
        "f_cap_harm": float(model.caps.harm),
        "f_cap_victims": float(model.caps.victims),
        "min_records": model.serial.min_records,
        "min_victims": model.serial.min_victims,
        "adult_born_by": connection.ops.adapt_datefield_value(adult_born_by(model, window.end)),
        "run": RfgScore._meta.get_field("run").get_db_prep_value(run.pk, connection),
    }
    for n, (code, harm) in enumerate(model.gravity.offences.items()):
        values[f"code_{n}"] = code
        values[f"f_harm_{n}"] = float(harm)
    for flag in FLAGS:
        values[f"f_uplift_{flag}"] = float(getattr(model.uplifts, flag))
    return values


def _unknown_offences(model: RfgFile, region: Region, window: Window) -> list[str]:
    codes = list(model.gravity.offences)
    found = (
        PoliceRecord.objects.filter(
            region=region, occurred_day__gte=window.start_day, occurred_day__lte=window.end_day
        )
        .exclude(offence__in=codes)
        .values_list("offence", flat=True)
        .distinct()
        .order_by("offence")
    )
    return list(found[:20])


def score_region(
    *,
    region: Region,
    actor: Actor | None = None,
    end: datetime.date | None = None,
    version: RfgModelVersion | None = None,
) -> RfgRun:
    """Score every person with police records in the window ending on `end` (today if not given), with
    the model `version` (the region's latest if not given), as one new run; raise RfgError, writing
    nothing, if no model is loaded or a record's offence is not in the model's gravity table.

    `actor` None is the system (a scheduled job); an actor needs the police data permission."""
    if actor is not None and not allows(actor, Perm.POLICE_DATA_IMPORT):
        raise RfgError("Your role does not let you run RFG scoring.")
    version = version or current_model(region)
    if version is None:
        raise RfgError(
            f"No RFG model is loaded for {region.slug}; load it with manage.py load_rfg "
            f"regions/{region.slug}/rfg.yaml"
        )
    if version.region_id != region.pk:
        raise RfgError(f"RFG model version {version.version} belongs to another region.")
    model = model_of(version)
    window = window_for(model, end or timezone.localdate())
    sql = scoring_sql(model)
    with transaction.atomic():
        run = RfgRun.objects.create(
            region=region,
            model=version,
            window_start=window.start,
            window_end=window.end,
            created_by=actor.user if actor is not None else None,
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Room for the groupings and the ranking's sort of a few million rows to stay in memory
                # rather than spill to disk; for this transaction only.
                cursor.execute("SET LOCAL work_mem = '512MB'")
            cursor.execute(sql, _parameters(model, window, region, run))
            scored = cursor.rowcount
        in_window = PoliceRecord.objects.filter(
            region=region, occurred_day__gte=window.start_day, occurred_day__lte=window.end_day
        ).count()
        counted = RfgScore.objects.filter(run=run).aggregate(n=Sum("records"))["n"] or 0
        if counted != in_window:
            unknown = _unknown_offences(model, region, window)
            raise RfgError(
                f"Police records in the window use offence code(s) that RFG model version {version.version} "
                f"does not weigh: {', '.join(unknown)}. Add them to the gravity table in "
                f"regions/{region.slug}/rfg.yaml, load it with manage.py load_rfg, and score again. "
                "Nothing was scored."
            )
        RfgRun.objects.filter(pk=run.pk).update(records=in_window, scored=scored)
        run.records, run.scored = in_window, scored
        audit.entry_record(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="rfg_run",
            record_id=run.pk,
            details={
                "region": region.slug,
                "model_version": version.version,
                "window_start": window.start.isoformat(),
                "window_end": window.end.isoformat(),
                "records": in_window,
                "scored": scored,
            },
        )
    return run


# --- reading runs --------------------------------------------------------------------------------------


def latest_run(region: Region) -> RfgRun | None:
    return RfgRun.objects.filter(region=region).select_related("model").order_by("-created_at").first()


def ranking(run: RfgRun, area_id: int, *, limit: int | None = None) -> QuerySet[RfgScore]:
    """The run's scores in one area, highest first (rank 1 is the highest; ties by reference)."""
    scores = RfgScore.objects.filter(run=run, area_id=area_id).order_by("rank")
    return scores[:limit] if limit is not None else scores


def band_of(model: RfgFile, score: float) -> Band:
    return model.band(score)
