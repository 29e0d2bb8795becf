"""Performance benchmarks, run by `make bench` and reported, never as timed tests.

Each benchmark runs in its own process on its own throwaway database, builds its own data, times the
operation and prints the figures with the target they are measured against.

    .venv/bin/python benchmarks/run.py                   # every benchmark, on SQLite
    .venv/bin/python benchmarks/run.py --only triage     # one benchmark (gap_map, triage, import,
                                                         # recompute, history, people_search, rfg,
                                                         # agenda, audit, alerts, caseload,
                                                         # outcomes, simulation or scenarios)
    .venv/bin/python benchmarks/run.py --only rfg --postgres --incidents 10000000   # one size only
    .venv/bin/python benchmarks/run.py --postgres        # on PostgreSQL
    .venv/bin/python benchmarks/run.py --all-databases   # everything on SQLite, then on PostgreSQL

The databases are throwaway ones: a temporary SQLite file, or on PostgreSQL a database named
pathways_bench_<pid> that is created and dropped on the server DATABASE_URL names (when it is a
postgres:// URL; otherwise postgres@127.0.0.1:5432). With DATABASE_URL set to a PostgreSQL URL and no
option, the benchmarks run on PostgreSQL. The database DATABASE_URL names is never touched.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    import numpy as np

    from pathways.demo.families import Family, Member
    from pathways.police.rfg import Window
    from pathways.police.rfgfile import RfgFile
    from pathways.referrals.triage import Case

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
REGION_FILE = ROOT / "regions" / "cardiff-and-vale" / "region.yaml"
TRIAGE_FILE = REGION_FILE.with_name("triage.yaml")
RFG_FILE = REGION_FILE.with_name("rfg.yaml")


# --- databases -----------------------------------------------------------------------------------------


def _postgres_server() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_POSTGRES


@contextlib.contextmanager
def throwaway_database(kind: str) -> Iterator[str]:
    """The URL of a new, empty database, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pathways-bench-") as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    import dj_database_url
    import psycopg

    server = _postgres_server()
    params = dj_database_url.parse(server)

    def maintenance() -> psycopg.Connection:
        return psycopg.connect(
            dbname="postgres",
            user=str(params.get("USER") or "") or None,
            password=str(params.get("PASSWORD") or "") or None,
            host=str(params.get("HOST") or "") or None,
            port=str(params.get("PORT") or "") or None,
            autocommit=True,
        )

    name = f"pathways_bench_{os.getpid()}"
    with maintenance() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        parts = urlsplit(server)
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    finally:
        from django.db import connections

        connections.close_all()
        with maintenance() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pathways.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# --- measuring -----------------------------------------------------------------------------------------


def timed(runs: int, action: Callable[[], object]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def peak_rss_mib() -> float:
    """The process's peak resident memory so far (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


# --- people --------------------------------------------------------------------------------------------


def planned_families(count: int) -> list[Family]:
    """The first `count` families of the demo's planner with the demo's own seed, so that the benchmarks'
    people are the demo's (`manage.py load_demo --people N` writes the first of them).

    Each family is drawn after the ones before it, so asking for more people only adds families at the
    end: the first `count` are the same whatever was asked for."""
    from django.utils import timezone

    from pathways.demo.families import plan_families
    from pathways.demo.region import DEFAULT_SEED

    today = timezone.localdate()
    people = 3 * count  # a family holds about three people
    while True:
        families = plan_families(people=people, seed=DEFAULT_SEED, today=today)
        if len(families) >= count:
            return families[:count]
        people *= 2


def planned_adults(count: int) -> list[tuple[str, Member]]:
    """`count` adults of the demo's planned families, each with the side of the family they are on, family
    by family: the one using abuse, the partner and any new partner. Children are left out: the benchmarks
    asking for adults assess them with DASH."""
    families = (count + 1) // 2
    while True:
        adults = [
            (side, member)
            for family in planned_families(families)
            for side, member in (
                ("perpetrator", family.perpetrator),
                ("victim", family.partner),
                ("victim", family.new_partner),
            )
            if member is not None
        ]
        if len(adults) >= count:
            return adults[:count]
        families *= 2


# --- gap map -------------------------------------------------------------------------------------------


def bench_gap_map() -> None:
    """The gap map over the shipped region, and over a region of 200 services."""
    from pathways.directory.models import Service
    from pathways.directory.services import region_load
    from pathways.insights.selectors import gap_map_build

    region_load(path=REGION_FILE)
    shipped_count = Service.objects.count()
    shipped = timed(20, gap_map_build)
    template = Service.objects.get(slug="drive-cardiff")
    areas = list(template.areas.all())
    for n in range(200 - Service.objects.count()):
        template.pk = None
        template.slug = f"bench-{n}"
        template.save()
        template.areas.set(areas)
    large = timed(20, gap_map_build)
    print(f"gap map, shipped region ({shipped_count} services): median {shipped * 1000:.1f} ms")
    print(f"gap map, 200 services: median {large * 1000:.1f} ms (target: under 500 ms for a page)")


# --- triage --------------------------------------------------------------------------------------------

TRIAGE_CALLS = 2000
END_TO_END_CALLS = 400


def _region_of_200_services(rng: random.Random) -> None:
    """Copies of the shipped services, with new slugs and varied tiers, areas, capacity and waits."""
    from pathways.directory.choices import ServiceKind, ServiceStatus, Tier
    from pathways.directory.models import Area, Service

    considered = [
        Tier.EARLY_INTERVENTION,
        Tier.MEDIUM_RISK,
        Tier.HIGH_HARM,
        Tier.CRIMINAL_JUSTICE,
        Tier.COURT_DIVERSION,
        Tier.FAMILY,
    ]
    areas = list(Area.objects.all())
    home = [a for a in areas if a.in_region]
    templates = list(Service.objects.values_list("pk", flat=True))
    for n in range(200 - len(templates)):
        service = Service.objects.get(pk=templates[n % len(templates)])
        service.pk = None
        service.slug = f"triage-bench-{n}"
        service.tier = rng.choice([*considered, rng.choice(list(Tier))])
        service.kind = (
            ServiceKind.PERPETRATOR_INTERVENTION if rng.random() < 0.85 else rng.choice(list(ServiceKind))
        )
        service.status = rng.choices(list(ServiceStatus), weights=[2, 10, 1, 1])[0]
        service.capacity = rng.choice([None, 10, 20, 40, 80])
        service.waiting_weeks = rng.choice([None, Decimal(0), Decimal(2), Decimal("4.5"), Decimal(8)])
        age_min = rng.choice([None, None, 16, 18])
        if service.age_max is None or (age_min or 0) <= service.age_max:
            service.age_min = age_min
        service.save()
        service.areas.set(
            rng.sample(home, k=rng.randint(1, len(home))) + rng.sample(areas, k=rng.randint(0, 3))
        )


def _random_case(rng: random.Random, area_slugs: list[str]) -> Case:
    from pathways.directory.choices import ReferralRoute
    from pathways.referrals.choices import RiskLevel
    from pathways.referrals.triage import Case
    from pathways.referrals.triagefile import CASE_FACTS

    return Case(
        area=rng.choice([*area_slugs, None]),
        gender=rng.choice(["male", "male", "male", "female", "non_binary", None]),
        relationship_type=rng.choice(["opposite_sex", "opposite_sex", "same_sex", None]),
        age=rng.choice([None, *range(16, 75)]),
        route=rng.choice(ReferralRoute.values),
        been_to_marac=rng.random() < 0.2,
        risk_level=rng.choice(RiskLevel.values),
        has_partner_details=rng.random() < 0.5,
        has_children=rng.random() < 0.5,
        interpreter_needed=rng.random() < 0.05,
        welsh=rng.random() < 0.1,
        shift_worker=rng.random() < 0.2,
        facts=frozenset(name for name in CASE_FACTS if rng.random() < 0.15),
    )


def bench_triage() -> None:
    """Triage over a region of 200 services: the pure function, and end to end with its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pathways.directory.models import Area, Region, Service
    from pathways.directory.services import region_load
    from pathways.people.services import PersonInput
    from pathways.referrals import services
    from pathways.referrals.choices import Status
    from pathways.referrals.models import Referral
    from pathways.referrals.triage import triage

    rng = random.Random(20250601)
    region_load(path=REGION_FILE)
    services.triage_rules_load(path=TRIAGE_FILE)
    _region_of_200_services(rng)
    region = Region.objects.get(slug="cardiff-and-vale")
    _, rules = services.triage_rules_current(region=region)
    facts = services.triage_service_facts(region=region)
    area_slugs = list(Area.objects.values_list("slug", flat=True))
    cases = [_random_case(rng, area_slugs) for _ in range(TRIAGE_CALLS)]
    for case in cases[:100]:  # warm up
        triage(case, facts, rules)
    samples = []
    fits = 0
    for case in cases:
        start = time.perf_counter()
        result = triage(case, facts, rules)
        samples.append(time.perf_counter() - start)
        fits += len(result.fits)
    median, p95 = statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000
    print(
        f"triage, {len(facts)} services, {len(cases)} varied cases in-process: median {median:.2f} ms, "
        f"p95 {p95:.2f} ms, {fits / len(cases):.1f} services fit on average "
        f"(target: median under 5 ms: {verdict(median < 5)})"
    )

    # End to end: referrals in the database, some services holding places, each triaged as a page does.
    areas = list(Area.objects.all())
    genders = ["man", "man", "man", "woman", "non_binary", "not_known"]
    referral_ids = []
    for n in range(END_TO_END_CALLS // 2):
        partner = None
        if rng.random() < 0.5:
            partner = services.PartnerInput(
                PersonInput(given_name="Partner", family_name=f"P{n}", gender_identity=rng.choice(genders))
            )
        referral = services.referral_create(
            actor=None,
            data=services.ReferralInput(
                route=rng.choice(["police", "gp_health", "self", "probation", "marac"]),
                reason="Benchmark referral.",
                risk_level=rng.choice(["standard", "medium", "high", "not_known"]),
                person=PersonInput(
                    given_name="Person",
                    family_name=f"R{n}",
                    gender_identity=rng.choice(genders),
                    area=rng.choice([*areas, None]),
                ),
                partner=partner,
                children_in_family=rng.random() < 0.4,
            ),
        )
        referral_ids.append(referral.pk)
    holding = list(Service.objects.filter(region=region).values_list("pk", flat=True))
    for pk in referral_ids[::4]:  # a quarter already hold a place somewhere
        Referral.objects.filter(pk=pk).update(status=Status.TRIAGED, service=rng.choice(holding))
    received = [pk for pk in referral_ids if Referral.objects.filter(pk=pk, status=Status.RECEIVED).exists()]

    def end_to_end(pk: uuid.UUID) -> None:
        referral = Referral.objects.select_related("person__area", "partner").get(pk=pk)
        services.referral_triage(referral=referral)

    with CaptureQueriesContext(connection) as queries:
        end_to_end(received[0])
    samples = []
    for n in range(END_TO_END_CALLS):
        pk = received[n % len(received)]
        start = time.perf_counter()
        end_to_end(pk)
        samples.append(time.perf_counter() - start)
    median, p95 = statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000
    print(
        f"triage end to end (services.triage_referral, loading the referral and the region's services), "
        f"{len(samples)} calls: median {median:.1f} ms, p95 {p95:.1f} ms, {len(queries)} queries per call "
        "(no separate target; a page has 500 ms in all)"
    )


# --- import --------------------------------------------------------------------------------------------

IMPORT_ROWS = 100_000
REASONS = [
    "Police attended a domestic incident; {who} was arrested and released under investigation.",
    "Disclosed controlling behaviour towards a partner at a GP appointment and asked for help to change.",
    "Children's services assessment found repeated arguments witnessed by the children; {who} agreed to a "
    "referral.",
    "Heard at MARAC on {day}. High-risk victim; the partner is supported by an IDVA.",
    "Self-referral after a relationship ended; worried about {who}'s anger and jealousy.",
    "Probation: order includes a requirement to attend a programme. Previous convictions for assault.",
]


def _ascii(name: str) -> str:
    """A name as an email address's local part takes it: "Zmyślona" is "zmyslona"."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def _write_import_file(path: Path, rows: int, rng: random.Random) -> None:
    """One row for each of the demo's first `rows` families: the person using abuse and, in a third of the
    rows, their partner, as the planner made them; how often an optional cell is left empty, and what the
    planner does not give (references, route, reason, risk and the other answers the form requires), are
    drawn here. Written by column name, so that the file follows the importer's columns."""
    from pathways.directory.choices import ReferralRoute
    from pathways.directory.models import Area
    from pathways.people.choices import WorkPattern
    from pathways.referrals.choices import RiskLevel
    from pathways.referrals.imports import COLUMNS
    from pathways.referrals.triagefile import CASE_FACTS

    others = list(Area.objects.filter(in_region=False).values_list("slug", flat=True))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        for n, planned in enumerate(planned_families(rows)):
            person = planned.perpetrator
            partner = planned.partner if rng.random() < 1 / 3 else None
            row = {
                "given_name": person.given_name,
                "family_name": person.family_name,
                "date_of_birth": person.born.isoformat() if rng.random() < 0.9 else "",
                "gender_identity": person.gender,
                "area": rng.choices([person.area, rng.choice(others), "not_known"], weights=[85, 5, 10])[0],
                "preferred_language": rng.choices(["en", "cy", "other"], weights=[85, 10, 5])[0],
                "interpreter_needed": rng.choices(["no", "yes", ""], weights=[60, 5, 35])[0],
                "work_pattern": rng.choice(WorkPattern.values),
                "police_reference": f"SWP/{rng.randint(2019, 2025)}/{n:06d}" if rng.random() < 0.6 else "",
                "nhs_number": f"{rng.randint(400, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
                if rng.random() < 0.3
                else "",
                "social_services_reference": f"SS-{rng.randint(10000, 99999)}" if rng.random() < 0.2 else "",
                "route": rng.choice(ReferralRoute.values),
                "reason": rng.choice(REASONS).format(
                    who=person.given_name, day=f"{rng.randint(1, 28)} May 2025"
                ),
                "risk_level": rng.choice(RiskLevel.values),
                "been_to_marac": rng.choice(["yes", "no"]),
                **{
                    fact: rng.choices(["yes", "no", "not_known"], weights=[30, 30, 40])[0]
                    for fact in CASE_FACTS
                },
                "consent_to_contact": rng.choice(["yes", "no", ""]),
                "children_in_family": rng.choice(["yes", "no", ""]),
            }
            if partner:
                row.update(
                    {
                        "partner_given_name": partner.given_name,
                        "partner_family_name": partner.family_name,
                        "partner_gender": partner.gender,
                        "partner_phone": partner.phone if rng.random() < 0.8 else "",
                        "partner_email": f"{_ascii(partner.given_name)}.{_ascii(partner.family_name)}{n}"
                        "@example.org"
                        if rng.random() < 0.5
                        else "",
                        "partner_address": partner.address if rng.random() < 0.7 else "",
                    }
                )
            writer.writerow(row)


def bench_import(rows: int = IMPORT_ROWS) -> None:
    """Importing a CSV file of 100,000 referrals, a third with partner details: time and peak memory."""
    from pathways.accounts.models import Agency, Membership, User
    from pathways.core.access import AgencyType, Role
    from pathways.core.policy import Actor
    from pathways.directory.services import region_load
    from pathways.referrals.imports import import_referrals
    from pathways.referrals.models import Referral

    region_load(path=REGION_FILE)
    agency = Agency.objects.create(
        slug="bench-agency", name_en="Bench", name_cy="Bench", type=AgencyType.PERPETRATOR_SERVICE
    )
    user = User.objects.create(username="bench-officer")
    membership = Membership.objects.create(user=user, agency=agency, role=Role.PRACTITIONER)
    with tempfile.TemporaryDirectory(prefix="pathways-import-") as folder:
        path = Path(folder) / "referrals.csv"
        start = time.perf_counter()
        _write_import_file(path, rows, random.Random(20250602))
        written = time.perf_counter() - start
        size = path.stat().st_size / (1024 * 1024)
        before = peak_rss_mib()
        start = time.perf_counter()
        result = import_referrals(actor=Actor(user=user, membership=membership), path=path)
        seconds = time.perf_counter() - start
        peak = peak_rss_mib()
    assert result.referrals == rows == Referral.objects.count()
    print(
        f"import, {rows:,} rows ({size:.0f} MiB, {result.partners:,} with a partner; file written in "
        f"{written:.1f} s): {seconds:.1f} s, {rows / seconds:,.0f} rows/s "
        f"(target: under 60 s: {verdict(seconds < 60)})"
    )
    print(
        f"import, peak memory of the process: {peak:.0f} MiB, {before:.0f} MiB before the import "
        f"(target: under 1 GiB: {verdict(peak < 1024)})"
    )


# --- assessments ---------------------------------------------------------------------------------------

ASSESSMENTS = 1_000_000
HISTORY_ASSESSMENTS = 200
DASH = "dash-partner-agency"
ASSESSMENT_COLUMNS = (
    "id", "created_at", "modified_at", "created_by", "modified_by", "person", "instrument_version",
    "assessor", "agency", "assessed_on", "context", "status", "answers", "results", "narrative", "sources",
    "completed_at", "supersedes", "correction_reason",
)  # fmt: skip


def _dash_answers(rng: random.Random) -> tuple[dict[str, object], datetime.date]:
    """One varied, complete DASH: about one in six at medium or high risk, with call-outs, judgements and
    earlier MARAC referrals spread so that a change of call-out threshold affects some of them."""
    level = rng.choices([0.15, 0.45, 0.7], weights=[70, 20, 10])[0]
    answers: dict[str, object] = {
        f"q{n:02d}": "yes" if rng.random() < level else rng.choice(["no", "no", "dont_know"])
        for n in range(1, 25)
    }
    if answers["q08"] == "yes":
        answers.update({f"s{n:02d}": rng.choice(["yes", "no", "dont_know"]) for n in range(1, 12)})
    incident = datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randrange(3 * 365))
    answers["incident_date"] = incident.isoformat()
    answers["professional_judgement"] = "no"
    if rng.random() < 0.03:
        answers["professional_judgement"] = "yes"
        answers["judgement_reason"] = "Recent threats with a weapon reported by a neighbour."
    if rng.random() < 0.7:
        answers["police_callouts_12m"] = rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 5, 8])
    if rng.random() < 0.1:
        answers["last_marac_referral"] = (
            incident - datetime.timedelta(days=rng.randrange(30, 900))
        ).isoformat()
    return answers, incident + datetime.timedelta(days=rng.randrange(0, 14))


def _assessment_people(rng: random.Random, count: int) -> tuple[object, object, list[object]]:
    """An agency, an assessor and `count` people spread over the region's areas (a tenth with no area)."""
    from pathways.accounts.models import Agency, Membership, User
    from pathways.core.access import AgencyType, Role
    from pathways.directory.models import Area
    from pathways.people.models import Person

    agency = Agency.objects.create(
        slug="bench-idva", name_en="Bench", name_cy="Bench", type=AgencyType.VICTIM_SERVICE
    )
    user = User.objects.create(username="bench-assessor")
    Membership.objects.create(user=user, agency=agency, role=Role.PRACTITIONER)
    areas = [*Area.objects.all(), None]
    # Areas drawn here: the planner's people live in the region's two areas, these in any of Wales's.
    people = [
        Person(
            given_name=adult.given_name,
            family_name=adult.family_name,
            gender_identity=adult.gender,
            area=rng.choice(areas) if rng.random() < 0.9 else None,
            side=side,
        )
        for side, adult in planned_adults(count)
    ]
    Person.objects.bulk_create(people, batch_size=1000)
    return agency, user, people


def _bulk_insert(
    model: Any, fields: Sequence[str], rows: Iterator[tuple[object, ...]], *, analyze: bool
) -> int:
    """Raw bulk insert of ready-made rows (values in `fields` order, as the database takes them): COPY on
    PostgreSQL, executemany on SQLite; no model objects. Statistics are refreshed on PostgreSQL, and on
    SQLite too when `analyze`. Returns how many rows were written."""
    from django.db import connection, transaction

    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            cursor.execute(f"ANALYZE {table}")
            return written
        # A larger page cache for the insert only (a random UUID key scatters the index writes).
        cursor.execute("PRAGMA cache_size")
        (cache_size,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -262144")
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        chunk: list[tuple[object, ...]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == 10_000:
                cursor.executemany(sql, chunk)
                written, chunk = written + len(chunk), []
        cursor.executemany(sql, chunk)
        written += len(chunk)
        cursor.execute(f"PRAGMA cache_size = {cache_size:d}")
        if analyze:
            cursor.execute(f"ANALYZE {table}")
    return written


def _insert_assessments(rows: Iterator[tuple[object, ...]]) -> int:
    from pathways.assessments.models import Assessment

    return _bulk_insert(Assessment, ASSESSMENT_COLUMNS, rows, analyze=False)


def _assessment_rows(
    rng: random.Random, count: int, people: list[object], agency: object, user: object, status: str
) -> Iterator[tuple[object, ...]]:
    """`count` DASH assessments of `people` (chosen at random), each with its own answers and the results
    completing it gives; drafts have no results. A pool of 50,000 answer sets is drawn from (recomputing
    caches nothing by content, so the pool only saves generating time). Queries now; rows as iterated."""
    from django.db import connection
    from django.utils import timezone

    from pathways.assessments.models import Assessment, InstrumentVersion
    from pathways.assessments.services import (
        assessment_results,
        assessment_settings_for,
        instrument_definition,
    )

    meta = Assessment._meta
    version = InstrumentVersion.objects.filter(instrument=DASH).first()
    assert version is not None
    instrument = instrument_definition(version=version)
    settings = assessment_settings_for(person=people[0])  # type: ignore[arg-type]  # one region: the same for everyone
    uuid_value = meta.get_field("id").get_db_prep_value
    now = meta.get_field("created_at").get_db_prep_value(timezone.now(), connection)
    completed = now if status != "draft" else None
    user_id = meta.get_field("assessor").get_db_prep_value(user.pk, connection)  # type: ignore[attr-defined]
    agency_id = meta.get_field("agency").get_db_prep_value(agency.pk, connection)  # type: ignore[attr-defined]
    person_ids = [uuid_value(p.pk, connection) for p in people]  # type: ignore[attr-defined]
    pool = []
    for _ in range(min(count, 50_000)):
        answers, assessed_on = _dash_answers(rng)
        results = (
            assessment_results(
                instrument=instrument, answers=answers, settings=settings, assessed_on=assessed_on
            )
            if status != "draft"
            else {}
        )
        pool.append(
            (json.dumps(answers), json.dumps(results), connection.ops.adapt_datefield_value(assessed_on))
        )
    contexts = ["intake", "intake", "review", "review", "closure", "marac"]

    def rows() -> Iterator[tuple[object, ...]]:  # no queries from here: COPY holds the connection
        for _ in range(count):
            answers_json, results_json, assessed_on = rng.choice(pool)
            yield (
                uuid_value(uuid.uuid4(), connection), now, now, user_id, user_id, rng.choice(person_ids),
                version.pk, user_id, agency_id, assessed_on, rng.choice(contexts), status, answers_json,
                results_json, "", "", completed, None, "",
            )  # fmt: skip

    return rows()


def _set_callout_threshold(threshold: int) -> None:
    """A new version of the region's assessment settings with another MARAC call-out threshold."""
    from pathways.assessments.models import RegionAssessmentSettings

    latest = RegionAssessmentSettings.objects.first()
    assert latest is not None
    RegionAssessmentSettings.objects.create(
        region=latest.region,
        version=latest.version + 1,
        settings={**latest.settings, "marac": {**latest.settings["marac"], "callout_threshold": threshold}},
        file_sha256="bench",
    )


def bench_recompute(count: int = ASSESSMENTS) -> None:
    """Recomputing the results of a million completed DASH assessments: after a change of the region's
    call-out threshold, again (nothing to change), and with every stored result wrong (all rewritten)."""
    from django.db import connection

    from pathways.assessments.models import Assessment
    from pathways.assessments.recompute import recompute_results
    from pathways.assessments.services import instruments_load
    from pathways.directory.services import region_load

    rng = random.Random(20250603)
    region_load(path=REGION_FILE)
    instruments_load(paths=[ROOT / "instruments", REGION_FILE.parent])
    agency, user, people = _assessment_people(rng, 4000)
    start = time.perf_counter()
    written = _insert_assessments(_assessment_rows(rng, count, people, agency, user, "completed"))
    written += _insert_assessments(_assessment_rows(rng, count // 100, people, agency, user, "draft"))
    generated = time.perf_counter() - start
    print(
        f"recompute: {count:,} completed DASH assessments (and {count // 100:,} drafts) of {len(people):,} "
        f"people written in {generated:.1f} s",
        flush=True,
    )

    def run(label: str, instrument: str | None = None) -> int:
        start, cpu = time.perf_counter(), time.process_time()
        changed = recompute_results(instrument=instrument)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"recompute {label}: {seconds:.1f} s ({cpu:.1f} s of this process's CPU), "
            f"{count / seconds:,.0f} assessments/s, {changed:,} changed "
            f"(target: under 60 s: {verdict(seconds < 60)}); peak memory {peak_rss_mib():.0f} MiB",
            flush=True,
        )
        return changed

    _set_callout_threshold(5)
    assert run("after the call-out threshold went from 3 to 5") > 0
    assert run(f"again, of {DASH} only, nothing to change", DASH) == 0
    table = connection.ops.quote_name(Assessment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET results = %s WHERE status = %s", ["{}", "completed"])  # noqa: S608
    assert run("with every stored result wrong") == count


def bench_history() -> None:
    """A person's assessment history page data: 200 assessments of theirs among 50,000 of 2,000 others."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pathways.assessments.selectors import assessment_history, risk_current
    from pathways.assessments.services import instruments_load
    from pathways.directory.services import region_load

    rng = random.Random(20250604)
    region_load(path=REGION_FILE)
    instruments_load(paths=[ROOT / "instruments", REGION_FILE.parent])
    agency, user, people = _assessment_people(rng, 2001)
    person, others = people[0], people[1:]
    _insert_assessments(_assessment_rows(rng, 50_000, others, agency, user, "completed"))
    _insert_assessments(_assessment_rows(rng, HISTORY_ASSESSMENTS - 5, [person], agency, user, "completed"))
    _insert_assessments(_assessment_rows(rng, 5, [person], agency, user, "draft"))

    def page() -> tuple[int, object]:
        return len(list(assessment_history(person=person))), risk_current(person=person)  # type: ignore[arg-type]

    with CaptureQueriesContext(connection) as queries:
        shown, risk = page()
    assert shown == HISTORY_ASSESSMENTS and risk is not None
    samples = []
    for _ in range(20):
        start = time.perf_counter()
        page()
        samples.append(time.perf_counter() - start)
    median, p95 = statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000
    print(
        f"history, a person with {shown} assessments (selectors.history evaluated, then current_risk), "
        f"{len(queries)} queries: median {median:.1f} ms, p95 {p95:.1f} ms "
        f"(target: median under 100 ms: {verdict(median < 100)})"
    )


PEOPLE_SEARCHED = 100_000


def bench_people_search() -> None:
    """The people search (name, then date of birth) over 100,000 people, three in four of them the
    searching agency's, through the access policy; the first page and the count, as the page shows."""
    from django.db import connection

    from pathways.core.policy import Actor
    from pathways.people.models import Person, PersonAccess
    from pathways.people.selectors import people_by_id, people_search

    rng = random.Random(20261201)
    agency, user, people = _assessment_people(rng, PEOPLE_SEARCHED)
    for person in people:
        person.date_of_birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20_000))
    Person.objects.bulk_update(people, ["date_of_birth"], batch_size=2000)
    PersonAccess.objects.bulk_create(
        [PersonAccess(person=p, agency=agency, reason="bench") for p in people if rng.random() < 0.75],
        batch_size=2000,
    )
    actor = Actor(user=user, membership=user.memberships.select_related("agency").get())  # type: ignore[attr-defined]
    wanted = rng.sample(people, 40)
    with connection.cursor() as cursor:  # as autovacuum would after a load this size
        cursor.execute("ANALYZE people_person" if connection.vendor == "postgresql" else "ANALYZE")
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE people_personaccess")

    def search(person: Any, by_date: bool) -> int:
        found = people_search(
            actor=actor,
            name=f"{person.given_name} {person.family_name[:3]}",
            date_of_birth=person.date_of_birth if by_date else None,
        )
        return len(people_by_id(ids=found[:50])) + len(found)

    for person in wanted[:5]:
        search(person, False)
    for label, by_date in (("by name", False), ("by name and date of birth", True)):
        samples = []
        for person in wanted:
            start = time.perf_counter()
            search(person, by_date)
            samples.append(time.perf_counter() - start)
        median, p95 = statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000
        print(
            f"people search {label}, {PEOPLE_SEARCHED:,} people: median {median:.1f} ms, p95 {p95:.1f} ms "
            f"(target: median under 100 ms: {verdict(median < 100)})"
        )


# --- RFG scoring ---------------------------------------------------------------------------------------

INCIDENTS = (1_000_000, 10_000_000)
# SQLite is measured up to a million incidents; larger runs are for PostgreSQL only.
SQLITE_MAX_INCIDENTS = 1_000_000
RFG_END = datetime.date(2025, 6, 30)
RFG_AREAS = ("cardiff", "vale-of-glamorgan", "bridgend", "rhondda-cynon-taf", "merthyr-tydfil", "newport")
RFG_OFFENCES = {
    "domestic_incident": 40, "common_assault": 18, "harassment": 8, "criminal_damage": 8,
    "malicious_communications": 4, "breach_of_order": 5, "coercive_control": 4, "actual_bodily_harm": 7,
    "stalking": 2, "threats_to_kill": 1, "strangulation": 1.5, "sexual_assault": 0.7,
    "grievous_bodily_harm": 0.5, "gbh_with_intent": 0.2, "rape": 0.3,
}  # fmt: skip
PLANTED_SERIALS = 30
RECORD_COLUMNS = (
    "region", "reference", "kind", "occurred_on", "occurred_day", "offence", "perpetrator_ref",
    "perpetrator_born_on", "victim_ref", "relationship", "area", "weapon", "injury", "children_present",
    "substance_misuse", "mental_health", "perpetrator", "victim", "row_sha256", "extract",
)  # fmt: skip


def _police_rows(
    count: int, seed: int, region_id: int, area_ids: list[int], extract_id: object
) -> Iterator[tuple[object, ...]]:
    """`count` police records, generated column-wise with numpy a block at a time (no model objects, no
    queries): a third as many perpetrators as records, a few with many records (a skewed draw), most
    against one victim, some against two or three; dates over five years up to the window end, so that
    about three in five are in a three-year window; a fifth with no date of birth. Then PLANTED_SERIALS
    serial perpetrators: four victims each, recent grave records, in the first area."""
    import numpy as np
    from django.db import connection

    from pathways.police.rfg import day_number

    rng = np.random.default_rng(seed)
    perpetrators = max(count // 3, 1)
    codes = np.array(list(RFG_OFFENCES))
    weights = np.array(list(RFG_OFFENCES.values()), dtype=float)
    weights /= weights.sum()
    end_day = day_number(RFG_END)
    epoch = datetime.date(1970, 1, 1)
    day_dates: dict[int, object] = {}

    def on(day: int) -> object:
        if day not in day_dates:
            day_dates[day] = connection.ops.adapt_datefield_value(epoch + datetime.timedelta(days=day))
        return day_dates[day]

    block = 100_000
    for start in range(0, count, block):
        n = min(block, count - start)
        perp = (perpetrators * rng.random(n) ** 2).astype(np.int64)
        victim = rng.choice(3, size=n, p=[0.8, 0.15, 0.05])
        days = end_day - rng.integers(0, 5 * 365, n)
        offence = codes[rng.choice(len(codes), size=n, p=weights)]
        area = np.array(area_ids)[(perp * 7 + victim) % len(area_ids)]
        born = np.where(
            (perp % 5) == 0, -1, day_number(datetime.date(1950, 1, 1)) + (perp * 7919) % (55 * 365)
        )
        flags = rng.random((5, n)) < np.array([[0.06], [0.15], [0.2], [0.25], [0.1]])
        for i, (p, v, d, o, a, b) in enumerate(
            zip(
                perp.tolist(),
                victim.tolist(),
                days.tolist(),
                offence.tolist(),
                area.tolist(),
                born.tolist(),
                strict=True,
            )
        ):
            kind = "crime" if o != "domestic_incident" else "incident"
            weapon, injury, children, substance, mental = flags[:, i].tolist()
            yield (
                region_id, f"SWP-{start + i:09d}", kind, on(d), d, o, f"P{p:08d}", on(b) if b >= 0 else None,
                f"V{p:08d}-{v}", "partner", a, weapon, injury, children, substance, mental, None, None, "",
                extract_id,
            )  # fmt: skip
    for s in range(PLANTED_SERIALS):
        for v in range(4):
            d = end_day - 10 - s - 20 * v
            yield (
                region_id, f"SERIAL-{s:03d}-{v}", "crime", on(d), d, "strangulation", f"SERIAL-{s:03d}", None,
                f"SERIAL-{s:03d}-V{v}", "ex-partner", area_ids[0], v == 0, True, v % 2 == 0, False, False,
                None, None, "", extract_id,
            )  # fmt: skip


def _insert_police_records(rows: Iterator[tuple[object, ...]]) -> int:
    from pathways.police.models import PoliceRecord

    return _bulk_insert(PoliceRecord, RECORD_COLUMNS, rows, analyze=True)


class _Reference:
    """The same scores computed with numpy from the window's records, read once from the database: the
    reading (a Python loop over the rows, encoding references as integers) is timed apart from the
    computing, which is vectorised throughout."""

    NO_BIRTH = 2**31 - 1

    def __init__(self, model: RfgFile, window: Window) -> None:
        self.model = model
        self.window = window
        self.perpetrators: dict[str, int] = {}
        self.victims: dict[str, int] = {}
        self.columns: dict[str, np.ndarray] = {}

    def read(self, region_id: int) -> None:
        import numpy as np
        from django.db import connection, transaction

        from pathways.police.models import PoliceRecord
        from pathways.police.rfg import day_number
        from pathways.police.rfgfile import FLAGS

        meta = PoliceRecord._meta
        names = (
            "perpetrator_ref",
            "victim_ref",
            "area",
            "occurred_day",
            "offence",
            "perpetrator_born_on",
            *FLAGS,
        )
        columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in names)
        placeholder = "%s" if connection.vendor == "postgresql" else "?"
        sql = (
            f"SELECT {columns} FROM {connection.ops.quote_name(meta.db_table)} "  # noqa: S608
            f"WHERE region_id = {placeholder} AND occurred_day BETWEEN {placeholder} AND {placeholder}"
        )
        gravity = self.model.gravity.offences
        uplifts = np.array([getattr(self.model.uplifts, flag) for flag in FLAGS])
        parts: dict[str, list[np.ndarray]] = {
            k: [] for k in ("perp", "victim", "area", "day", "harm", "born")
        }
        perps, victims = self.perpetrators, self.victims
        births: dict[object, int] = {None: self.NO_BIRTH}

        def born_day(value: object) -> int:
            if value not in births:
                day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))
                births[value] = day_number(day)
            return births[value]

        connection.ensure_connection()
        if connection.vendor == "postgresql":
            raw = connection.connection.cursor(name="rfg_reference")  # server-side: streamed, not held whole
        else:
            raw = connection.connection.cursor()
        with transaction.atomic():
            raw.execute(sql, (region_id, self.window.start_day, self.window.end_day))
            while chunk := raw.fetchmany(100_000):
                cols = list(zip(*chunk, strict=True))
                parts["perp"].append(
                    np.fromiter((perps.setdefault(r, len(perps)) for r in cols[0]), np.int64)
                )
                parts["victim"].append(
                    np.fromiter((victims.setdefault(r, len(victims)) for r in cols[1]), np.int64)
                )
                parts["area"].append(np.array(cols[2], dtype=np.int64))
                parts["day"].append(np.array(cols[3], dtype=np.int64))
                flags = np.array(cols[6:], dtype=bool)
                parts["harm"].append(
                    np.fromiter((gravity[o] for o in cols[4]), float) * (1 + uplifts @ flags)
                )
                parts["born"].append(np.fromiter((born_day(b) for b in cols[5]), np.int64))
            raw.close()
        self.columns = {k: np.concatenate(v) for k, v in parts.items()}

    def compute(self) -> dict[str, np.ndarray]:
        """Per (perpetrator, area), ordered by perpetrator code * areas + area id: the score, its counts
        and the serial flag."""
        import numpy as np

        from pathways.police.rfg import adult_born_by, day_number

        c = self.columns
        perp, victim, area, day, harm, born = (
            c["perp"],
            c["victim"],
            c["area"],
            c["day"],
            c["harm"],
            c["born"],
        )
        model, window = self.model, self.window
        areas = int(area.max()) + 1
        victim_count = len(self.victims) + 1
        keys, group = np.unique(perp * areas + area, return_inverse=True)
        records = np.bincount(group)
        harm_sum = np.bincount(group, weights=harm)
        last = np.full(len(keys), -1, dtype=np.int64)
        np.maximum.at(last, group, day)
        victims = np.bincount(np.unique(group * victim_count + victim) // victim_count, minlength=len(keys))

        perp_count = len(self.perpetrators)
        total = np.bincount(perp, minlength=perp_count)
        distinct = np.bincount(np.unique(perp * victim_count + victim) // victim_count, minlength=perp_count)
        oldest = np.full(perp_count, self.NO_BIRTH, dtype=np.int64)
        np.minimum.at(oldest, perp, born)
        rule = model.serial
        adult = (oldest <= day_number(adult_born_by(model, window.end))) | (oldest == self.NO_BIRTH)
        serial = (total >= rule.min_records) & (distinct >= rule.min_victims) & adult

        w, caps = model.weights, model.caps
        points = 100 / w.total
        recency = np.round(points * w.recency * (1 - (window.end_day - last) / window.days), 4)
        frequency = np.round(points * w.frequency * np.minimum(records, caps.records) / caps.records, 4)
        gravity = np.round(points * w.gravity * np.minimum(harm_sum, caps.harm) / caps.harm, 4)
        victim_part = np.round(points * w.victims * np.minimum(victims, caps.victims) / caps.victims, 4)
        return {
            "keys": keys,
            "areas": np.array(areas),
            "score": np.round(recency + frequency + gravity + victim_part, 4),
            "records": records,
            "victims": victims,
            "serial": serial[keys // areas],
        }

    def compare(self, run_id: object, result: dict[str, np.ndarray]) -> tuple[int, float, int, int]:
        """(scores read, the largest difference of a score, serial flags and counts that differ) between
        the run's stored scores and `result`."""
        import numpy as np

        from pathways.police.models import RfgScore

        keys, areas = result["keys"], int(result["areas"])
        rows, largest, serial_differ, counts_differ = 0, 0.0, 0, 0
        scores = RfgScore.objects.filter(run_id=run_id).values_list(
            "perpetrator_ref", "area_id", "score", "serial", "records", "victim_count"
        )
        batch: list[tuple[object, ...]] = []

        def check(batch: list[tuple[object, ...]]) -> None:
            nonlocal rows, largest, serial_differ, counts_differ
            cols = list(zip(*batch, strict=True))
            key = np.fromiter((self.perpetrators[r] for r in cols[0]), np.int64) * areas + np.array(cols[1])
            at = np.searchsorted(keys, key)
            assert np.array_equal(keys[at], key), "a stored score has no counterpart in the reference"
            largest = max(largest, float(np.abs(np.array(cols[2]) - result["score"][at]).max()))
            serial_differ += int((np.array(cols[3], dtype=bool) != result["serial"][at]).sum())
            counts_differ += int(
                (
                    (np.array(cols[4]) != result["records"][at])
                    | (np.array(cols[5]) != result["victims"][at])
                ).sum()
            )
            rows += len(batch)

        for row in scores.iterator(chunk_size=100_000):
            batch.append(row)
            if len(batch) == 100_000:
                check(batch)
                batch = []
        if batch:
            check(batch)
        return rows, largest, serial_differ, counts_differ


def _clear_police_data() -> None:
    from django.db import connection

    from pathways.police.models import PoliceExtract, PoliceRecord, RfgRun, RfgScore

    tables = [
        connection.ops.quote_name(m._meta.db_table) for m in (RfgScore, RfgRun, PoliceRecord, PoliceExtract)
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A throwaway database: the agenda items that point at old scores go too.
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def bench_rfg(counts: list[int]) -> None:
    """RFG scoring end to end (services.score_region: one INSERT ... SELECT, its checks and the audit
    entry; the import is not timed) over a million incidents, and on PostgreSQL ten million; then a numpy
    reference computing the same scores from the same rows, compared row by row."""
    from django.db import connection

    from pathways.directory.models import Area, Region
    from pathways.directory.services import region_load
    from pathways.people.models import Person
    from pathways.police.models import PoliceExtract
    from pathways.police.rfg import load_rfg_model, model_of, ranking, score_region, window_for

    region_load(path=REGION_FILE)
    version, _ = load_rfg_model(path=RFG_FILE)
    model = model_of(version)
    region = Region.objects.get(slug="cardiff-and-vale")
    area_ids = [Area.objects.get(slug=slug).pk for slug in RFG_AREAS]
    # Some perpetrators are people known to Pathways, so that the join to people does real work.
    Person.objects.bulk_create(
        [
            Person(given_name="Known", family_name=f"K{n}", police_reference=f"P{n * 7:08d}")
            for n in range(5000)
        ],
        batch_size=1000,
    )
    for count in counts:
        if connection.vendor == "sqlite" and count > SQLITE_MAX_INCIDENTS:
            print(f"rfg, {count:,} incidents: PostgreSQL only (SQLite runs up to {SQLITE_MAX_INCIDENTS:,})")
            continue
        _clear_police_data()
        extract = PoliceExtract.objects.create(region=region, name="bench.csv", file_sha256="bench")
        extract_id = PoliceExtract._meta.get_field("id").get_db_prep_value(extract.pk, connection)
        start = time.perf_counter()
        written = _insert_police_records(_police_rows(count, 20250605, region.pk, area_ids, extract_id))
        print(f"rfg: {written:,} police records written in {time.perf_counter() - start:.1f} s", flush=True)

        start, cpu = time.perf_counter(), time.process_time()
        run = score_region(region=region, end=RFG_END)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak = peak_rss_mib()
        target = 10 if count <= 1_000_000 else 60
        print(
            f"rfg, {count:,} incidents ({run.records:,} in the window, {run.scored:,} scores): "
            f"{seconds:.1f} s ({cpu:.1f} s of this process's CPU) "
            f"(target: under {target} s: {verdict(seconds < target)}); "
            f"peak memory {peak:.0f} MiB (target: under 2 GiB: {verdict(peak < 2048)})",
            flush=True,
        )
        top = list(ranking(run, area_ids[0], limit=PLANTED_SERIALS).values_list("perpetrator_ref", "serial"))
        assert all(ref.startswith("SERIAL-") and serial for ref, serial in top), "planted serials not on top"

        reference = _Reference(model, window_for(model, RFG_END))
        start = time.perf_counter()
        reference.read(region.pk)
        read = time.perf_counter() - start
        start = time.perf_counter()
        result = reference.compute()
        computed = time.perf_counter() - start
        rows, largest, serial_differ, counts_differ = reference.compare(run.pk, result)
        assert rows == run.scored == len(result["keys"]), "the reference and the run score different groups"
        print(
            f"rfg numpy reference: rows read in {read:.1f} s, scores computed in {computed:.2f} s; SQL end "
            f"to end takes {seconds / computed:.1f}x the numpy computation; {rows:,} scores compared: "
            f"largest difference {largest:.4f} points, {serial_differ} serial flags and {counts_differ} "
            f"counts differ; peak memory with the reference {peak_rss_mib():.0f} MiB",
            flush=True,
        )


# --- running -------------------------------------------------------------------------------------------

BENCHMARKS: dict[str, Callable[[argparse.Namespace], None]] = {
    "gap_map": lambda args: bench_gap_map(),
    "triage": lambda args: bench_triage(),
    "import": lambda args: bench_import(args.rows),
    "recompute": lambda args: bench_recompute(args.assessments),
    "history": lambda args: bench_history(),
    "people_search": lambda args: bench_people_search(),
    "rfg": lambda args: bench_rfg(args.incidents),
    # Imported when run: agenda.py imports this module's helpers.
    "agenda": lambda args: __import__("agenda").bench_agenda(),
    "audit": lambda args: __import__("audit_chain").bench_audit_chain(),
    "alerts": lambda args: __import__("case_alerts").bench_case_alerts(),
    "caseload": lambda args: __import__("caseload").bench_caseload(),
    "outcomes": lambda args: __import__("outcomes").bench_outcomes(),
    "simulation": lambda args: __import__("simulation").bench_simulation(),
    "scenarios": lambda args: __import__("scenarios").bench_scenarios(),
}


def _run_children(
    kind: str, names: list[str], rows: int, assessments: int = ASSESSMENTS, incidents: list[int] | None = None
) -> bool:
    """Each benchmark in its own process and database, so that none sees another's data or memory."""
    label = "PostgreSQL" if kind == "postgres" else "SQLite"
    print(f"== database: {label}", flush=True)
    ok = True
    for name in names:
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            name,
            "--database",
            kind,
            "--rows",
            str(rows),
            "--assessments",
            str(assessments),
            "--incidents",
            ",".join(str(n) for n in incidents or INCIDENTS),
        ]
        ok = subprocess.run(command, check=False).returncode == 0 and ok  # noqa: S603
    return ok


def _counts(text: str) -> list[int]:
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("expected sizes such as 1000000 or 1000000,10000000") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("every size must be at least 1")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append", help="run only this benchmark")
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    parser.add_argument("--all-databases", action="store_true", help="run on SQLite, then on PostgreSQL")
    parser.add_argument(
        "--rows", type=int, default=IMPORT_ROWS, help=f"rows in the import benchmark's file ({IMPORT_ROWS:,})"
    )
    parser.add_argument(
        "--assessments",
        type=int,
        default=ASSESSMENTS,
        help=f"completed assessments in the recompute benchmark ({ASSESSMENTS:,})",
    )
    parser.add_argument(
        "--incidents",
        type=_counts,
        default=list(INCIDENTS),
        help="police records in the rfg benchmark, comma-separated sizes run in turn "
        f"({','.join(str(n) for n in INCIDENTS)}; over {SQLITE_MAX_INCIDENTS:,} on PostgreSQL only)",
    )
    parser.add_argument("--child", choices=sorted(BENCHMARKS), help=argparse.SUPPRESS)
    parser.add_argument("--database", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        with throwaway_database(args.database) as url:
            _setup_django(url)
            BENCHMARKS[args.child](args)
        return 0

    names = args.only or list(BENCHMARKS)
    if args.all_databases:
        kinds = ["sqlite", "postgres"]
    elif args.postgres or os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        kinds = ["postgres"]
    else:
        kinds = ["sqlite"]
    ok = True
    for kind in kinds:
        ok = _run_children(kind, names, args.rows, args.assessments, args.incidents) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
