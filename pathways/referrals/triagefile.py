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


class CaseFact(Strict):
    """What a "yes" to one question about the person's behaviour and history does to triage."""

    rules_out: list[Tier]
    needs_first: list[Tier]
    cautions: list[Tier]


# The questions a referral answers about the person's behaviour and history. Each must have a rule.
CASE_FACTS = (
    "entrenched_behaviour",
    "convictions_or_orders",
    "serial_behaviour",
    "mutual_violence",
    "sexual_harm_concern",
)


class TriageRules(Strict):
    region: str
    tiers_considered: list[Tier] = Field(min_length=1)
    risk_tiers: dict[RiskLevel, list[Tier]]
    case_facts: dict[str, CaseFact]
    weights: Weights
    capacity_rule_out: bool

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
        missing = [name for name in CASE_FACTS if name not in self.case_facts]
        if missing:
            raise ValueError(f"case_facts needs a rule for {', '.join(missing)}")
        unknown = [name for name in self.case_facts if name not in CASE_FACTS]
        if unknown:
            raise ValueError(
                f"case_facts.{unknown[0]} is not a question triage asks; use one of {', '.join(CASE_FACTS)}"
            )
        return self
