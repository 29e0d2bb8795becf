"""The schema of an instrument definition (instruments/<id>.yaml, or a region's own under regions/).

A definition names its items, how they are answered, which follow-up sets they open, how results are
computed and what each band means, and where the instrument comes from and under what licence. Copyrighted
wording is never in these files: items carry ids and neutral labels, and an operator may load the exact
wording from a file they hold a licence for (`wording_file`).
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+([_-][a-z0-9]+)*$", max_length=60)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1000, strip_whitespace=True)]

ANSWER_TYPES = ("yes_no_dk", "presence", "presence_recent_past", "number", "text", "choice", "date", "yes_no")
AnswerType = Literal[
    "yes_no_dk", "presence", "presence_recent_past", "number", "text", "choice", "date", "yes_no"
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Words(Strict):
    en: Text
    cy: Text


class Choice(Strict):
    value: Id
    label: Words


class Item(Strict):
    id: Id
    label: Words
    type: AnswerType
    required: bool = True
    choices: list[Choice] | None = None
    min: float | None = None
    max: float | None = None
    help: Words | None = None

    @model_validator(mode="after")
    def _choices_only_for_choice(self) -> Item:
        if (self.type == "choice") != bool(self.choices):
            raise ValueError("give choices for a choice item, and only for a choice item")
        return self


class Condition(Strict):
    item: Id
    equals: str


class Section(Strict):
    id: Id
    title: Words
    items: list[Item] = Field(min_length=1)
    when: Condition | None = Field(default=None, description="A follow-up set, shown only when this holds")


class CountRule(Strict):
    id: Id
    kind: Literal["count"]
    label: Words
    items: list[Id] | Literal["all"]
    value: str = "yes"


class SumRule(Strict):
    id: Id
    kind: Literal["sum"]
    label: Words
    items: list[Id] | Literal["all"]
    # Answer value to points, for example yes: 1, present: 2, possibly_present: 1.
    points: dict[str, float] = Field(default_factory=lambda: {"yes": 1.0})


Rule = Annotated[CountRule | SumRule, Field(discriminator="kind")]


class Band(Strict):
    min: float
    max: float | None = None
    band: Id
    label: Words
    meaning: Words
    risk_level: Literal["standard", "medium", "high"] | None = None


class Banding(Strict):
    result: Id
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _bands_do_not_overlap(self) -> Banding:
        ordered = sorted(self.bands, key=lambda b: b.min)
        for lower, upper in itertools.pairwise(ordered):
            if lower.max is None or lower.max >= upper.min:
                raise ValueError(f"band {lower.band} overlaps band {upper.band}")
        return self


class RiskFromJudgement(Strict):
    """The risk level follows the assessor's own judgement (structured professional judgement tools)."""

    item: Id
    levels: dict[str, Literal["standard", "medium", "high"]]


class ValidatedFor(Strict):
    """Whom an actuarial tool was validated on; outside it the form warns (person and partner gender)."""

    person_gender: list[Literal["man", "woman", "non_binary"]] = Field(min_length=1)
    partner_gender: list[Literal["man", "woman", "non_binary"]] | None = None
    warning: Words


class Instrument(Strict):
    id: Id
    name: Words
    edition: Text
    kind: Literal["risk", "needs", "structured_judgement", "results_record"]
    source: Text
    licence: Text
    wording: Literal["neutral_labels", "full_text"] = "neutral_labels"
    population_note: Words | None = Field(
        default=None, description="Shown when the form is used; e.g. validity"
    )
    judgements: list[Item] = Field(
        default_factory=list, description="Entered by the assessor, never computed"
    )
    sections: list[Section] = Field(min_length=1)
    results: list[Rule] = Field(default_factory=list)
    banding: list[Banding] = Field(default_factory=list)
    marac: MaracRule | None = None
    risk_level_from: RiskFromJudgement | None = None
    validated_for: ValidatedFor | None = None

    @model_validator(mode="after")
    def _references_exist(self) -> Instrument:
        items = {i.id for s in self.sections for i in s.items} | {j.id for j in self.judgements}
        ids = [i.id for s in self.sections for i in s.items] + [j.id for j in self.judgements]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"item ids must be unique; repeated: {', '.join(repeated)}")
        for section in self.sections:
            if section.when and section.when.item not in items:
                raise ValueError(
                    f"section {section.id} depends on item {section.when.item}, which does not exist"
                )
        results = {r.id for r in self.results}
        for rule in self.results:
            if rule.items != "all":
                missing = [i for i in rule.items if i not in items]
                if missing:
                    raise ValueError(f"result {rule.id} counts items that do not exist: {', '.join(missing)}")
        for banding in self.banding:
            if banding.result not in results:
                raise ValueError(f"banding names result {banding.result}, which is not defined")
        if self.risk_level_from and self.risk_level_from.item not in items:
            raise ValueError(f"risk_level_from names item {self.risk_level_from.item}, which does not exist")
        if self.marac:
            if self.marac.count_result not in results:
                raise ValueError(
                    f"marac.count_result names result {self.marac.count_result}, which is not defined"
                )
            for name in (
                "judgement_item",
                "judgement_reason_item",
                "callouts_item",
                "last_referral_item",
                "incident_date_item",
            ):
                if getattr(self.marac, name) not in items:
                    raise ValueError(
                        f"marac.{name} names item {getattr(self.marac, name)}, which does not exist"
                    )
        return self


class MaracRule(Strict):
    """SafeLives' MARAC referral criteria, with the local numbers as data."""

    count_result: Id
    visible_high_risk_at: int = Field(ge=1)
    judgement_item: Id
    judgement_reason_item: Id
    callouts_item: Id
    last_referral_item: Id
    incident_date_item: Id


Instrument.model_rebuild()
