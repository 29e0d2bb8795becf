"""SafeLives' MARAC referral criteria, with each area's own numbers from its region file.

Refer to MARAC if any holds:
- visible high risk: the count of "yes" answers reaches the threshold (14 of 24); "don't know" is not yes;
- professional judgement, which must be given with a written reason;
- potential escalation: police call-outs for domestic abuse in the past 12 months reach the local threshold;
- repeat: an incident within 12 months of the last MARAC referral.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


class MaracInputError(ValueError):
    pass


@dataclass(frozen=True)
class MaracDecision:
    refer: bool
    criteria: list[str] = field(default_factory=list)


def within_twelve_months(earlier: datetime.date, later: datetime.date) -> bool:
    """True when `later` is no more than twelve calendar months after `earlier` (29 February safe)."""
    if later < earlier:
        return False
    try:
        anniversary = earlier.replace(year=earlier.year + 1)
    except ValueError:  # 29 February: the anniversary is 28 February
        anniversary = earlier.replace(year=earlier.year + 1, day=28)
    return later <= anniversary


def marac_criteria(
    *,
    yes_count: int,
    visible_high_risk_at: int,
    professional_judgement: bool,
    judgement_reason: str,
    callouts_last_12_months: int | None,
    callout_threshold: int,
    last_marac_referral: datetime.date | None,
    incident_date: datetime.date,
) -> MaracDecision:
    if professional_judgement and not judgement_reason.strip():
        raise MaracInputError("Professional judgement needs a written reason.")
    met = []
    if yes_count >= visible_high_risk_at:
        met.append("visible_high_risk")
    if professional_judgement:
        met.append("professional_judgement")
    if callouts_last_12_months is not None and callouts_last_12_months >= callout_threshold:
        met.append("potential_escalation")
    if last_marac_referral is not None and within_twelve_months(last_marac_referral, incident_date):
        met.append("repeat")
    return MaracDecision(refer=bool(met), criteria=met)
