"""The schema of a region's panels file (regions/<region>/panels.yaml): its panels, their areas, cadence,
quorum and the capacity-limited service each one refers to. Members are people, kept in the database."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from pathways.panels.choices import PanelKind

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=60)]
ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Name(Strict):
    en: ShortText
    cy: ShortText


class PanelEntry(Strict):
    slug: Slug
    kind: PanelKind
    name: Name
    areas: list[Slug] = Field(min_length=1, description="area slugs from the region file")
    every_days: int = Field(ge=1, le=366, description="days between meetings: 14 fortnightly, 28 four-weekly")
    quorum: int = Field(ge=1, le=50, description="member agencies that must be present to decide")
    top_n: int | None = Field(
        default=None,
        ge=1,
        le=50,
        description="how many of the highest RFG scores per area go on each agenda, for example 4 (MATAC)",
    )
    screening_service: Slug | None = Field(
        default=None, description="slug of the capacity-limited service the panel refers to, if any"
    )
    active: bool = True

    @model_validator(mode="after")
    def _top_n_where_scores_are_ranked(self) -> PanelEntry:
        # The MATAC model's "top four" is the region's choice, not the code's: it must be written down.
        if self.kind == PanelKind.MATAC and self.top_n is None:
            raise ValueError(
                "a MATAC must say how many of the highest RFG scores per area go on each agenda: "
                "add top_n (for example 4, the MATAC model's top four)"
            )
        return self

    @field_validator("areas")
    @classmethod
    def areas_once_each(cls, areas: list[str]) -> list[str]:
        repeated = sorted({a for a in areas if areas.count(a) > 1})
        if repeated:
            raise ValueError(f"list each area once; repeated: {', '.join(repeated)}")
        return areas


class PanelsFile(Strict):
    region: Slug
    panels: list[PanelEntry] = Field(min_length=1)

    @field_validator("panels")
    @classmethod
    def slugs_unique(cls, panels: list[PanelEntry]) -> list[PanelEntry]:
        slugs = [p.slug for p in panels]
        repeated = sorted({s for s in slugs if slugs.count(s) > 1})
        if repeated:
            raise ValueError(f"each panel needs its own slug; repeated: {', '.join(repeated)}")
        return panels
