"""The schema of a skills instrument file (standards/vase-r.yaml): item ids by vignette, the subscale each
counts towards, the score range and the benchmarks. Ids only: the instrument's wording is its authors'."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=2000, strip_whitespace=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Name(Strict):
    en: ShortText
    cy: ShortText


class Text(Strict):
    en: LongText
    cy: LongText


class Subscale(Strict):
    slug: Slug
    name: Name


class SkillsItem(Strict):
    id: Slug
    vignette: int = Field(ge=1, le=20)
    subscale: Slug


class Benchmark(Strict):
    slug: Slug
    min_total: int = Field(ge=0)
    name: Name


def _unique(values: list[str], what: str) -> None:
    repeated = sorted({v for v in values if values.count(v) > 1})
    if repeated:
        raise ValueError(f"each {what} needs its own slug; repeated: {', '.join(repeated)}")


class SkillsFile(Strict):
    slug: Slug
    name: Name
    source: Text
    score_min: int = Field(ge=0, description="the lowest score an item takes, e.g. 0")
    score_max: int = Field(ge=1, description="the highest score an item takes, e.g. 2")
    mapping_checked: bool = Field(
        description="true once the item-to-subscale mapping has been checked against the scoring manual"
    )
    subscales: list[Subscale] = Field(min_length=1)
    items: list[SkillsItem] = Field(min_length=1)
    benchmarks: list[Benchmark] = Field(min_length=1)

    @field_validator("subscales")
    @classmethod
    def _unique_subscales(cls, subscales: list[Subscale]) -> list[Subscale]:
        _unique([s.slug for s in subscales], "subscale")
        return subscales

    @field_validator("items")
    @classmethod
    def _unique_items(cls, items: list[SkillsItem]) -> list[SkillsItem]:
        _unique([i.id for i in items], "item")
        return items

    @property
    def total_max(self) -> int:
        return self.score_max * len(self.items)

    def subscale_name(self, slug: str) -> Name | None:
        return next((s.name for s in self.subscales if s.slug == slug), None)
