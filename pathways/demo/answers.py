"""Answers to any instrument for the demo: valid for its definition, at the risk level the story needs.

Read from the instrument's own definition (items, follow-up sets, counted results, bands, the judgement
the risk level follows and the MARAC rule), so that a region that changes its forms changes the demo's
answers with them.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from pathways.assessments.instrumentfile import Instrument, Item

LEVELS = ("standard", "medium", "high")
NOTE = "Answered with the person in an interview and checked against the referral."
SCALE = ("absent", "possibly_present", "present")


def _count_rule(instrument: Instrument) -> tuple[str, list[str]]:
    """The first result counting yes answers, and the yes-or-no items it counts of those always shown."""
    always = [
        i.id
        for s in instrument.sections
        if s.when is None
        for i in s.items
        if i.type in ("yes_no_dk", "yes_no")
    ]
    for rule in instrument.results:
        if rule.kind == "count" and rule.value == "yes":
            return rule.id, always if rule.items == "all" else [i for i in rule.items if i in always]
    return "", []


def _yes_range(instrument: Instrument, result: str, level: str, most: int) -> tuple[int, int]:
    """The counts of yes answers that fall in the band at `level`; a third of the items per level when
    the result is not banded."""
    for banding in instrument.banding:
        if banding.result == result:
            for band in banding.bands:
                if band.risk_level == level:
                    return int(band.min), most if band.max is None else min(int(band.max), most)
    index = LEVELS.index(level)
    return most * index // 3, most * (index + 1) // 3


def _value(item: Item, rng: random.Random, level: str, on: datetime.date) -> Any:
    index = LEVELS.index(level)
    if item.type in ("yes_no_dk", "yes_no"):
        return "yes" if rng.random() < 0.15 + 0.3 * index else "no"
    if item.type == "presence":
        return SCALE[max(0, index - rng.randint(0, 1))]
    if item.type == "presence_recent_past":
        return {"recent": SCALE[max(0, index - rng.randint(0, 1))], "past": rng.choice(SCALE)}
    if item.type == "choice":
        choices = [c.value for c in item.choices or []]
        return choices[min(len(choices) - 1, index)] if len(choices) >= 3 else rng.choice(choices)
    if item.type == "number":
        low = int(item.min or 0)
        return low + rng.randint(0, 2) if item.max is None else min(int(item.max), low + rng.randint(0, 2))
    if item.type == "date":
        return on.isoformat() if item.required else None  # the MARAC rule's dates are set below
    return NOTE if item.required else None


def answers_for(
    instrument: Instrument,
    *,
    rng: random.Random,
    level: str,
    assessed_on: datetime.date,
    marac: bool = False,
    last_marac: datetime.date | None = None,
    callout_threshold: int = 3,
) -> dict[str, Any]:
    """Complete answers that give `level`. For a form with the MARAC criteria, `marac` says whether they
    are met (by visible high risk); when not, the answers stay below every criterion: fewer yes answers
    than visible high risk, fewer police call-outs than `callout_threshold`, no professional judgement
    and no earlier MARAC referral unless `last_marac` is given (which makes the case a repeat)."""
    rule = instrument.marac
    result, counted = _count_rule(instrument)
    yes: set[str] = set()
    if counted:
        low, high = _yes_range(instrument, result, "high" if marac else level, len(counted))
        if rule is not None:
            if marac:
                low = max(low, rule.visible_high_risk_at)
            else:  # below visible high risk, which may leave the form short of the level asked for
                high = min(high, rule.visible_high_risk_at - 1)
                low = min(low, high)
        yes = set(rng.sample(counted, rng.randint(low, max(low, high))))
    answers: dict[str, Any] = {}
    for section in instrument.sections:
        if section.when is None:
            for item in section.items:
                answers[item.id] = ("yes" if item.id in yes else "no") if item.id in counted else None
    for section in instrument.sections:
        if section.when is not None and str(answers.get(section.when.item)) == section.when.equals:
            answers.update({item.id: None for item in section.items})
    items = {i.id: i for s in instrument.sections for i in s.items} | {j.id: j for j in instrument.judgements}
    for item_id in [*answers, *(j.id for j in instrument.judgements)]:
        if answers.get(item_id) is None:
            answers[item_id] = _value(items[item_id], rng, level, assessed_on)
    judged = instrument.risk_level_from
    if judged is not None:
        # The judgement the risk level follows says `level`; a yes-or-no judgement that only ever raises
        # it is left at "no", so that the bands decide.
        matching = [value for value, gives in judged.levels.items() if gives == level]
        answers[judged.item] = matching[0] if matching else "no"
    if rule is not None:
        incident = assessed_on - datetime.timedelta(days=rng.randint(0, 6))
        answers |= {
            rule.judgement_item: "no",
            rule.judgement_reason_item: None,
            rule.incident_date_item: incident.isoformat(),
            rule.callouts_item: rng.randint(0, max(0, min(2, callout_threshold - 1))),
            rule.last_referral_item: last_marac.isoformat() if last_marac else None,
        }
    return {k: v for k, v in answers.items() if v is not None}
