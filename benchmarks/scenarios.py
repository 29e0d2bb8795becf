"""Benchmark: a commissioner's draft service re-triaged against 100,000 past referrals (target: under 30 s).

A throwaway database holds the shipped region and its triage rules, and a year of the demo's families
(`plan_families` with the demo's seed: its routes, genders, risks, partners, children, languages and work
patterns) referred 100,000 times in the year, about one man in seven twice. Where each referral went is
what triage gave it when it came in (the best fit, Drive for the MARAC's, unmet need when nothing fitted,
placed below need when the best fit was below the tier needed), taken as far as the planner says
(received, sent, offered, accepted, waiting, started, declined, withdrawn, moved on). Around them: the
partners, children and relationships, partners' own referrals to the linked support service, a year
before the period and people of no known area (not re-triaged), completed risk assessments for the men
who were taken on (self-referrals state no risk, so triage reads theirs), and two RFG runs of 30,000
scores, some flagging referred men as serial.

Then `pathways.insights.scenarios.scenario_retriage` (the re-triage only; the simulation a scenario then
runs is benchmarks/simulation.py's) is timed for the demo's draft, the medium-risk DVPP for Cardiff and
the Vale, over the past year; the median of the runs is reported, with the queries one run makes.

    .venv/bin/python benchmarks/scenarios.py              # on SQLite
    .venv/bin/python benchmarks/scenarios.py --postgres   # on PostgreSQL (throwaway database)
    .venv/bin/python benchmarks/scenarios.py --referrals 10000 --runs 1   # a smaller run

It is also one of benchmarks/run.py's benchmarks (`--only scenarios`).
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bulk import BATCH, batches, referrals_write
from run import (
    REGION_FILE,
    TRIAGE_FILE,
    _setup_django,
    peak_rss_mib,
    planned_families,
    throwaway_database,
    verdict,
)

REFERRALS = 100_000
REFERRED_AGAIN = 0.15  # of the men, referred a second time in the year
BEFORE_PERIOD = 5_000  # referrals of the year before, outside the period
NO_AREA = 2_000  # men of no known area, whom no region's scenario counts
SCORED = 30_000  # RFG scores in each of two runs
RUNS = 3
TARGET_SECONDS = 30.0
PERIOD_DAYS = 365
# What referrers answer "yes" to, for the ordinary families (the planner's scenes name their own).
FACT_SHARES = {
    "entrenched_behaviour": 0.08,
    "convictions_or_orders": 0.12,
    "serial_behaviour": 0.03,
    "mutual_violence": 0.04,
    "sexual_harm_concern": 0.02,
}
# How far a referral went, by the planner's target.
AFTER_TRIAGE = {
    "triaged": "triaged",
    "screened": "triaged",
    "offered": "offered",
    "accepted": "accepted",
    "waiting": "waiting",
    "started": "started",
    "step_up_pending": "started",
    "withdrawn": "withdrawn",
    "step_up": "moved_on",
    "step_down": "moved_on",
}
ASSESSED = ("accepted", "waiting", "started", "moved_on")


@dataclass
class _Made:
    referrals: int = 0
    partner_referrals: int = 0
    people: int = 0
    assessments: int = 0
    scores: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


class _World:
    """The region's history, written a batch of families at a time."""

    def __init__(self, rng: random.Random) -> None:
        from django.utils import timezone

        from pathways.accounts.models import Agency, User
        from pathways.assessments.models import InstrumentVersion
        from pathways.core.access import AgencyType
        from pathways.directory.models import Area, Region, Service
        from pathways.referrals.services import triage_rules_current, triage_service_facts

        self.rng = rng
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.region = Region.objects.get(slug="cardiff-and-vale")
        self.areas = {a.slug: a for a in Area.objects.filter(region=self.region)}
        self.neighbours = [a for a in self.areas.values() if not a.in_region]
        self.services = {s.slug: s for s in Service.objects.filter(region=self.region)}
        _ruleset, self.rules = triage_rules_current(region=self.region)
        self.facts = triage_service_facts(region=self.region)
        self.triaged: dict[Any, tuple[str | None, str | None, str]] = {}
        self.sealed: dict[str, Any] = {}
        self.instrument = InstrumentVersion.objects.filter(instrument="perpetrator-risk").latest("version")
        self.agency = Agency.objects.create(
            slug="bench-assessors",
            name_en="Assessors",
            name_cy="Aseswyr",
            type=AgencyType.PERPETRATOR_SERVICE,
        )
        self.assessor = User.objects.create(username="bench-assessor", full_name="Assessor")
        self.made = _Made()
        self.men: list[Any] = []
        self.number = 0

    # --- values ----------------------------------------------------------------------------------------

    def seal(self, plain: str) -> Any:
        """A sealed value, sealed once however often the planner repeats it (drama numbers, streets)."""
        from pathways.core.crypto import seal
        from pathways.core.fields import Sealed

        if not plain:
            return None
        if plain not in self.sealed:
            self.sealed[plain] = Sealed(seal(plain))
        return self.sealed[plain]

    def when(self, days_ago: int) -> datetime.datetime:
        return self.now - datetime.timedelta(days=days_ago, seconds=self.rng.randrange(86_400))

    def answers(self, facts: tuple[str, ...], *, by_referrer: bool) -> dict[str, bool | None]:
        """Yes to the planner's facts; a referrer also says yes now and then, and no otherwise; a
        self-referral leaves the rest not known (as the demo's do)."""
        from pathways.referrals.triagefile import CASE_FACTS

        if not by_referrer:
            return {name: (True if name in facts else None) for name in CASE_FACTS}
        return {name: name in facts or self.rng.random() < FACT_SHARES.get(name, 0) for name in CASE_FACTS}

    def went(self, case: Any, route: str) -> tuple[str | None, str | None, str]:
        """Where triage sent a referral when it came in: (service, its tier or None for unmet need, the
        tier needed). Triage is pure, so the same case is triaged once."""
        from pathways.referrals.triage import triage

        if case not in self.triaged:
            result = triage(case, self.facts, self.rules)
            slugs = [o.service for o in result.fits]
            chosen = (
                "drive-cardiff" if route == "marac" and "drive-cardiff" in slugs else next(iter(slugs), None)
            )
            tier = next((o.tier for o in result.fits if o.service == chosen), None)
            self.triaged[case] = (chosen, tier, result.tier_needed)
        return self.triaged[case]

    # --- writing ---------------------------------------------------------------------------------------

    def referral(
        self,
        *,
        him: Any,
        her: Any,
        route: str,
        risk: str,
        marac: bool,
        answers: dict[str, bool | None],
        children_said: bool,
        has_children: bool,
        target: str,
        days_ago: int,
    ) -> Any:
        from pathways.referrals.choices import ReferralKind, Status
        from pathways.referrals.models import Referral
        from pathways.referrals.services import triage_case_build

        case = triage_case_build(
            area=him.area.slug if him.area else None,
            gender_identity=him.gender_identity,
            born=him.date_of_birth,
            interpreter_needed=him.interpreter_needed,
            preferred_language=him.preferred_language,
            work_pattern=him.work_pattern,
            partner_gender_identity=her.gender_identity if her is not None else None,
            partner_contact_held=her is not None and her.phone is not None,
            route=route,
            been_to_marac=marac,
            risk_level=risk,
            has_children=has_children,
            facts=frozenset(name for name, yes in answers.items() if yes),
            declined=(),
            today=self.today,
        )
        chosen, tier, needed = self.went(case, route)
        service, declined_by, below = None, [], False
        if target == "received":
            status = Status.RECEIVED
        elif chosen is None:
            status = Status.UNMET_NEED
        elif target == "declined":
            status, declined_by = Status.RECEIVED, [chosen]  # back for another option, as a decline sends it
        else:
            status, service, below = AFTER_TRIAGE[target], self.services[chosen], tier != needed
        self.number += 1
        self.made.statuses[status] = self.made.statuses.get(status, 0) + 1
        return Referral(
            reference=f"PW-S{self.number:09d}",
            kind=ReferralKind.PERPETRATOR,
            person=him,
            partner=her,
            route=route,
            reason="Benchmark referral.",
            risk_level=risk,
            been_to_marac=marac,
            children_in_family=children_said,
            consent_to_contact=True,
            status=status,
            service=service,
            tier_needed=needed if target != "received" else "",
            placed_below_need=below,
            declined_by=declined_by,
            created_at=self.when(days_ago),
            **answers,
        )

    def families(
        self, families: list[Any], referrals: int, *, days_before: int = 0, area_known: bool = True
    ) -> None:
        """Write these planned families, referred `referrals` times in all (each once, some twice): their
        people, relationships, referrals and what followed."""
        from pathways.core.access import Side
        from pathways.people.choices import RelationshipKind
        from pathways.people.models import Person, Relationship
        from pathways.referrals.choices import RiskLevel

        rng = self.rng
        twice = {id(f) for f in rng.sample(families, max(0, min(len(families), referrals - len(families))))}
        for chunk in batches(families, BATCH // 2):
            people, relationships, planned = [], [], []
            for family in chunk:
                scene, member = family.scene, family.perpetrator
                area = None
                if area_known:
                    area = self.areas[member.area] if rng.random() < 0.95 else rng.choice(self.neighbours)
                him = Person(
                    side=Side.PERPETRATOR,
                    given_name=member.given_name,
                    family_name=member.family_name,
                    date_of_birth=member.born if rng.random() < 0.9 else None,
                    gender_identity=member.gender,
                    preferred_language=member.language,
                    other_language=member.other_language,
                    interpreter_needed=member.interpreter,
                    work_pattern=member.work_pattern,
                    ethnicity=member.ethnicity,
                    has_disability=member.disability,
                    area=area,
                    police_reference=member.police_reference,
                    phone=self.seal(member.phone),
                )
                people.append(him)
                if area is not None:
                    self.men.append(him)
                her = None
                if family.partner is not None:
                    p = family.partner
                    her = Person(
                        side=Side.VICTIM,
                        given_name=p.given_name,
                        family_name=p.family_name,
                        date_of_birth=p.born,
                        gender_identity=p.gender,
                        area=area,
                        phone=self.seal(p.phone),
                        address=self.seal(p.address),
                        email=self.seal(p.email),
                    )
                    people.append(her)
                    kind = (
                        RelationshipKind.EX_PARTNER
                        if scene.partner == "ex_partner"
                        else RelationshipKind.CURRENT_PARTNER
                    )
                    relationships.append(Relationship(person=him, other=her, kind=kind))
                for child in family.children:
                    kid = Person(
                        side=Side.VICTIM,
                        given_name=child.given_name,
                        family_name=child.family_name,
                        date_of_birth=child.born,
                        gender_identity=child.gender,
                        area=area,
                    )
                    people.append(kid)
                    relationships.append(Relationship(person=him, other=kid, kind=RelationshipKind.PARENT_OF))
                risk = scene.risk if scene.route != "self" else RiskLevel.NOT_KNOWN
                marac = scene.been_to_marac or (risk == "high" and rng.random() < 0.3)
                children = bool(family.children)
                first = self.referral(
                    him=him,
                    her=her,
                    route=scene.route,
                    risk=risk,
                    marac=marac,
                    answers=self.answers(scene.facts, by_referrer=scene.referrer is not None),
                    children_said=children,
                    has_children=children,
                    target=family.target,
                    days_ago=days_before + family.began,
                )
                planned.append((first, (him, her, risk)))
                if id(family) in twice:
                    # Another agency, later: a referrer who does not say whether there are children, so
                    # that triage finds them from his relationships.
                    route = rng.choice(("police", "probation", "marac", "childrens_services", "court"))
                    again_risk = rng.choice(("medium", "medium", "high", "standard"))
                    again = self.referral(
                        him=him,
                        her=her,
                        route=route,
                        risk=again_risk,
                        marac=route == "marac",
                        answers=self.answers((), by_referrer=True),
                        children_said=False,
                        has_children=children,
                        target=rng.choice(
                            ("triaged", "offered", "started", "started", "declined", "received")
                        ),
                        days_ago=days_before + rng.randint(0, family.began),
                    )
                    planned.append((again, (him, her, again_risk)))
            Person.objects.bulk_create(people, batch_size=BATCH)
            Relationship.objects.bulk_create(relationships, batch_size=BATCH)
            self.made.people += len(people)
            for batch in referrals_write(planned, batch=BATCH):
                self.followed(batch)

    def followed(self, batch: list[tuple[Any, tuple[Any, Any, str]]]) -> None:
        """What follows from a batch of referrals: the partner's referral to the linked support service,
        and the risk assessment of a man taken on (three in ten again at review)."""
        from pathways.assessments.models import Assessment, AssessmentStatus, Context
        from pathways.referrals.choices import ReferralKind, Status
        from pathways.referrals.models import Referral

        rng = self.rng
        partners, assessments = [], []
        for referral, (him, her, risk) in batch:
            self.made.referrals += 1
            service = referral.service
            if service is not None and service.partner_support_service_id and her is not None:
                self.number += 1
                partners.append(
                    (
                        Referral(
                            reference=f"PW-S{self.number:09d}",
                            kind=ReferralKind.PARTNER_SUPPORT,
                            person=her,
                            linked_referral=referral,
                            route=referral.route,
                            reason="Partner support.",
                            risk_level=risk,
                            status=Status.TRIAGED,
                            service_id=service.partner_support_service_id,
                            created_at=referral.created_at,
                        ),
                        None,
                    )
                )
            if referral.status in ASSESSED:
                level = (
                    risk if risk != "not_known" else rng.choices(["standard", "medium", "high"], [6, 3, 1])[0]
                )
                on = (referral.created_at + datetime.timedelta(days=14)).date()
                for context, day in [(Context.INTAKE, on)] + (
                    [(Context.REVIEW, on + datetime.timedelta(days=42))] if rng.random() < 0.3 else []
                ):
                    assessments.append(
                        Assessment(
                            person=him,
                            instrument_version=self.instrument,
                            assessor=self.assessor,
                            agency=self.agency,
                            assessed_on=min(day, self.today),
                            context=context,
                            status=AssessmentStatus.COMPLETED,
                            results={"risk_level": rng.choice([level, level, level, "medium"])},
                            completed_at=referral.created_at + (day - on) + datetime.timedelta(days=14),
                        )
                    )
        for written in referrals_write(partners, batch=BATCH):
            self.made.partner_referrals += len(written)
        Assessment.objects.bulk_create(assessments, batch_size=BATCH)
        self.made.assessments += len(assessments)

    def rfg(self) -> None:
        """Two RFG runs, a month apart, each scoring 30,000 people, most of them men referred, a twentieth
        flagged as serial: triage reads the latest run's flags."""
        from pathways.police.models import RfgModelVersion, RfgRun, RfgScore

        rng = self.rng
        model = RfgModelVersion.objects.create(
            region=self.region, version=1, settings={}, file_sha256="bench"
        )
        home = [self.areas["cardiff"], self.areas["vale-of-glamorgan"]]
        for months_ago in (1, 0):
            end = self.today - datetime.timedelta(days=30 * months_ago)
            run = RfgRun.objects.create(
                region=self.region,
                model=model,
                window_start=end - datetime.timedelta(days=730),
                window_end=end,
            )
            scores = []
            for n, person in enumerate(rng.sample(self.men, min(SCORED, len(self.men)))):
                score = round(rng.betavariate(2, 5) * 100, 1)
                scores.append(
                    RfgScore(
                        run=run,
                        perpetrator_ref=f"SWP/{n:06d}",
                        person=person if rng.random() < 0.8 else None,  # a fifth known only to the police
                        area=person.area if person.area in home else rng.choice(home),
                        score=score,
                        recency=score / 4,
                        frequency=score / 4,
                        gravity=score / 4,
                        victims=score / 4,
                        records=rng.randint(1, 12),
                        victim_count=rng.randint(1, 4),
                        harm=score,
                        last_on=end,
                        serial=rng.random() < 0.05,
                        rank=0,
                    )
                )
            for area in home:
                ranked = sorted((s for s in scores if s.area == area), key=lambda s: -s.score)
                for rank, s in enumerate(ranked, start=1):
                    s.rank = rank
            RfgScore.objects.bulk_create(scores, batch_size=BATCH)
            self.made.scores += len(scores)


def _families_for(referrals: int) -> int:
    return max(1, round(referrals / (1 + REFERRED_AGAIN)))


def bench_scenarios(referrals: int = REFERRALS, runs: int = RUNS) -> None:
    from django.db import connection, transaction

    from pathways.assessments.services import instruments_load
    from pathways.demo.region import MEDIUM_RISK_DVPP
    from pathways.directory.services import region_load
    from pathways.insights.scenarios import scenario_retriage
    from pathways.referrals.services import triage_rules_load

    label = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    rng = random.Random(20261207)
    region_load(path=REGION_FILE)
    triage_rules_load(path=TRIAGE_FILE)
    instruments_load(paths=[REGION_FILE.parent])
    start = time.perf_counter()
    world = _World(rng)
    count = _families_for(referrals)
    planned = planned_families(count + _families_for(BEFORE_PERIOD) + NO_AREA)
    with transaction.atomic():
        world.families(planned[:count], referrals)
        in_period = world.made.referrals
        world.families(planned[count:-NO_AREA], BEFORE_PERIOD, days_before=PERIOD_DAYS)
        world.families(planned[-NO_AREA:], NO_AREA, area_known=False)
        world.rfg()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    made = world.made
    mix = ", ".join(f"{n:,} {status}" for status, n in sorted(made.statuses.items(), key=lambda i: -i[1]))
    print(
        f"scenarios ({label}): {in_period:,} referrals in the past year and {made.referrals - in_period:,} "
        f"outside it ({mix}), {made.partner_referrals:,} partners' referrals, {made.people:,} people, "
        f"{made.assessments:,} assessments, {made.scores:,} RFG scores made in "
        f"{time.perf_counter() - start:.0f} s",
        flush=True,
    )

    kwargs: dict[str, Any] = {
        "region": world.region,
        "draft": MEDIUM_RISK_DVPP,
        "starts": world.today - datetime.timedelta(days=PERIOD_DAYS - 1),
        "ends": world.today,
    }
    samples = []
    for _ in range(runs):
        begin = time.perf_counter()
        found = scenario_retriage(**kwargs)
        samples.append(time.perf_counter() - begin)
    # Counted, not captured: the query log keeps only the last 9,000, and a re-triage asking referral by
    # referral asks many more.
    queries = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        scenario_retriage(**kwargs)
    median = statistics.median(samples)
    drawn = ", ".join(f"{n:,} {where}" for where, n in found.drawn_from.most_common(4))
    print(
        f"scenarios ({label}), re-triage with one draft service ({MEDIUM_RISK_DVPP.name}): "
        f"{found.considered:,} referrals considered, {found.taken:,} taken (from {drawn}); "
        f"median of {runs} {median:.1f} s (target: under {TARGET_SECONDS:.0f} s: "
        f"{verdict(median < TARGET_SECONDS)}); {queries:,} queries; "
        f"peak memory {peak_rss_mib():.0f} MiB",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    parser.add_argument("--referrals", type=int, default=REFERRALS, help=f"in the period ({REFERRALS:,})")
    parser.add_argument(
        "--runs", type=int, default=RUNS, help=f"timed re-triages, the median reported ({RUNS})"
    )
    args = parser.parse_args()
    print(f"== database: {'PostgreSQL' if args.postgres else 'SQLite'}", flush=True)
    with throwaway_database("postgres" if args.postgres else "sqlite") as url:
        _setup_django(url)
        bench_scenarios(args.referrals, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
