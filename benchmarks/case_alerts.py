"""Benchmark: the alert pass over a police extract of 100,000 new records against 10,000 open cases
(target: under 10 s).

A throwaway database holds 10,000 men with open cases at Drive Cardiff, worked by 50 case workers, half of
them with a partner whose own case at RISE's Drive IDVA service is open (5,000 more cases), another
10,000 people known to Pathways with no open case, and two earlier police alerts on every open case, so
that the check that a reference never alerts a case twice has history to read. The extract's 100,000 new
records name, as perpetrator, someone with an open case for a quarter of them, someone with no case for
another quarter, and for the rest someone the force knows but Pathways does not. Then
`pathways.cases.services.alerts.alerts_police_records` is timed as the import calls it, inside a
transaction (rolled back after each run, so that every run finds the same work; the median is reported).
The records are passed as the import passes them, just made: the pass reads none of them back.

    .venv/bin/python benchmarks/case_alerts.py              # on SQLite
    .venv/bin/python benchmarks/case_alerts.py --postgres   # on PostgreSQL (throwaway database)
    .venv/bin/python benchmarks/case_alerts.py --records 20000 --cases 2000   # a smaller run

It is also one of benchmarks/run.py's benchmarks (`--only alerts`).
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import REGION_FILE, _setup_django, peak_rss_mib, throwaway_database, verdict

RECORDS = 100_000
CASES = 10_000
WORKERS = 50
RUNS = 3
TARGET_SECONDS = 10.0


def _staff(slug: str, kind: str, service_slug: str, count: int) -> list[Any]:
    from pathways.accounts.models import Agency, Membership, User
    from pathways.core.access import Role
    from pathways.directory.models import Service

    agency = Agency.objects.create(slug=slug, name_en=slug, name_cy=slug, type=kind)
    agency.services.set(Service.objects.filter(slug=service_slug))
    users = User.objects.bulk_create(User(username=f"{slug}-{n}") for n in range(count))
    Membership.objects.bulk_create(Membership(user=u, agency=agency, role=Role.PRACTITIONER) for u in users)
    return users


def _world(rng: random.Random, cases: int) -> tuple[list[Any], list[Any]]:
    """The people with open cases and those without; the cases, partners and earlier alerts."""
    from django.utils import timezone

    from pathways.cases.choices import CaseEventKind
    from pathways.cases.models import Case, CaseEvent
    from pathways.core.access import AgencyType, Side
    from pathways.directory.models import Service
    from pathways.people.choices import RelationshipKind
    from pathways.people.models import Person, Relationship

    drive_workers = _staff("bench-drive", AgencyType.PERPETRATOR_SERVICE, "drive-cardiff", WORKERS)
    idvas = _staff("bench-rise", AgencyType.VICTIM_SERVICE, "rise-drive-idva", WORKERS // 2)
    drive = Service.objects.get(slug="drive-cardiff")
    idva_service = Service.objects.get(slug="rise-drive-idva")
    men = Person.objects.bulk_create(
        (
            Person(
                side=Side.PERPETRATOR,
                given_name="Case",
                family_name=f"M{n}",
                police_reference=f"SWP/C{n:06d}",
            )
            for n in range(cases)
        ),
        batch_size=2000,
    )
    known = Person.objects.bulk_create(
        (
            Person(
                side=Side.PERPETRATOR,
                given_name="Known",
                family_name=f"K{n}",
                police_reference=f"SWP/K{n:06d}",
            )
            for n in range(cases)
        ),
        batch_size=2000,
    )
    partnered = men[: cases // 2]
    partners = Person.objects.bulk_create(
        (Person(side=Side.VICTIM, given_name="Partner", family_name=f"V{n}") for n in range(len(partnered))),
        batch_size=2000,
    )
    Relationship.objects.bulk_create(
        (
            Relationship(person=her, other=him, kind=RelationshipKind.CURRENT_PARTNER)
            for her, him in zip(partners, partnered, strict=True)
        ),
        batch_size=2000,
    )
    his_cases = Case.objects.bulk_create(
        (Case(person=man, service=drive, worker=rng.choice(drive_workers)) for man in men), batch_size=2000
    )
    Case.objects.bulk_create(
        (Case(person=her, service=idva_service, worker=rng.choice(idvas)) for her in partners),
        batch_size=2000,
    )
    earlier = timezone.localdate() - datetime.timedelta(days=90)
    CaseEvent.objects.bulk_create(
        (
            CaseEvent(
                case=case,
                kind=CaseEventKind.POLICE_RECORD,
                detail={"record": f"OLD-{n}-{k}", "occurred_on": earlier.isoformat(), "kind": "incident"},
            )
            for n, case in enumerate(his_cases)
            for k in range(2)
        ),
        batch_size=2000,
    )
    return men, known


def _records(rng: random.Random, count: int, men: list[Any], known: list[Any]) -> list[Any]:
    from django.utils import timezone

    from pathways.police.models import PoliceRecord
    from pathways.police.rfg import day_number

    today = timezone.localdate()
    records = []
    for n in range(count):
        draw = rng.random()
        person = rng.choice(men) if draw < 0.25 else rng.choice(known) if draw < 0.5 else None
        on = today - datetime.timedelta(days=rng.randrange(60))
        records.append(
            PoliceRecord(
                reference=f"NEW-{n:07d}",
                kind=rng.choice(["incident", "crime"]),
                occurred_on=on,
                occurred_day=day_number(on),
                offence="harassment",
                perpetrator_ref=person.police_reference if person is not None else f"SWP/U{n:07d}",
                victim_ref=f"SWP/V{n:07d}",
                perpetrator_id=person.pk if person is not None else None,
            )
        )
    return records


def bench_case_alerts(records: int = RECORDS, cases: int = CASES) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from pathways.cases.services.alerts import alerts_police_records
    from pathways.directory.services import region_load

    label = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    rng = random.Random(20261205)
    region_load(path=REGION_FILE)
    start = time.perf_counter()
    men, known = _world(rng, cases)
    new = _records(rng, records, men, known)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"case alerts ({label}): {cases:,} open cases at Drive, {cases // 2:,} partners' open cases and "
        f"{records:,} new police records made in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    samples, made, queries = [], 0, 0
    for _ in range(RUNS):
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            begin, cpu = time.perf_counter(), time.process_time()
            made = alerts_police_records(records=new, actor=None)
            samples.append((time.perf_counter() - begin, time.process_time() - cpu))
            queries = len(captured)
            transaction.set_rollback(True)
    seconds = statistics.median(s for s, _ in samples)
    cpu = statistics.median(c for _, c in samples)
    print(
        f"case alerts ({label}), {records:,} new records against {cases:,} open cases: {made:,} tasks, "
        f"{queries} queries: median of {RUNS} {seconds:.2f} s ({cpu:.2f} s of this process's CPU) "
        f"(target: under {TARGET_SECONDS:g} s"
        + (
            f": {verdict(seconds < TARGET_SECONDS)}"
            if (records, cases) == (RECORDS, CASES)
            else " at full size"
        )
        + f"); peak memory {peak_rss_mib():.0f} MiB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    parser.add_argument("--records", type=int, default=RECORDS, help=f"new police records ({RECORDS:,})")
    parser.add_argument("--cases", type=int, default=CASES, help=f"open cases at Drive ({CASES:,})")
    args = parser.parse_args()
    print(f"== database: {'PostgreSQL' if args.postgres else 'SQLite'}", flush=True)
    with throwaway_database("postgres" if args.postgres else "sqlite") as url:
        _setup_django(url)
        bench_case_alerts(args.records, args.cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
