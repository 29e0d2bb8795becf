"""Performance benchmarks, run by `make bench` and reported, never as timed tests.

Each benchmark builds its own data in a throwaway database, times the operation over several runs and
prints the median with the target it is measured against.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_django() -> None:
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pathways.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def timed(runs: int, action: Callable[[], object]) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_gap_map() -> None:
    """The gap map over the shipped region, and over a region of 200 services."""
    from pathways.directory.models import Service
    from pathways.directory.services import load_region
    from pathways.insights.selectors import gap_map

    load_region(path=ROOT / "regions" / "cardiff-and-vale" / "region.yaml")
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


if __name__ == "__main__":
    _setup_django()
    print(f"database: {os.environ['DATABASE_URL'].split(':')[0]}")
    bench_gap_map()
