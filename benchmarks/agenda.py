"""Benchmark: building a meeting agenda from 100,000 people (target: under 1 s).

A throwaway database holds 100,000 people, 200,000 completed DASH assessments over the past year (about
one in thirty meeting the MARAC criteria), a year of past MARAC and MATAC meetings with decided items
(some reviews due, some cases still open), an RFG run scoring 30,000 people in the region's areas, and
20,000 referrals, about half holding a service's place. It then times `services.agenda_build` for a
Cardiff MARAC and for the Cardiff and Vale MATAC (each rebuilt several times; the median is reported).

    .venv/bin/python benchmarks/agenda.py              # on SQLite
    .venv/bin/python benchmarks/agenda.py --postgres   # on PostgreSQL (throwaway database)

It uses benchmarks/run.py's helpers for the throwaway database and the assessment rows, and can be run
from there as one more benchmark (`bench_agenda()` needs only a migrated, empty database).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (
    REGION_FILE,
    ROOT,
    _dash_answers,
    _insert_assessments,
    _setup_django,
    percentile,
    planned_adults,
    throwaway_database,
    verdict,
)

PEOPLE = 100_000
ASSESSMENTS = 200_000
SCORED = 30_000
REFERRALS = 20_000
RUNS = 7
TARGET_SECONDS = 1.0


def _people(rng: random.Random) -> list[Any]:
    from pathways.directory.models import Area
    from pathways.people.models import Person

    areas = {a.slug: a for a in Area.objects.all()}
    others = [a for a in areas.values() if not a.in_region]
    # Areas drawn here, not the planner's: the agenda's work follows how many live in Cardiff, and some
    # people live outside the region or nowhere known.
    people = [
        Person(
            given_name=adult.given_name,
            family_name=adult.family_name,
            gender_identity=adult.gender,
            area=rng.choices(
                [areas["cardiff"], areas["vale-of-glamorgan"], rng.choice(others), None],
                weights=[60, 28, 7, 5],
            )[0],
            side=side,
        )
        for side, adult in planned_adults(PEOPLE)
    ]
    Person.objects.bulk_create(people, batch_size=2000)
    return people


def _assessment_rows(
    rng: random.Random, people: list[Any], agency: Any, user: Any, today: datetime.date
) -> Iterator[tuple[object, ...]]:
    """Completed DASH assessments with results as completing them gives, dated over the past year; a
    pool of answer sets is drawn from, about one in thirty of them meeting the MARAC criteria. Queries
    now; rows as iterated (no queries then: COPY holds the connection)."""
    from django.db import connection
    from django.utils import timezone

    from pathways.assessments.models import Assessment, InstrumentVersion
    from pathways.assessments.services import (
        assessment_results,
        assessment_settings_for,
        instrument_definition,
    )

    meta = Assessment._meta
    version = InstrumentVersion.objects.filter(instrument="dash-partner-agency").first()
    assert version is not None
    instrument = instrument_definition(version=version)
    settings = assessment_settings_for(person=people[0])
    refer: list[tuple[str, str]] = []
    not_refer: list[tuple[str, str]] = []
    while len(refer) < 500 or len(not_refer) < 5000:
        answers, assessed_on = _dash_answers(rng)
        results = assessment_results(
            instrument=instrument, answers=answers, settings=settings, assessed_on=assessed_on
        )
        pool = refer if results["marac"]["refer"] else not_refer
        pool.append((json.dumps(answers), json.dumps(results)))
    uuid_value = meta.get_field("id").get_db_prep_value
    now = meta.get_field("created_at").get_db_prep_value(timezone.now(), connection)
    user_id = meta.get_field("assessor").get_db_prep_value(user.pk, connection)
    agency_id = meta.get_field("agency").get_db_prep_value(agency.pk, connection)
    person_ids = [uuid_value(p.pk, connection) for p in people]
    dates = [connection.ops.adapt_datefield_value(today - datetime.timedelta(days=n)) for n in range(365)]

    def rows() -> Iterator[tuple[object, ...]]:
        for _ in range(ASSESSMENTS):
            answers_json, results_json = rng.choice(refer if rng.random() < 1 / 30 else not_refer)
            yield (
                uuid_value(uuid.uuid4(), connection), now, now, user_id, user_id, rng.choice(person_ids),
                version.pk, user_id, agency_id, rng.choice(dates), "intake", "completed", answers_json,
                results_json, "", "", now, None, "",
            )  # fmt: skip

    return rows()


def _past_meetings(
    rng: random.Random, panel: Any, people: list[Any], today: datetime.date, per_meeting: int
) -> None:
    """A year of closed meetings before today, each with decided items; some reviews fall due by today and
    some are still ahead."""
    from pathways.panels.choices import AgendaReason, MeetingStatus, Outcome
    from pathways.panels.models import AgendaItem, Decision, Meeting

    meetings = [
        Meeting(
            panel=panel,
            held_on=today - datetime.timedelta(days=panel.every_days * n),
            status=MeetingStatus.CLOSED,
        )
        for n in range(1, 365 // panel.every_days + 1)
    ]
    Meeting.objects.bulk_create(meetings)
    items = [
        AgendaItem(
            meeting=m, person=p, reason=AgendaReason.MARAC_CRITERIA, position=n + 1, police_reference=""
        )
        for m in meetings
        for n, p in enumerate(rng.sample(people, per_meeting))
    ]
    AgendaItem.objects.bulk_create(items, batch_size=1000)
    Decision.objects.bulk_create(
        [
            Decision(
                item=item,
                outcome=rng.choice(Outcome.values),
                reasons="Decided at the table.",
                review_on=item.meeting.held_on + datetime.timedelta(days=rng.choice([28, 56, 84, 180]))
                if rng.random() < 0.4
                else None,
            )
            for item in items
        ],
        batch_size=1000,
    )


def _rfg(rng: random.Random, people: list[Any], today: datetime.date) -> None:
    from pathways.directory.models import Area, Region
    from pathways.police.models import RfgModelVersion, RfgRun, RfgScore

    region = Region.objects.get(slug="cardiff-and-vale")
    model = RfgModelVersion.objects.create(region=region, version=1, settings={}, file_sha256="bench")
    run = RfgRun.objects.create(
        region=region, model=model, window_start=today - datetime.timedelta(days=730), window_end=today
    )
    areas = [Area.objects.get(slug="cardiff"), Area.objects.get(slug="vale-of-glamorgan")]
    scores = []
    for n, person in enumerate(rng.sample(people, SCORED)):
        score = round(rng.betavariate(2, 5) * 100, 1)
        known = rng.random() < 0.8  # a fifth known only to the police
        scores.append(
            RfgScore(
                run=run,
                perpetrator_ref=f"SWP/{n:06d}",
                person=person if known else None,
                area=rng.choices(areas, weights=[2, 1])[0],
                score=score,
                recency=score / 4,
                frequency=score / 4,
                gravity=score / 4,
                victims=score / 4,
                records=rng.randint(1, 12),
                victim_count=rng.randint(1, 4),
                harm=score,
                last_on=today,
                serial=rng.random() < 0.2,
                rank=0,
            )
        )
    for area in areas:
        ranked = sorted((s for s in scores if s.area == area), key=lambda s: -s.score)
        for rank, s in enumerate(ranked, start=1):
            s.rank = rank
    RfgScore.objects.bulk_create(scores, batch_size=2000)


def _referrals(rng: random.Random, people: list[Any]) -> None:
    from pathways.directory.models import Service
    from pathways.referrals.choices import Status
    from pathways.referrals.models import Referral

    services = list(Service.objects.all()[:20])
    Referral.objects.bulk_create(
        [
            Referral(
                reference=f"BENCH-{n:06d}",
                person=person,
                route="police",
                reason="Benchmark referral.",
                risk_level="high",
                status=rng.choice(Status.values),
                service=rng.choice(services),
            )
            for n, person in enumerate(rng.sample(people, REFERRALS))
        ],
        batch_size=2000,
    )


def bench_agenda(show_queries: bool = False) -> None:
    """Build a MARAC and a MATAC agenda from 100,000 people and report the median time of each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from pathways.accounts.models import Agency, Membership, User
    from pathways.assessments.services import instruments_load
    from pathways.core.access import AgencyType, Role
    from pathways.core.policy import Actor
    from pathways.directory.services import region_load
    from pathways.panels import services
    from pathways.panels.models import Meeting, RfgNomination

    rng = random.Random(20250605)
    today = timezone.localdate()
    region_load(path=REGION_FILE)
    instruments_load(paths=[ROOT / "instruments", REGION_FILE.parent])
    panels = {p.slug: p for p in services.panels_load(path=REGION_FILE.with_name("panels.yaml"))}
    start = time.perf_counter()
    agencies = [
        Agency.objects.create(slug=f"bench-{kind}", name_en=kind, name_cy=kind, type=kind)
        for kind in (AgencyType.POLICE, AgencyType.VICTIM_SERVICE, AgencyType.PERPETRATOR_SERVICE)
    ]
    users = []
    for agency in agencies:
        user = User.objects.create(username=f"bench-{agency.slug}")
        membership = Membership.objects.create(user=user, agency=agency, role=Role.PANEL_CHAIR)
        users.append(Actor(user=user, membership=membership))
        for slug in ("marac-cardiff", "matac-cardiff-and-vale"):
            services.panel_member_add(panel=panels[slug], agency=agency, user=user, role="member")
    chair = users[0]
    people = _people(rng)
    written = _insert_assessments(_assessment_rows(rng, people, agencies[1], chair.user, today))
    _past_meetings(rng, panels["marac-cardiff"], people, today, per_meeting=30)
    _past_meetings(rng, panels["matac-cardiff-and-vale"], people, today, per_meeting=8)
    _rfg(rng, people, today)
    _referrals(rng, people)
    for person in rng.sample(people, 40):
        RfgNomination.objects.create(
            panel=panels["matac-cardiff-and-vale"], person=person, agency=agencies[2], reason="Benchmark."
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"agenda: {len(people):,} people, {written:,} completed assessments, {SCORED:,} RFG scores, "
        f"{REFERRALS:,} referrals and a year of past meetings written in {time.perf_counter() - start:.1f} s",
        flush=True,
    )

    for slug in ("marac-cardiff", "matac-cardiff-and-vale"):
        meeting = Meeting.objects.create(panel=panels[slug], held_on=today)
        with CaptureQueriesContext(connection) as queries:
            items = services.agenda_build(meeting=meeting, actor=chair)
        if show_queries:
            for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]:
                print(f"  {float(q['time']) * 1000:.0f} ms: {q['sql'][:300]}")
        samples = []
        for _ in range(RUNS):
            begin = time.perf_counter()
            items = services.agenda_build(meeting=meeting, actor=chair)
            samples.append(time.perf_counter() - begin)
        median, worst = statistics.median(samples), percentile(samples, 1.0)
        reasons: dict[str, int] = {}
        for item in items:
            reasons[item.reason] = reasons.get(item.reason, 0) + 1
        mix = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
        print(
            f"agenda, {panels[slug].name_en}: {len(items)} items ({mix}), "
            f"{len(queries)} queries: median {median * 1000:.0f} ms, slowest {worst * 1000:.0f} ms "
            f"(target: under {TARGET_SECONDS:.0f} s: {verdict(median < TARGET_SECONDS)})",
            flush=True,
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    parser.add_argument("--queries", action="store_true", help="print the slowest queries of a build")
    args = parser.parse_args()
    kind = "postgres" if args.postgres else "sqlite"
    print(f"== database: {'PostgreSQL' if args.postgres else 'SQLite'}", flush=True)
    with throwaway_database(kind) as url:
        _setup_django(url)
        bench_agenda(args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
