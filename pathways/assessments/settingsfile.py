from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MaracSettings(Strict):
    callout_threshold: int = Field(ge=1, le=100)


class AssessmentSettingsFile(Strict):
    region: str
    marac: MaracSettings
    reassessment_days: dict[str, int] = Field(description="service slug (or default) to days")
