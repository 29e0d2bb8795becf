"""The schema of a region's RFG scoring model (regions/<region>/rfg.yaml): the window, the weights of
recency, frequency, gravity and victims, their caps, the flag uplifts, the gravity table, the bands, the
serial-perpetrator rule and how many people per area reach a panel's agenda. See docs/rfg.md."""

from __future__ import annotations

import datetime
import itertools
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

OFFENCE_CODE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
FLAGS = ("weapon", "injury", "children_present", "substance_misuse", "mental_health")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(Strict):
    """How far back a record counts: a number of calendar years or of days, not both."""

    years: int | None = Field(default=None, ge=1, le=10)
    days: int | None = Field(default=None, ge=30, le=3660)

    @model_validator(mode="after")
    def _one_of(self) -> Window:
        if (self.years is None) == (self.days is None):
            raise ValueError("give either years (for example 3) or days (for example 1095), not both")
        return self

    def length_days(self, end: datetime.date) -> int:
        """Days in the window that ends (inclusive) on `end`: calendar years count their leap days."""
        if self.days is not None:
            return self.days
        assert self.years is not None
        year = end.year - self.years
        # 29 February has no twin in a common year; the window then starts on 28 February.
        start = end.replace(year=year, day=28) if (end.month, end.day) == (2, 29) else end.replace(year=year)
        return (end - start).days


class Weights(Strict):
    recency: float = Field(ge=0, le=100)
    frequency: float = Field(ge=0, le=100)
    gravity: float = Field(ge=0, le=100)
    victims: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _some_weight(self) -> Weights:
        if self.total == 0:
            raise ValueError("every weight is 0; give at least one of them a positive weight")
        return self

    @property
    def total(self) -> float:
        return self.recency + self.frequency + self.gravity + self.victims


class Caps(Strict):
    """The amount of each that earns the full part; more earns no more."""

    records: int = Field(ge=1, le=1000)
    victims: int = Field(ge=1, le=100)
    harm: float = Field(gt=0, le=1_000_000)


class Uplifts(Strict):
    """Added to 1 and multiplied into a record's harm when the record carries the flag."""

    weapon: float = Field(ge=0, le=10)
    injury: float = Field(ge=0, le=10)
    children_present: float = Field(ge=0, le=10)
    substance_misuse: float = Field(ge=0, le=10)
    mental_health: float = Field(ge=0, le=10)


class Gravity(Strict):
    source: str = Field(min_length=1, max_length=2000)
    offences: dict[str, float] = Field(min_length=1, max_length=500)

    @field_validator("offences")
    @classmethod
    def _codes_and_weights(cls, offences: dict[str, float]) -> dict[str, float]:
        bad = [code for code in offences if not OFFENCE_CODE.match(code)]
        if bad:
            raise ValueError(
                f"offence code(s) {', '.join(repr(c) for c in bad)}: use lower case letters, digits and "
                "underscores, starting with a letter, at most 60 characters (for example common_assault)"
            )
        negative = [code for code, weight in offences.items() if not 0 <= weight <= 100_000]
        if negative:
            raise ValueError(f"harm weight of {', '.join(negative)} must be from 0 to 100000 custody days")
        return offences


class Band(Strict):
    # Stored versions are dumped by field name (from_score); the file says `from`.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_score: float = Field(alias="from", ge=0, le=100)
    en: str = Field(min_length=1, max_length=60)
    cy: str = Field(min_length=1, max_length=60)


class SerialRule(Strict):
    min_records: int = Field(ge=2, le=100)
    min_victims: int = Field(ge=2, le=100)
    min_age: int = Field(ge=10, le=25)


class RfgFile(Strict):
    region: str
    window: Window
    weights: Weights
    caps: Caps
    uplifts: Uplifts
    gravity: Gravity
    bands: list[Band] = Field(min_length=1, max_length=10)
    serial: SerialRule

    @field_validator("bands")
    @classmethod
    def _bands_descend_to_zero(cls, bands: list[Band]) -> list[Band]:
        starts = [band.from_score for band in bands]
        if any(later >= earlier for earlier, later in itertools.pairwise(starts)):
            raise ValueError(
                "list the bands from the highest to the lowest, each starting (from) below the one before"
            )
        if starts[-1] != 0:
            raise ValueError("the last band must start from 0, so that every score has a band")
        return bands

    def band(self, score: float) -> Band:
        return next(band for band in self.bands if score >= band.from_score)
