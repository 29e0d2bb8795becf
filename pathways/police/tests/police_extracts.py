"""Generated police extracts for the import and RFG tests: CSV files written as a force would send them."""

from __future__ import annotations

import csv
import datetime
import random
from dataclasses import dataclass, field
from pathlib import Path

from pathways.accounts.models import User
from pathways.core.policy import Actor
from pathways.directory.models import Region
from pathways.factories import actor_of
from pathways.police.extracts import COLUMNS, FLAG_COLUMNS, import_police_extract
from pathways.police.models import PoliceExtract

# Every generated record is on or before this day, the window end the tests score at.
END = datetime.date(2025, 6, 30)
LOW_HARM = ("domestic_incident", "malicious_communications", "harassment", "criminal_damage")
GRAVE = ("strangulation", "actual_bodily_harm", "grievous_bodily_harm", "rape")


@dataclass(frozen=True)
class Row:
    reference: str
    occurred_on: datetime.date
    offence: str
    perpetrator_ref: str
    victim_ref: str
    area: str = "cardiff"
    kind: str = "crime"
    perpetrator_born_on: datetime.date | None = datetime.date(1985, 4, 12)
    relationship: str = "ex-partner"
    flags: frozenset[str] = field(default_factory=frozenset)

    def cells(self) -> dict[str, str]:
        return {
            "reference": self.reference,
            "kind": self.kind,
            "occurred_on": self.occurred_on.isoformat(),
            "offence": self.offence,
            "perpetrator_ref": self.perpetrator_ref,
            "perpetrator_born_on": self.perpetrator_born_on.isoformat() if self.perpetrator_born_on else "",
            "victim_ref": self.victim_ref,
            "relationship": self.relationship,
            "area": self.area,
            **{flag: "yes" if flag in self.flags else "no" for flag in FLAG_COLUMNS},
        }


def write(path: Path, rows: list[Row], columns: tuple[str, ...] = COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow(row.cells())
    return path


def days_before(days: int) -> datetime.date:
    return END - datetime.timedelta(days=days)


def serial(n: int, victims: int = 3) -> list[Row]:
    """A planted serial perpetrator: grave records against several victims in the last few months."""
    return [
        Row(
            reference=f"SER-{n}-{v}",
            occurred_on=days_before(5 + 30 * v + n),
            offence=GRAVE[v % len(GRAVE)],
            perpetrator_ref=f"SERIAL-{n}",
            victim_ref=f"SERIAL-{n}-V{v}",
            flags=frozenset({"injury"} | ({"weapon"} if v == 0 else set())),
        )
        for v in range(victims)
    ]


def frequent(n: int, records: int = 12) -> list[Row]:
    """A frequent, low-harm perpetrator: many recent incidents and minor offences against one person."""
    return [
        Row(
            reference=f"FRQ-{n}-{r}",
            occurred_on=days_before(2 + 20 * r),
            offence=LOW_HARM[r % len(LOW_HARM)],
            kind="incident" if LOW_HARM[r % len(LOW_HARM)] == "domestic_incident" else "crime",
            perpetrator_ref=f"FREQUENT-{n}",
            victim_ref=f"FREQUENT-{n}-V",
        )
        for r in range(records)
    ]


def background(seed: int, count: int) -> list[Row]:
    """Ordinary records: many people with one or two records, mostly low harm, over four years."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        person = rng.randrange(count // 2)
        rows.append(
            Row(
                reference=f"BG-{n:05d}",
                occurred_on=days_before(rng.randrange(4 * 365)),
                offence=rng.choice([*LOW_HARM, *LOW_HARM, "common_assault", "actual_bodily_harm"]),
                perpetrator_ref=f"BG-P{person}",
                victim_ref=f"BG-V{person}-{rng.randrange(2) if rng.random() < 0.2 else 0}",
                area=rng.choice(["cardiff", "vale-of-glamorgan"]),
                perpetrator_born_on=None
                if rng.random() < 0.2
                else datetime.date(rng.randint(1960, 2000), 1, 1),
                flags=frozenset(f for f in ("weapon", "injury", "substance_misuse") if rng.random() < 0.1),
            )
        )
    return rows


def extract(seed: int = 5) -> list[Row]:
    """Three planted serial perpetrators, five frequent low-harm ones and 200 ordinary records."""
    rows = [*background(seed, 200)]
    for n in range(3):
        rows += serial(n)
    for n in range(5):
        rows += frequent(n)
    return rows


def load(actor: Actor, folder: Path, rows: list[Row], name: str = "extract.csv") -> PoliceExtract:
    return import_police_extract(
        actor=actor, path=write(folder / name, rows), region=Region.objects.get(slug="cardiff-and-vale")
    )


def analyst(cast: dict[str, User]) -> Actor:
    """The police's MATAC coordinator in the demo's cast, whose role imports and scores police data."""
    return actor_of(cast["matac"])
