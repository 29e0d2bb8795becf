"""Performance benchmarks, run by `make bench` and reported, never as timed tests.

Each benchmark runs in its own process on its own throwaway database, builds its own data, times the
operation and prints the figures with the target they are measured against.

    .venv/bin/python benchmarks/run.py                   # every benchmark, on SQLite
    .venv/bin/python benchmarks/run.py --only triage     # one benchmark (gap_map, triage or import)
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
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from pathways.referrals.triage import Case

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
REGION_FILE = ROOT / "regions" / "cardiff-and-vale" / "region.yaml"
TRIAGE_FILE = REGION_FILE.with_name("triage.yaml")


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


# --- gap map -------------------------------------------------------------------------------------------


def bench_gap_map() -> None:
    """The gap map over the shipped region, and over a region of 200 services."""
    from pathways.directory.models import Service
    from pathways.directory.services import load_region
    from pathways.insights.selectors import gap_map

    load_region(path=REGION_FILE)
    shipped_count = Service.objects.count()
    shipped = timed(20, gap_map)
    template = Service.objects.get(slug="drive-cardiff")
    areas = list(template.areas.all())
    for n in range(200 - Service.objects.count()):
        template.pk = None
        template.slug = f"bench-{n}"
        template.save()
        template.areas.set(areas)
    large = timed(20, gap_map)
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
    )


def bench_triage() -> None:
    """Triage over a region of 200 services: the pure function, and end to end with its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pathways.directory.models import Area, Region, Service
    from pathways.directory.services import load_region
    from pathways.people.services import PersonInput
    from pathways.referrals import services
    from pathways.referrals.choices import Status
    from pathways.referrals.models import Referral
    from pathways.referrals.triage import triage

    rng = random.Random(20250601)
    load_region(path=REGION_FILE)
    services.load_triage_rules(path=TRIAGE_FILE)
    _region_of_200_services(rng)
    region = Region.objects.get(slug="cardiff-and-vale")
    _, rules = services.current_rules(region)
    facts = services.service_facts(region)
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
        referral = services.create_referral(
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
        services.triage_referral(referral)

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
GIVEN = [
    "Aled", "Alex", "Bryn", "Carys", "Cerys", "Chris", "Dafydd", "Dai", "Dylan", "Emma", "Gareth", "Gethin",
    "Huw", "Ieuan", "Jamie", "Jordan", "Kieran", "Lee", "Liam", "Lowri", "Mark", "Owain", "Rhys", "Ryan",
    "Sam", "Sian", "Steffan", "Tom", "Wayne", "Zainab", "Mohammed", "Priya", "Olu", "Kasia", "Tomasz",
]  # fmt: skip
FAMILY = [
    "Jones", "Williams", "Davies", "Evans", "Thomas", "Roberts", "Hughes", "Lewis", "Morgan", "Griffiths",
    "Price", "Jenkins", "Rees", "Edwards", "Phillips", "Owen", "Ahmed", "Khan", "Nowak", "Okafor", "Smith",
]  # fmt: skip
STREETS = ["High Street", "Heol y Bont", "Station Road", "Church Lane", "Clive Street", "Cowbridge Road East"]
REASONS = [
    "Police attended a domestic incident; {who} was arrested and released under investigation.",
    "Disclosed controlling behaviour towards a partner at a GP appointment and asked for help to change.",
    "Children's services assessment found repeated arguments witnessed by the children; {who} agreed to a "
    "referral.",
    "Heard at MARAC on {day}. High-risk victim; the partner is supported by an IDVA.",
    "Self-referral after a relationship ended; worried about {who}'s anger and jealousy.",
    "Probation: order includes a requirement to attend a programme. Previous convictions for assault.",
]


def _write_import_file(path: Path, rows: int, rng: random.Random) -> None:
    from pathways.directory.choices import ReferralRoute
    from pathways.directory.models import Area
    from pathways.people.choices import GenderIdentity, WorkPattern
    from pathways.referrals.choices import RiskLevel
    from pathways.referrals.imports import COLUMNS

    area_slugs = list(Area.objects.filter(in_region=True).values_list("slug", flat=True))
    others = list(Area.objects.filter(in_region=False).values_list("slug", flat=True))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(rows):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            partner = rng.random() < 1 / 3
            partner_given, partner_family = rng.choice(GIVEN), rng.choice(FAMILY)
            born = f"{rng.randint(1950, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            writer.writerow(
                [
                    given,
                    family,
                    born if rng.random() < 0.9 else "",
                    rng.choices(GenderIdentity.values, weights=[80, 12, 3, 1, 4])[0],
                    rng.choices([rng.choice(area_slugs), rng.choice(others), ""], weights=[85, 5, 10])[0],
                    rng.choices(["en", "cy", "other"], weights=[85, 10, 5])[0],
                    rng.choices(["no", "yes", ""], weights=[60, 5, 35])[0],
                    rng.choice([*WorkPattern.values, ""]),
                    f"SWP/{rng.randint(2019, 2025)}/{n:06d}" if rng.random() < 0.6 else "",
                    f"{rng.randint(400, 999)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
                    if rng.random() < 0.3
                    else "",
                    f"SS-{rng.randint(10000, 99999)}" if rng.random() < 0.2 else "",
                    rng.choice(ReferralRoute.values),
                    rng.choice(REASONS).format(who=given, day=f"{rng.randint(1, 28)} May 2025"),
                    rng.choice([*RiskLevel.values, ""]),
                    rng.choice(["yes", "no", ""]),
                    rng.choice(["yes", "no", ""]),
                    partner_given if partner else "",
                    partner_family if partner else "",
                    rng.choice(["woman", "man", "not_known", ""]) if partner else "",
                    f"07700 9{rng.randint(0, 99999):05d}" if partner and rng.random() < 0.8 else "",
                    f"{partner_given.lower()}.{partner_family.lower()}{n}@example.org"
                    if partner and rng.random() < 0.5
                    else "",
                    f"{rng.randint(1, 200)} {rng.choice(STREETS)}, Cardiff CF{rng.randint(3, 24)} "
                    f"{rng.randint(1, 9)}AB"
                    if partner and rng.random() < 0.7
                    else "",
                    rng.choice(["yes", "no", ""]),
                ]
            )


def bench_import(rows: int = IMPORT_ROWS) -> None:
    """Importing a CSV file of 100,000 referrals, a third with partner details: time and peak memory."""
    from pathways.accounts.choices import AgencyType, Role
    from pathways.accounts.models import Agency, Membership, User
    from pathways.core.policy import Actor
    from pathways.directory.services import load_region
    from pathways.referrals.imports import import_referrals
    from pathways.referrals.models import Referral

    load_region(path=REGION_FILE)
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


# --- running -------------------------------------------------------------------------------------------

BENCHMARKS: dict[str, Callable[[argparse.Namespace], None]] = {
    "gap_map": lambda args: bench_gap_map(),
    "triage": lambda args: bench_triage(),
    "import": lambda args: bench_import(args.rows),
}


def _run_children(kind: str, names: list[str], rows: int) -> bool:
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
        ]
        ok = subprocess.run(command, check=False).returncode == 0 and ok  # noqa: S603
    return ok


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
        ok = _run_children(kind, names, args.rows) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
