"""Benchmark: the queueing simulation of a drafted service at three capacities over two years of arrivals
(target: under 10 s).

The arrivals are a region's busiest case: 10 people a week (over 1,000 in two years), a 26-week
programme, a mean of 12 weeks' patience on the waiting list and a third leaving part way, at 60, 120 and
180 places, each run 20 times (`pathways.insights.simulation`). No database is needed.

    .venv/bin/python benchmarks/simulation.py

It is also one of benchmarks/run.py's benchmarks (`--only simulation`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import peak_rss_mib, verdict

TARGET_SECONDS = 10.0


def bench_simulation() -> None:
    from pathways.insights.simulation import Assumptions, simulate_capacities

    assumptions = Assumptions(
        arrivals_per_week=10, programme_weeks=26, patience_weeks=12, drop_out_during=0.33
    )
    begin = time.perf_counter()
    results = simulate_capacities(assumptions=assumptions, capacities=[60, 120, 180])
    seconds = time.perf_counter() - begin
    waits = ", ".join(
        f"{r.places} places: {r.mean_wait_weeks} weeks, {r.occupancy:.0%} full" for r in results
    )
    print(
        f"simulation, three capacities over {assumptions.weeks} weeks ({results[0].arrived:.0f} arrivals, "
        f"{assumptions.runs} runs each): {seconds:.2f} s (target: under {TARGET_SECONDS:.0f} s: "
        f"{verdict(seconds < TARGET_SECONDS)}); {waits}; peak memory {peak_rss_mib():.0f} MiB",
        flush=True,
    )


if __name__ == "__main__":
    import os

    import django

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pathways.settings")
    django.setup()
    bench_simulation()
