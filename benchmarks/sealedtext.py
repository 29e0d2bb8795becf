"""Benchmark: checking free text for sealed details (pathways/core/sealedtext.py).

The check runs when a decision, action, nomination or note is saved and again on every page that shows
one, so a meeting's minutes check every item's text against the sealed details of everyone each item
concerns. Timed here, against the markers of four people (a partner, two children and an ex-partner):

- a minutes page: 50 items of about 600 characters of ordinary panel text (target: under 25 ms);
- the longest page: 50 items of 8,000 characters each (target: under 500 ms);
- one 8,000-character text of each hard shape (all digits, all number words, look-alikes, one long word,
  punctuation only, repeated near-postcodes), the slowest reported (target: under 20 ms).

No database is needed: the check reads plain strings.

    .venv/bin/python benchmarks/sealedtext.py
"""

from __future__ import annotations

import functools
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathways.core.sealedtext import Marker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = 7
TARGETS_MS = {"minutes": 25.0, "longest page": 500.0, "hardest text": 20.0}

SENTENCES = [
    "Seen at the Cardiff office on 14 March with the probation officer.",
    "Three call-outs since January; bail conditions: no contact with the partner.",
    "07 visits recorded, 2 missed; next review in 6 weeks.",
    "Drive to screen for the programme; the case manager will report back by 28/04/2026.",
    "Gwelwyd yn swyddfa Caerdydd ar 14 Mawrth. Dim cyswllt ers tri mis.",
    "The risk remains high; the police will share the incident log (ref 2026/0415/7789).",
    "Children's services will attend the school meeting and feed back to the chair.",
    "He has moved to a different area of the city and reports to the office weekly.",
]


def _family() -> list[Marker]:
    from pathways.core.sealedtext import markers_from

    return [
        *markers_from(
            address="Flat 2, 17 Kingfisher Crescent\nLlanrumney\nCardiff\nCF3 4QZ",
            phone="07700 900461",
            email="seren.morgan@example.org",
        ),
        *markers_from(address="17 Kingfisher Crescent\nCardiff\nCF3 4QZ", school="Ysgol Gynradd Glan Morfa"),
        *markers_from(address="4 Heol y Frân\nTreganna\nCaerdydd\nCF5 1QE", school="Cardiff High School"),
        *markers_from(address="22 Heron Way\nRumney\nCardiff\nCF3 3AB", phone="029 2049 6000 / 07700 900123"),
    ]


def _text(rng: random.Random, length: int) -> str:
    words: list[str] = []
    while sum(map(len, words)) + len(words) < length:
        words.append(rng.choice(SENTENCES))
    return " ".join(words)[:length]


HARD: dict[str, Callable[[random.Random], str]] = {
    "all digits": lambda rng: " ".join(str(rng.randint(0, 99)) for _ in range(3000))[:8000],
    "number words": lambda rng: " ".join(
        rng.choice(["one", "two", "oh", "double", "nine", "hundred", "and", "dim", "un", "tri"])
        for _ in range(2000)
    )[:8000],
    "look-alikes": lambda rng: ("O77OO 9OO3S3 lol " * 500)[:8000],
    "one long word": lambda rng: "a" * 8000,
    "punctuation": lambda rng: "." * 8000,
    "near-postcodes": lambda rng: ("cf3 4q cf34 " * 800)[:8000],
    "Cyrillic": lambda rng: ("\u041a\u0438\u043d\u0433\u0444\u0438\u0448\u0435\u0440 " * 800)[:8000],
    "zero-width": lambda rng: "a\u200b" * 4000,
}


def _median_ms(work: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> int:
    from pathways.core.sealedtext import mentions

    started = time.perf_counter()
    markers = _family()
    print(
        f"markers for four people: {len(markers)}, built in {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    rng = random.Random(9)
    minutes = [_text(rng, 600) for _ in range(50)]
    longest = [_text(rng, 8000) for _ in range(50)]
    figures = {
        "minutes": _median_ms(lambda: [mentions(text, markers) for text in minutes]),
        "longest page": _median_ms(lambda: [mentions(text, markers) for text in longest]),
    }
    hard_texts = {name: make(rng) for name, make in HARD.items()}
    hard = {name: _median_ms(functools.partial(mentions, text, markers)) for name, text in hard_texts.items()}
    slowest = max(hard, key=hard.__getitem__)
    figures["hardest text"] = hard[slowest]
    for name, ms in hard.items():
        print(f"  8,000 characters, {name}: {ms:.2f} ms")
    for name, ms in figures.items():
        target = TARGETS_MS[name]
        label = f"{name} ({slowest})" if name == "hardest text" else name
        print(f"{label}: {ms:.1f} ms (target under {target:.0f} ms: {'met' if ms < target else 'MISSED'})")
    return 0 if all(figures[name] < TARGETS_MS[name] for name in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
