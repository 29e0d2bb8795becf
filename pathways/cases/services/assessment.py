"""Writes of assessment in a case: counting one of the person's assessments at a stage of the case (by the
worker, or as it is completed at the service), and recording another agency's view of the risk."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency
from pathways.assessments.models import Assessment, AssessmentStatus, Context
from pathways.cases.choices import AgencyRisk, AssessmentStage, CaseEventKind, CaseStatus
from pathways.cases.models import AgencyView, Case, CaseAssessment
from pathways.cases.selectors.assessment import agency_view_agencies
from pathways.cases.services.base import (
    AuditAction,
    CaseError,
    case_audit,
    case_event_add,
    case_for_change,
    case_text_refuse,
)
from pathways.core.policy import Actor, Perm, allows, can_see_record, visible_to

SUMMARY_MAX = 2000


def _link(
    *, actor: Actor | None, case: Case, assessment: Assessment, stage: str, by_hand: bool
) -> CaseAssessment:
    link = CaseAssessment.objects.filter(case=case, assessment=assessment).first()
    if link is not None and link.stage == stage:
        return link
    before = link.stage if link is not None else ""
    if link is None:
        link = CaseAssessment.objects.create(
            case=case,
            assessment=assessment,
            stage=stage,
            linked_by=actor.user if by_hand and actor is not None else None,
        )
    else:
        link.stage = stage
        link.save(update_fields=["stage"])
    level = str((assessment.results or {}).get("risk_level") or "")
    case_event_add(
        case=case,
        kind=CaseEventKind.ASSESSMENT,
        actor=actor,
        detail={
            "linked": True,
            "stage": stage,
            "instrument": assessment.instrument_version.instrument,
            "risk": level,
        },
    )
    case_audit(
        action=AuditAction.RECORD_CHANGED if before else AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="case_assessment",
        record_id=link.pk,
        details={
            "case": str(case.pk),
            "assessment": str(assessment.pk),
            "stage": stage,
            **({"before": before} if before else {}),
        },
    )
    return link


@transaction.atomic
def case_assessment_link(*, actor: Actor, case: Case, assessment: Assessment, stage: str) -> CaseAssessment:
    """Count one of the person's completed assessments in the case at a stage (or move it to another).
    An assessment of someone else, or one the actor may not see, is refused as one that is not there."""
    case = case_for_change(actor=actor, case=case)
    if stage not in AssessmentStage.values:
        raise CaseError(_("Select when in the case the assessment was made."), "stage")
    if assessment.person_id != case.person_id or not can_see_record(actor, assessment, Perm.ASSESSMENT_VIEW):
        raise CaseError(_("Choose one of the person's assessments."), "assessment")
    if assessment.status != AssessmentStatus.COMPLETED:
        raise CaseError(_("Only a completed assessment can count in the case."), "assessment")
    return _link(actor=actor, case=case, assessment=assessment, stage=stage, by_hand=True)


def _stage_for(case: Case, assessment: Assessment) -> str:
    """A correction keeps the stage of the assessment it corrects; one done for closure is the closure's;
    otherwise the case's first is its intake and the rest are during the work."""
    if assessment.supersedes_id:
        corrected = CaseAssessment.objects.filter(case=case, assessment_id=assessment.supersedes_id).first()
        if corrected is not None:
            return corrected.stage
    if assessment.context == Context.CLOSURE:
        return AssessmentStage.CLOSURE
    if not CaseAssessment.objects.filter(case=case).exists():
        return AssessmentStage.INTAKE
    return AssessmentStage.DURING


def case_assessment_completed(*, assessment: Assessment, actor: Actor) -> list[CaseAssessment]:
    """The hook the assessments app calls as an assessment is completed (settings.ASSESSMENT_COMPLETED):
    the person's open cases at services the actor's agency runs count it, at the stage `_stage_for`
    gives. Called inside the completing transaction."""
    if actor.agency is None or not allows(actor, Perm.CASE_CHANGE):
        return []
    working = Case.objects.filter(
        person_id=assessment.person_id, status=CaseStatus.OPEN, service__agencies=actor.agency
    )
    cases = (
        visible_to(actor, working, Perm.CASE_CHANGE)
        .select_for_update(of=("self",))
        .select_related("service", "person")
    )
    return [
        _link(
            actor=actor, case=case, assessment=assessment, stage=_stage_for(case, assessment), by_hand=False
        )
        for case in cases
    ]


def agency_view_record(
    *,
    actor: Actor,
    case: Case,
    agency: Agency,
    risk: str,
    summary: str,
    given_on: datetime.date,
    assessment: Assessment | None = None,
) -> AgencyView:
    """Record what another agency sees of the risk. On the case of the person who uses abuse it is his
    side's record, whoever gave it (his partner's support service among them): a summary that holds his
    family's sealed details is refused, naming the field, with nothing saved and the attempt audited."""
    summary = (summary or "").strip()
    case_text_refuse(actor=actor, case=case, fields={"summary": summary}, record_type="case")
    with transaction.atomic():
        return _agency_view_save(
            actor=actor,
            case=case_for_change(actor=actor, case=case),
            agency=agency,
            risk=risk,
            summary=summary,
            given_on=given_on,
            assessment=assessment,
        )


def _agency_view_save(
    *,
    actor: Actor,
    case: Case,
    agency: Agency,
    risk: str,
    summary: str,
    given_on: datetime.date,
    assessment: Assessment | None,
) -> AgencyView:
    if agency not in agency_view_agencies(case=case):
        raise CaseError(_("Select the agency whose view it is."), "agency")
    if risk not in AgencyRisk.values:
        raise CaseError(_("Select the risk they see."), "risk")
    if not summary:
        raise CaseError(_("Say in a few words what they see."), "summary")
    if len(summary) > SUMMARY_MAX:
        raise CaseError(_("The summary must be 2,000 characters or fewer."), "summary")
    if given_on > timezone.localdate():
        raise CaseError(_("The date the view was given cannot be in the future."), "given_on")
    if (
        assessment is not None
        and not CaseAssessment.objects.filter(case=case, assessment=assessment).exists()
    ):
        raise CaseError(_("Choose one of the case's assessments, or none."), "assessment")
    view = AgencyView.objects.create(
        case=case,
        assessment=assessment,
        agency=agency,
        risk=risk,
        summary=summary,
        given_on=given_on,
        recorded_by=actor.user,
    )
    case_event_add(
        case=case,
        kind=CaseEventKind.ASSESSMENT,
        actor=actor,
        detail={"agency_view": True, "agency_en": agency.name_en, "agency_cy": agency.name_cy, "risk": risk},
    )
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="case_agency_view",
        record_id=view.pk,
        details={"case": str(case.pk), "agency": agency.slug, "risk": risk, "given_on": given_on.isoformat()},
    )
    return view
