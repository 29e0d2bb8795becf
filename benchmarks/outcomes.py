"""Benchmark: the outcomes page's figures over a region of 1,000,000 referrals and 200,000 cases (targets:
under 2 s for a region-wide year, under 300 ms for one service and one quarter).

A throwaway database holds the shipped region with five years of referrals, each sent to one of ten
services, a fifth of them started (each start opening a case), a tenth declined; the cases attended
sessions, made first contact and, for most of those opened before the last year, ended with an outcome
and police counts before and after. Written in bulk, the history has its journeys (what the outcomes
count referrals from) written afresh, as `manage.py rebuild_journeys` does; the time to do that is reported
too. Then `pathways.insights.outcomes.outcomes_figures` is timed as a
commissioner's page asks for it (every service in the region, the small-number rule applied) for the last
full year, and for one service and one quarter; the median of the runs is reported.

    .venv/bin/python benchmarks/outcomes.py              # on SQLite
    .venv/bin/python benchmarks/outcomes.py --postgres   # on PostgreSQL (throwaway database)
    .venv/bin/python benchmarks/outcomes.py --referrals 100000 --cases 20000   # a smaller run

It is also one of benchmarks/run.py's benchmarks (`--only outcomes`).
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk import referrals_write
from run import REGION_FILE, _setup_django, peak_rss_mib, throwaway_database, verdict

REFERRALS = 1_000_000
CASES = 200_000
YEARS = 5
RUNS = 3
YEAR_TARGET, QUARTER_TARGET = 2.0, 0.300
BATCH = 5_000


def _world(rng: random.Random, referrals: int, cases: int) -> tuple[Any, Any]:
    from django.utils import timezone

    from pathways.accounts.models import Agency, Membership, User
    from pathways.cases.choices import AttendanceStatus, CaseStatus, SessionStatus
    from pathways.cases.models import Attendance, Case, CaseOutcome, OutcomePoliceCount, Session
    from pathways.cases.services.journeys import journeys_casework_refresh
    from pathways.core.access import AgencyType, Role, Side
    from pathways.directory.models import Area, Region, Service
    from pathways.people.models import Person
    from pathways.referrals.choices import Status
    from pathways.referrals.journeys import journeys_rebuild
    from pathways.referrals.models import Referral, ReferralEvent

    region = Region.objects.get(slug="cardiff-and-vale")
    services = list(Service.objects.filter(region=region).order_by("slug")[:10])
    areas = list(Area.objects.filter(in_region=True))
    commissioning = Agency.objects.create(
        slug="bench-commissioning", name_en="Commissioning", name_cy="Comisiynu", type=AgencyType.COMMISSIONER
    )
    commissioning.areas.set(areas)
    commissioner = User.objects.create(username="bench-commissioner", full_name="Commissioner")
    Membership.objects.create(user=commissioner, agency=commissioning, role=Role.COMMISSIONER)
    # Those never started are referred several times over the years; each started one has his own case.
    people_count = max(1, referrals // 5)
    people = Person.objects.bulk_create(
        (
            Person(side=Side.PERPETRATOR, given_name="P", family_name=str(n), area=rng.choice(areas))
            for n in range(people_count + cases)
        ),
        batch_size=BATCH,
    )
    today = timezone.localdate()
    span = YEARS * 365
    started_share = cases / referrals
    made_cases = 0

    def planned() -> Iterator[tuple[Referral, tuple[datetime.datetime, float, bool]]]:
        nonlocal made_cases
        for n in range(referrals):
            sent = timezone.now() - datetime.timedelta(days=rng.randrange(span), hours=rng.randrange(24))
            roll = rng.random()
            starts = roll < started_share and made_cases < cases
            person = people[people_count + made_cases] if starts else people[n % people_count]
            made_cases += starts
            referral = Referral(
                reference=f"PW-B{n:09d}",
                kind="perpetrator",
                person=person,
                route="police",
                reason="bench",
                risk_level="standard",
                status=Status.TRIAGED,
                service=rng.choice(services),
                created_at=sent,
            )
            yield referral, (sent, roll, starts)

    for batch in referrals_write(planned(), batch=BATCH):
        events = []
        new_cases = []
        for referral, (sent, roll, starts) in batch:
            events.append(
                ReferralEvent(referral=referral, status=Status.TRIAGED, at=sent, service=referral.service)
            )
            if starts:
                at = sent + datetime.timedelta(days=rng.randrange(1, 90))
                events.append(
                    ReferralEvent(referral=referral, status=Status.STARTED, at=at, service=referral.service)
                )
                contact = at + datetime.timedelta(days=rng.randrange(1, 30)) if rng.random() < 0.8 else None
                new_cases.append(
                    Case(
                        person=referral.person,
                        service=referral.service,
                        referral=referral,
                        status=CaseStatus.OPEN,
                        opened_at=at,
                        first_contact_at=contact,
                    )
                )
            elif roll < started_share + 0.1:
                at = sent + datetime.timedelta(days=rng.randrange(1, 30))
                events.append(
                    ReferralEvent(referral=referral, status=Status.DECLINED, at=at, service=referral.service)
                )
        ReferralEvent.objects.bulk_create(events, batch_size=BATCH)
        opened = Case.objects.bulk_create(new_cases, batch_size=BATCH)
        sessions = Session.objects.bulk_create(
            (
                Session(
                    service=c.service,
                    case=c,
                    held_on=timezone.localdate(c.opened_at),
                    status=SessionStatus.HELD,
                )
                for c in opened
                if c.first_contact_at is not None
            ),
            batch_size=BATCH,
        )
        Attendance.objects.bulk_create(
            (Attendance(session=s, case=s.case, status=AttendanceStatus.ATTENDED) for s in sessions),
            batch_size=BATCH,
        )
        ended = [c for c in opened if timezone.localdate(c.opened_at) < today - datetime.timedelta(days=365)]
        outcomes = CaseOutcome.objects.bulk_create(
            (
                CaseOutcome(
                    case=c,
                    end_state=rng.choice(
                        ["completed", "completed", "dropped_out", "deselected", "moved_away"]
                    ),
                    ended_on=timezone.localdate(c.opened_at)
                    + datetime.timedelta(days=rng.randrange(30, 300)),
                    risk_at_start=rng.choice(["standard", "medium", "high"]),
                    risk_at_end=rng.choice(["standard", "medium", "high"]),
                )
                for c in ended
            ),
            batch_size=BATCH,
        )
        OutcomePoliceCount.objects.bulk_create(
            (
                OutcomePoliceCount(outcome=o, months=m, before=rng.randrange(4), after=rng.randrange(3))
                for o in outcomes
                for m in (6, 12)
            ),
            batch_size=BATCH,
        )
        Case.objects.filter(pk__in=[c.pk for c in ended]).update(status=CaseStatus.CLOSED)
    # History written in bulk, outside the services that keep each referral's journeys with it.
    began = time.perf_counter()
    journeys, with_case = journeys_rebuild(), journeys_casework_refresh()
    print(
        f"journeys: {journeys:,} written afresh, {with_case:,} with a case, in "
        f"{time.perf_counter() - began:.0f} s",
        flush=True,
    )
    return commissioner, services[0]


def bench_outcomes(referrals: int = REFERRALS, cases: int = CASES) -> None:
    from django.db import connection
    from django.utils import timezone

    from pathways.cases.services import casework_rules_load
    from pathways.directory.services import region_load
    from pathways.factories import actor_of
    from pathways.insights.outcomes import outcomes_figures, period_of_quarter, period_of_year
    from pathways.panels.returns import Quarter

    label = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    rng = random.Random(20261203)
    region_load(path=REGION_FILE)
    casework_rules_load(path=REGION_FILE.with_name("casework.yaml"))
    start = time.perf_counter()
    commissioner, service = _world(rng, referrals, cases)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"outcomes ({label}): {referrals:,} referrals and {cases:,} cases over {YEARS} years made in "
        f"{time.perf_counter() - start:.0f} s",
        flush=True,
    )
    actor = actor_of(commissioner)
    year = period_of_year(timezone.localdate().year - 1)
    quarter = period_of_quarter(Quarter.containing(timezone.localdate()).previous())
    for name, kwargs, target in (
        (f"region-wide, {year.label}", {"period": year}, YEAR_TARGET),
        (f"{service.slug}, {quarter.label}", {"period": quarter, "service": service}, QUARTER_TARGET),
    ):
        samples = []
        for _ in range(RUNS):
            begin = time.perf_counter()
            figures = outcomes_figures(actor=actor, **kwargs)
            samples.append(time.perf_counter() - begin)
        median = statistics.median(samples)
        print(
            f"outcomes ({label}), {name}: {figures.total.cells['referred'].value:,} referrals sent, "
            f"{figures.total.cells['ended'].value:,} cases ended: median of {RUNS} {median * 1000:.0f} ms "
            f"(target: under {target * 1000:.0f} ms: {verdict(median < target)}); "
            f"peak memory {peak_rss_mib():.0f} MiB",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    parser.add_argument("--referrals", type=int, default=REFERRALS)
    parser.add_argument("--cases", type=int, default=CASES)
    args = parser.parse_args()
    print(f"== database: {'PostgreSQL' if args.postgres else 'SQLite'}", flush=True)
    with throwaway_database("postgres" if args.postgres else "sqlite") as url:
        _setup_django(url)
        bench_outcomes(args.referrals, args.cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
