"""Screening for capacity: people eligible for a service side by side, and who was taken and why not."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from pathways.assessments.models import Assessment, AssessmentStatus, ScreeningCandidate, ScreeningRound
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.policy import Actor, runs_service
from pathways.directory.models import Service
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral

WAITING_FOR_A_DECISION = (Status.TRIAGED, Status.OFFERED)


class ScreeningError(Exception):
    pass


def _completed(people: Any) -> QuerySet[Assessment]:
    # The definitions are not needed here, and each is large.
    return (
        Assessment.objects.filter(person__in=people, status=AssessmentStatus.COMPLETED)
        .select_related("instrument_version")
        .defer("instrument_version__definition")
        .order_by("-assessed_on", "-completed_at")
    )


def evidence_for(referral: Referral, completed: Iterable[Assessment] | None = None) -> dict[str, Any]:
    """The latest completed assessments' results for the person: judgements, factors, scores, MARAC.
    `completed` is the person's completed assessments, newest first, when the caller has read them."""
    latest: dict[str, Assessment] = {}
    for a in completed if completed is not None else _completed([referral.person_id]):
        latest.setdefault(a.instrument_version.instrument, a)
    summary: dict[str, Any] = {"risk_level": referral.risk_level, "been_to_marac": referral.been_to_marac}
    for instrument, a in latest.items():
        judgements = {
            k: v
            for k, v in a.answers.items()
            if k in ("case_prioritisation", "risk_serious_physical_harm", "imminent_violence")
        }
        recent = sorted(
            k for k, v in a.answers.items() if isinstance(v, dict) and v.get("recent") == "present"
        )
        summary[instrument] = {
            "date": a.assessed_on.isoformat(),
            "values": a.results.get("values", {}),
            "risk_level": a.results.get("risk_level"),
            "marac": a.results.get("marac"),
            "judgements": judgements,
            "present_recently": recent,
        }
    return summary


@dataclass(frozen=True)
class Candidate:
    referral: Referral
    evidence: dict[str, Any]


def candidates(service: Service) -> list[Candidate]:
    referrals = (
        Referral.objects.filter(service=service, status__in=WAITING_FOR_A_DECISION)
        .select_related("person__area")
        .order_by("created_at")
    )
    # Everyone's assessments in one query, not one per candidate.
    completed: dict[Any, list[Assessment]] = defaultdict(list)
    for a in _completed(referrals.values("person")):
        completed[a.person_id].append(a)
    return [Candidate(r, evidence_for(r, completed[r.person_id])) for r in referrals]


@transaction.atomic
def record_screening(
    *,
    actor: Actor,
    service: Service,
    places: int,
    held_on: datetime.date,
    decisions: dict[str, tuple[bool, str]],
    notes: str = "",
) -> ScreeningRound:
    """decisions: referral id -> (taken, reason). Everyone eligible must be decided; everyone not taken
    needs a reason; no more can be taken than there are places."""
    if not runs_service(actor, service):
        raise ScreeningError(_("Only the agency running the service can record its screening."))
    eligible = {str(c.referral.pk): c for c in candidates(service)}
    if set(decisions) != set(eligible):
        raise ScreeningError(_("Decide for every eligible person, and only for them."))
    taken = [rid for rid, (take, _reason) in decisions.items() if take]
    if len(taken) > places:
        raise ScreeningError(
            _("You have taken %(taken)s people for %(places)s places.")
            % {"taken": len(taken), "places": places}
        )
    missing = [rid for rid, (take, reason) in decisions.items() if not take and not reason.strip()]
    if missing:
        raise ScreeningError(_("Give the reason for everyone not taken."))
    assert actor.agency is not None
    screening = ScreeningRound.objects.create(
        service=service,
        agency=actor.agency,
        decided_by=actor.user,
        held_on=held_on,
        places=places,
        notes=notes,
        created_by=actor.user,
    )
    ScreeningCandidate.objects.bulk_create(
        [
            ScreeningCandidate(
                screening=screening,
                referral=eligible[rid].referral,
                taken=take,
                reason=reason.strip(),
                evidence=eligible[rid].evidence,
            )
            for rid, (take, reason) in decisions.items()
        ]
    )
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="screening",
        record_id=screening.pk,
        details={"service": service.slug, "places": places, "taken": len(taken), "eligible": len(eligible)},
    )
    return screening
