"""Reads of the partner-safety loop: her case's safety updates (her side), and what reached his case from
her support worker (his side, the crossing "partner_signal"), each through the access policy."""

from __future__ import annotations

from pathways.cases.models import Case, PartnerSignal, SafetyUpdate
from pathways.cases.selectors.case import case_linked_cases
from pathways.core.access import Side
from pathways.core.policy import Actor, Perm, visible_to


def safety_update_targets(*, case: Case) -> list[Case]:
    """The open cases of the men who harm the case's person, where an update from her case goes. For the
    system's own use: which services work with him is not shown to her side as such."""
    return list(
        case_linked_cases(case=case).filter(person__side=Side.PERPETRATOR).select_related("service", "person")
    )


def safety_updates(*, actor: Actor, case: Case) -> list[SafetyUpdate]:
    return list(
        visible_to(actor, SafetyUpdate.objects.filter(case=case), Perm.CASE_VIEW).select_related("sent_by")
    )


def partner_signals(*, actor: Actor, case: Case) -> list[PartnerSignal]:
    return list(
        visible_to(actor, PartnerSignal.objects.filter(case=case), Perm.CASE_VIEW).select_related("service")
    )
