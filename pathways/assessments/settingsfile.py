from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MaracSettings(Strict):
    callout_threshold: int = Field(
        ge=1, le=100, description="police call-outs that count as potential escalation, for example 3"
    )
    repeat_window_months: int = Field(
        ge=1,
        le=60,
        description="months after a MARAC referral in which a new incident makes a repeat, for example 12",
    )


class AssessmentSettingsFile(Strict):
    region: str
    marac: MaracSettings
    reassessment_days: dict[str, int] = Field(
        description="days between assessments per service slug, with a default, for example default: 90"
    )

    @field_validator("reassessment_days")
    @classmethod
    def _default_and_range(cls, days: dict[str, int]) -> dict[str, int]:
        # A service not listed falls back to the region's own default, never to one in the code.
        if "default" not in days:
            raise ValueError("add default: the days between assessments for services not listed (e.g. 90)")
        wrong = sorted(slug for slug, n in days.items() if not 1 <= n <= 3660)
        if wrong:
            raise ValueError(f"days for {', '.join(wrong)} must be from 1 to 3660")
        return days
