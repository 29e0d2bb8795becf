from __future__ import annotations

import pytest

from pathways.assessments.engine import check_answers
from pathways.assessments.instrumentfile import Instrument

FORM = Instrument.model_validate(
    {
        "id": "tiny",
        "name": {"en": "Tiny", "cy": "Bach"},
        "edition": "1",
        "kind": "risk",
        "source": "test",
        "licence": "test",
        "sections": [
            {
                "id": "s",
                "title": {"en": "S", "cy": "S"},
                "items": [
                    {"id": "a", "label": {"en": "A", "cy": "A"}, "type": "yes_no_dk"},
                    {"id": "d", "label": {"en": "D", "cy": "D"}, "type": "date", "required": False},
                    {
                        "id": "f",
                        "label": {"en": "F", "cy": "F"},
                        "type": "presence_recent_past",
                        "required": False,
                    },
                    {
                        "id": "n",
                        "label": {"en": "N", "cy": "N"},
                        "type": "number",
                        "min": 0,
                        "max": 10,
                        "required": False,
                    },
                ],
            }
        ],
    }
)


@pytest.mark.parametrize(
    ("answers", "item", "message"),
    [
        ({"a": ["yes"]}, "a", "expected a single answer"),
        ({"a": {"yes": 1}}, "a", "expected a single answer"),
        ({"a": "yes", "d": "20260601"}, "d", "expected a date as YYYY-MM-DD"),
        ({"a": "yes", "d": "2026-02-30"}, "d", "expected a date as YYYY-MM-DD"),
        (
            {"a": "yes", "f": {"recent": "present", "later": "absent"}},
            "f",
            "expected {recent: ..., past: ...}",
        ),
        ({"a": "yes", "n": True}, "n", "expected a number"),
        ({"a": "yes", "n": 11}, "n", "expected a number from 0 to 10"),
    ],
)
def test_malformed_answers_are_named_not_crashed_on(
    answers: dict[str, object], item: str, message: str
) -> None:
    problems = {p.item: p.message for p in check_answers(FORM, answers, complete=True)}
    assert problems[item] == message


def test_answers_must_be_an_object() -> None:
    assert check_answers(FORM, ["a"], complete=False)[0].message.startswith("answers must be an object")
