"""SafeLives' MARAC referral criteria, with each area's own numbers from its region file.

Refer to MARAC if any holds:
- visible high risk: the count of "yes" answers reaches the threshold (14 of 24); "don't know" is not yes;
- professional judgement, which must be given with a written reason;
- potential escalation: police call-outs for domestic abuse in the past 12 months (as the DASH question
  asks) reach the region's threshold (`marac.callout_threshold` in assessment.yaml);
- repeat: an incident within the region's repeat window (`marac.repeat_window_months`) of the last MARAC
  referral.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext, ngettext

from pathways.core.dates import within_months


class MaracInputError(ValueError):
    pass


@dataclass(frozen=True)
class MaracDecision:
    refer: bool
    criteria: list[str] = field(default_factory=list)


def marac_criteria(
    *,
    yes_count: int,
    visible_high_risk_at: int,
    professional_judgement: bool,
    judgement_reason: str,
    callouts_last_12_months: int | None,
    callout_threshold: int,
    repeat_window_months: int,
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
    if last_marac_referral is not None and within_months(
        last_marac_referral, incident_date, repeat_window_months
    ):
        met.append("repeat")
    return MaracDecision(refer=bool(met), criteria=met)


def criterion_label(code: str, *, repeat_window_months: int) -> str:
    """A met criterion as a reader sees it, the repeat with the region's own window."""
    if code == "repeat":
        return ngettext(
            "repeat within %(months)d month", "repeat within %(months)d months", repeat_window_months
        ) % {"months": repeat_window_months}
    labels = {
        "visible_high_risk": gettext("visible high risk"),
        "professional_judgement": gettext("professional judgement"),
        "potential_escalation": gettext("potential escalation"),
    }
    return labels.get(code, code)
