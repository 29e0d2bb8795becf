"""A made-up police extract for the demo region, so that the MATAC's ranking and agenda have people on
them: a few serial perpetrators (several victims, recent, grave) among many people with one or two
low-harm incidents. References are invented ("DEMO-..."); no real record is described. The demo's families
give some of the people they name these references, so that the ranking names people the agencies know.

Every import from the police data and RFG modules is here, so that the demo follows them in one place."""

from __future__ import annotations

import csv
import datetime
import random
import tempfile
from pathlib import Path

from pathways.core.policy import Actor
from pathways.directory.models import Region
from pathways.police.extracts import import_police_extract
from pathways.police.models import PoliceExtract, RfgRun
from pathways.police.rfg import score_region

AREAS = ("cardiff", "vale-of-glamorgan")
LOW_HARM = ("domestic_incident", "malicious_communications", "common_assault", "criminal_damage")
GRAVE = ("actual_bodily_harm", "coercive_control", "strangulation", "stalking", "threats_to_kill")
COLUMNS = (
    "reference", "kind", "occurred_on", "offence", "perpetrator_ref", "victim_ref", "relationship", "area",
    "weapon", "injury", "children_present", "substance_misuse", "mental_health",
)  # fmt: skip


def demo_extract_rows(today: datetime.date) -> list[dict[str, str]]:
    """The same rows for the same day: a fixed seed, dates counted back from `today`."""
    rng = random.Random(56)  # noqa: S311 - made-up demo data, not a secret
    rows: list[dict[str, str]] = []

    def add(perpetrator: str, victim: str, offence: str, days_ago: int, area: str, grave: bool) -> None:
        rows.append(
            {
                "reference": f"DEMO-{len(rows) + 1:05d}",
                "kind": "incident" if offence == "domestic_incident" else "crime",
                "occurred_on": (today - datetime.timedelta(days=days_ago)).isoformat(),
                "offence": offence,
                "perpetrator_ref": perpetrator,
                "victim_ref": victim,
                "relationship": rng.choice(["partner", "ex-partner"]),
                "area": area,
                "weapon": "yes" if grave and rng.random() < 0.3 else "no",
                "injury": "yes" if grave and rng.random() < 0.6 else "no",
                "children_present": "yes" if rng.random() < 0.3 else "no",
                "substance_misuse": "yes" if rng.random() < 0.25 else "no",
                "mental_health": "yes" if rng.random() < 0.15 else "no",
            }
        )

    for number in range(1, 9):  # serial: three or four victims, grave and recent
        area = AREAS[number % 2]
        for victim in range(rng.randint(3, 4)):
            for _ in range(rng.randint(1, 3)):
                add(f"DEMO-P{number:03d}", f"DEMO-V{number:03d}{victim}", rng.choice(GRAVE),
                    rng.randint(5, 400), area, grave=True)  # fmt: skip
    for number in range(9, 160):  # one victim, low harm, some of them often
        area = AREAS[number % 2]
        for _ in range(rng.choice([1, 1, 1, 2, 2, 6])):
            add(f"DEMO-P{number:03d}", f"DEMO-V{number:03d}0", rng.choice(LOW_HARM),
                rng.randint(5, 1000), area, grave=False)  # fmt: skip
    return rows


def import_demo_police_extract(region: Region, actor: Actor) -> PoliceExtract:
    """Import the demo extract as of today: unchanged rows are left alone, and rows whose people are now on
    record are linked to them."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "demo-police-extract.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(demo_extract_rows(datetime.date.today()))
        return import_police_extract(actor=actor, path=path, region=region)


def score_demo_region(region: Region, actor: Actor, *, end: datetime.date | None = None) -> RfgRun:
    """A run of the region's RFG scores over the window ending on `end` (today if not given)."""
    return score_region(region=region, actor=actor, end=end)


def load_demo_police_data(region: Region, actor: Actor) -> None:
    """Import the demo extract and score the region when anything changed or it has never been scored."""
    extract = import_demo_police_extract(region, actor)
    if extract.created or extract.updated or not RfgRun.objects.filter(region=region).exists():
        score_demo_region(region, actor)
