"""The schema of a region's triage rules (regions/<region>/triage.yaml)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pathways.directory.choices import Tier
from pathways.referrals.choices import RiskLevel


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Weights(Strict):
    tier_position: list[float] = Field(min_length=1, max_length=9)
    per_week_waiting: float = Field(le=0)
    partner_support_linked: float
    suits_work_pattern: float
    speaks_language: float
    not_stated: float = Field(le=0)


class TriageRules(Strict):
    region: str
    tiers_considered: list[Tier] = Field(min_length=1)
    risk_tiers: dict[RiskLevel, list[Tier]]
    weights: Weights
    capacity_rule_out: bool = True

    @model_validator(mode="after")
    def _every_risk_level_and_tier(self) -> TriageRules:
        missing = [level.value for level in RiskLevel if level not in self.risk_tiers]
        if missing:
            raise ValueError(f"risk_tiers needs an entry for every risk level; add {', '.join(missing)}")
        for level, tiers in self.risk_tiers.items():
            if not tiers:
                raise ValueError(f"risk_tiers.{level.value} is empty; list at least one tier")
            outside = [t.value for t in tiers if t not in self.tiers_considered]
            if outside:
                raise ValueError(
                    f"risk_tiers.{level.value} names {', '.join(outside)}, which is not in tiers_considered"
                )
        return self
