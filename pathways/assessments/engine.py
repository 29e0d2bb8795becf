"""Checking answers against an instrument version and computing its results.

Pure functions of the definition and the answers, so that recomputing a million stored assessments after
an instrument change is a loop over plain data, and the same answers always give the same results.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from pathways.assessments.instrumentfile import Instrument, Item

VALUES = {
    "yes_no_dk": {"yes", "no", "dont_know"},
    "yes_no": {"yes", "no"},
    "presence": {"absent", "possibly_present", "present", "omitted"},
}
MAX_TEXT = 4000


@dataclass(frozen=True)
class AnswerProblem:
    item: str
    message: str


def visible_items(instrument: Instrument, answers: dict[str, Any]) -> list[Item]:
    """Items that apply given the answers so far: follow-up sets only when their condition holds."""
    shown = []
    for section in instrument.sections:
        if section.when is None or str(answers.get(section.when.item)) == section.when.equals:
            shown.extend(section.items)
    return [*shown, *instrument.judgements]


DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check(item: Item, value: Any) -> str | None:
    if isinstance(value, list) or (isinstance(value, dict) and item.type != "presence_recent_past"):
        return "expected a single answer"
    if item.type in VALUES:
        return (
            None if value in VALUES[item.type] else f"expected one of {', '.join(sorted(VALUES[item.type]))}"
        )
    if item.type == "presence_recent_past":
        if not isinstance(value, dict) or set(value) - {"recent", "past"}:
            return "expected {recent: ..., past: ...}"
        bad = [v for v in value.values() if v not in VALUES["presence"]]
        return f"expected one of {', '.join(sorted(VALUES['presence']))}" if bad else None
    if item.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "expected a number"
        if (item.min is not None and value < item.min) or (item.max is not None and value > item.max):
            return (
                f"expected a number from {item.min:g} to {item.max:g}"
                if item.max is not None
                else "out of range"
            )
        return None
    if item.type == "choice":
        allowed = {c.value for c in item.choices or []}
        return None if value in allowed else f"expected one of {', '.join(sorted(allowed))}"
    if item.type == "date":
        if not DATE.match(str(value)):
            return "expected a date as YYYY-MM-DD"
        try:
            datetime.date.fromisoformat(str(value))
        except ValueError:
            return "expected a date as YYYY-MM-DD"
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        return f"expected text of at most {MAX_TEXT} characters"
    return None


def check_answers(instrument: Instrument, answers: Any, *, complete: bool) -> list[AnswerProblem]:
    """Every way the answers do not fit this version of the instrument. A draft may leave items empty."""
    if not isinstance(answers, dict):
        return [AnswerProblem("", "answers must be an object of item id to answer")]
    known = {i.id for s in instrument.sections for i in s.items} | {j.id for j in instrument.judgements}
    problems = [
        AnswerProblem(k, "no such item in this version of the instrument") for k in answers if k not in known
    ]
    for item in visible_items(instrument, answers):
        value = answers.get(item.id)
        if value in (None, ""):
            if complete and item.required:
                problems.append(AnswerProblem(item.id, "answer this item"))
            continue
        message = _check(item, value)
        if message:
            problems.append(AnswerProblem(item.id, message))
    return problems


def _points(rule: Any, value: Any) -> float:
    if rule.kind == "count":
        if isinstance(value, dict):
            return float(rule.value in value.values())
        return float(value == rule.value)
    if isinstance(value, dict):
        return max((rule.points.get(v, 0.0) for v in value.values()), default=0.0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return float(rule.points.get(value, 0.0))


def compute(instrument: Instrument, answers: dict[str, Any]) -> dict[str, Any]:
    """Results by rule id, the band each banded result falls in, and the risk level a band implies."""
    applicable = {i.id for i in visible_items(instrument, answers)}
    results: dict[str, Any] = {}
    for rule in instrument.results:
        ids = applicable if rule.items == "all" else [i for i in rule.items if i in applicable]
        total = sum(_points(rule, answers[i]) for i in ids if i in answers)
        results[rule.id] = int(total) if float(total).is_integer() else round(total, 2)
    bands: dict[str, str] = {}
    risk_level = None
    for banding in instrument.banding:
        value = results[banding.result]
        for band in banding.bands:
            if value >= band.min and (band.max is None or value <= band.max):
                bands[banding.result] = band.band
                risk_level = band.risk_level or risk_level
    if instrument.risk_level_from is not None:
        judged = answers.get(instrument.risk_level_from.item)
        risk_level = instrument.risk_level_from.levels.get(str(judged), risk_level)
    return {"values": results, "bands": bands, "risk_level": risk_level}
