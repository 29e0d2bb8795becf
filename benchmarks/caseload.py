"""Benchmark: a case worker's caseload of 60 open cases with their next actions (target: median under
100 ms).

A throwaway database holds Drive Cardiff with 20 case workers and 1,200 open cases (60 each), every case
with three plan activities owned by the police, housing or the service, two open tasks for the service
(a review, a follow-up), a logged contact and a consent record; and 3,000 closed cases besides. Then one
worker's caseload page (/en/cases/, the first 50 rows with names, first contact and next action) is
requested through the whole stack, signed in, as the browser would, and the median and 95th percentile
of the requests are reported, with the queries one request runs.

    .venv/bin/python benchmarks/caseload.py              # on SQLite
    .venv/bin/python benchmarks/caseload.py --postgres   # on PostgreSQL (throwaway database)

It is also one of benchmarks/run.py's benchmarks (`--only caseload`).
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

from run import REGION_FILE, _setup_django, peak_rss_mib, percentile, throwaway_database, verdict

WORKERS = 20
PER_WORKER = 60
CLOSED = 3_000
RUNS = 30
TARGET_SECONDS = 0.100


def _world(rng: random.Random) -> Any:
    from django.utils import timezone

    from pathways.accounts.models import Agency, Membership, User
    from pathways.cases.choices import CaseStatus, ConsentState, TaskKind
    from pathways.cases.models import Activity, Case, CaseTask, ConsentRecord, Contact
    from pathways.cases.selectors import casework_rules_for_case
    from pathways.core.access import AgencyType, Role, Side
    from pathways.directory.models import Service
    from pathways.people.models import Person, PersonAccess

    drive = Service.objects.get(slug="drive-cardiff")
    agency = Agency.objects.create(
        slug="bench-drive", name_en="Drive", name_cy="Drive", type=AgencyType.PERPETRATOR_SERVICE
    )
    agency.services.set([drive])
    police = Agency.objects.create(
        slug="bench-police", name_en="Police", name_cy="Heddlu", type=AgencyType.POLICE
    )
    housing = Agency.objects.create(
        slug="bench-housing", name_en="Housing", name_cy="Tai", type=AgencyType.HOUSING
    )
    workers = User.objects.bulk_create(
        User(username=f"bench-worker-{n}", full_name=f"Worker {n}") for n in range(WORKERS)
    )
    Membership.objects.bulk_create(Membership(user=u, agency=agency, role=Role.PRACTITIONER) for u in workers)
    total = WORKERS * PER_WORKER + CLOSED
    people = Person.objects.bulk_create(
        (Person(side=Side.PERPETRATOR, given_name="Case", family_name=f"P{n}") for n in range(total)),
        batch_size=2000,
    )
    PersonAccess.objects.bulk_create(
        (PersonAccess(person=p, agency=agency, reason="bench") for p in people), batch_size=2000
    )
    now = timezone.now()
    cases = Case.objects.bulk_create(
        (
            Case(
                person=person,
                service=drive,
                worker=workers[n % WORKERS],
                status=CaseStatus.OPEN if n < WORKERS * PER_WORKER else CaseStatus.CLOSED,
                consent=ConsentState.GIVEN,
                contact_allowed=True,
                opened_at=now - datetime.timedelta(days=rng.randrange(1, 300)),
            )
            for n, person in enumerate(people)
        ),
        batch_size=2000,
    )
    rules = casework_rules_for_case(case=cases[0])
    slugs = [a.slug for a in rules.file.activities if a.kind == "disrupt"]
    today = timezone.localdate()
    Activity.objects.bulk_create(
        (
            Activity(
                case=case,
                activity=rng.choice(slugs),
                rules=rules.version,
                kind="disrupt",
                owner=rng.choice([police, housing, agency]),
                due_on=today + datetime.timedelta(days=rng.randrange(-20, 60)),
                created_by=case.worker,
            )
            for case in cases
            for _ in range(3)
        ),
        batch_size=2000,
    )
    CaseTask.objects.bulk_create(
        (
            CaseTask(
                case=case,
                kind=kind,
                agency=agency,
                user=case.worker,
                due_on=today + datetime.timedelta(days=rng.randrange(-10, 40)),
            )
            for case in cases
            for kind in (TaskKind.REVIEW, TaskKind.FOLLOW_UP)
        ),
        batch_size=2000,
    )
    Contact.objects.bulk_create(
        (
            Contact(
                case=case,
                at=case.opened_at,
                channel="phone",
                direction="outgoing",
                outcome="reached",
                by=case.worker,
            )
            for case in cases
        ),
        batch_size=2000,
    )
    ConsentRecord.objects.bulk_create(
        (
            ConsentRecord(case=case, state=ConsentState.GIVEN, decided_by=case.worker, at=case.opened_at)
            for case in cases
        ),
        batch_size=2000,
    )
    return workers[0]


def bench_caseload() -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pathways.cases.services import casework_rules_load
    from pathways.directory.services import region_load
    from pathways.factories import sign_in

    label = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    rng = random.Random(20261201)
    region_load(path=REGION_FILE)
    casework_rules_load(path=REGION_FILE.with_name("casework.yaml"))
    start = time.perf_counter()
    worker = _world(rng)
    TOTPDevice.objects.create(user=worker, name="phone", confirmed=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"caseload ({label}): {WORKERS * PER_WORKER:,} open and {CLOSED:,} closed cases made in "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )
    client = sign_in(Client(), worker)
    first = client.get("/en/cases/")
    assert first.status_code == 200, first.status_code
    rows = first.content.decode().count('class="govuk-table__row"') - 1
    samples = []
    for _ in range(RUNS):
        begin = time.perf_counter()
        client.get("/en/cases/")
        samples.append(time.perf_counter() - begin)
    with CaptureQueriesContext(connection) as captured:
        client.get("/en/cases/")
    median = statistics.median(samples)
    print(
        f"caseload ({label}), one worker's {PER_WORKER} open cases ({rows} rows on the first page) with "
        f"next actions: median of {RUNS} {median * 1000:.0f} ms, 95th percentile "
        f"{percentile(samples, 0.95) * 1000:.0f} ms, {len(captured)} queries "
        f"(target: median under {TARGET_SECONDS * 1000:.0f} ms: {verdict(median < TARGET_SECONDS)}); "
        f"peak memory {peak_rss_mib():.0f} MiB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    args = parser.parse_args()
    print(f"== database: {'PostgreSQL' if args.postgres else 'SQLite'}", flush=True)
    with throwaway_database("postgres" if args.postgres else "sqlite") as url:
        _setup_django(url)
        bench_caseload()
    return 0


if __name__ == "__main__":
    sys.exit(main())
