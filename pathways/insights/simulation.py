"""What a new service would absorb: a queueing simulation of a drafted service, with SimPy.

People arrive as the re-triage of the region's past referrals says they would have (a Poisson process at
that rate), wait for a place, and take the programme for its length. Two kinds of drop-out, as the
commissioner assumes them: while waiting (each person waits so long before giving up, drawn from an
exponential distribution with the mean assumed; the review cites drop-out of 5.7% to 57% in the
literature, section 4.3), and during the programme (a share of those who start leave part way, at a point
drawn evenly through it). Each capacity is run several times with seeds drawn from one seed, so the same
assumptions always give the same figures, and the figures are the means over the runs.

Every assumption is shown beside the results, because they are the commissioner's, not the record's.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from typing import Any

import simpy

WEEKS_SIMULATED = 104
RUNS = 20
SEED = 20200331


@dataclass(frozen=True)
class Assumptions:
    # People the draft would take, a week, from the re-triage of past referrals.
    arrivals_per_week: float
    # Weeks from starting the programme to finishing it.
    programme_weeks: float
    # Mean weeks a person waits for a place before giving up; 0: nobody gives up.
    patience_weeks: float
    # Share of those who start who leave before the end, from 0 to 1.
    drop_out_during: float
    weeks: int = WEEKS_SIMULATED
    runs: int = RUNS
    seed: int = SEED

    def __post_init__(self) -> None:
        if self.arrivals_per_week < 0 or self.programme_weeks <= 0 or self.patience_weeks < 0:
            raise ValueError("arrivals and patience cannot be negative, and a programme takes some weeks")
        if not 0 <= self.drop_out_during <= 1:
            raise ValueError("the share dropping out during the programme is from 0 to 1")
        if self.weeks <= 0 or self.runs <= 0:
            raise ValueError("simulate at least one week, at least once")


@dataclass(frozen=True)
class Result:
    places: int
    arrived: float
    started: float
    gave_up_waiting: float
    dropped_out: float
    completed: float
    waiting_at_end: float
    # Weeks waited by those who started: the mean and the 90th percentile.
    mean_wait_weeks: float
    p90_wait_weeks: float
    # Share of the places in use, over the weeks simulated.
    occupancy: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Run:
    places: int
    waits: list[float] = field(default_factory=list)
    arrived: int = 0
    gave_up: int = 0
    dropped: int = 0
    completed: int = 0
    waiting: int = 0
    busy_area: float = 0.0
    busy: int = 0
    changed_at: float = 0.0

    def busy_change(self, now: float, by: int) -> None:
        self.busy_area += self.busy * (now - self.changed_at)
        self.busy, self.changed_at = self.busy + by, now


def _person(
    env: simpy.Environment, places: simpy.Resource, run: _Run, rng: random.Random, a: Assumptions
) -> Generator[simpy.Event, Any, None]:
    arrived = env.now
    run.arrived += 1
    run.waiting += 1
    request = places.request()
    if a.patience_weeks > 0:
        outcome = yield request | env.timeout(rng.expovariate(1 / a.patience_weeks))
    else:
        yield request
        outcome = {request: None}
    run.waiting -= 1
    if request not in outcome:
        request.cancel()
        run.gave_up += 1
        return
    run.waits.append(env.now - arrived)
    run.busy_change(env.now, +1)
    try:
        if rng.random() < a.drop_out_during:
            yield env.timeout(rng.uniform(0, a.programme_weeks))
            run.dropped += 1
        else:
            yield env.timeout(a.programme_weeks)
            run.completed += 1
    finally:
        run.busy_change(env.now, -1)
        places.release(request)


def _arrivals(
    env: simpy.Environment, places: simpy.Resource, run: _Run, rng: random.Random, a: Assumptions
) -> Generator[simpy.Event, Any, None]:
    if a.arrivals_per_week <= 0:
        return
    while True:
        yield env.timeout(rng.expovariate(a.arrivals_per_week))
        env.process(_person(env, places, run, rng, a))


def _once(a: Assumptions, places: int, seed: int) -> _Run:
    env = simpy.Environment()
    rng = random.Random(seed)  # noqa: S311 - a simulation's draws, not a secret
    resource = simpy.Resource(env, capacity=places)
    run = _Run(places)
    env.process(_arrivals(env, resource, run, rng, a))
    env.run(until=a.weeks)
    run.busy_change(a.weeks, 0)
    return run


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 9 // 10) - 1)] if ordered else 0.0


def simulate(*, assumptions: Assumptions, places: int) -> Result:
    """The draft at one capacity: the means over the runs."""
    if places < 1:
        raise ValueError("a service has at least one place")
    seeds = random.Random(assumptions.seed).sample(range(1, 2**31), assumptions.runs)  # noqa: S311
    runs = [_once(assumptions, places, seed) for seed in seeds]

    def mean(values: list[float]) -> float:
        return round(statistics.fmean(values), 1)

    return Result(
        places=places,
        arrived=mean([r.arrived for r in runs]),
        started=mean([len(r.waits) for r in runs]),
        gave_up_waiting=mean([r.gave_up for r in runs]),
        dropped_out=mean([r.dropped for r in runs]),
        completed=mean([r.completed for r in runs]),
        waiting_at_end=mean([r.waiting for r in runs]),
        mean_wait_weeks=mean([statistics.fmean(r.waits) if r.waits else 0.0 for r in runs]),
        p90_wait_weeks=mean([_p90(r.waits) for r in runs]),
        occupancy=round(statistics.fmean(r.busy_area / (places * assumptions.weeks) for r in runs), 3),
    )


def simulate_capacities(*, assumptions: Assumptions, capacities: list[int]) -> list[Result]:
    """The draft at each capacity, side by side, fewest places first."""
    return [simulate(assumptions=assumptions, places=n) for n in sorted(set(capacities))]
