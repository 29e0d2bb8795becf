"""Writes of the partner-safety loop: a partner's support worker sends a safety update from her case, and
what the access policy lets cross (the crossing "partner_signal") reaches the case of each man who harms
her that a service has open. Contact that would increase risk now closes his first-contact gate; a rise in
risk is a task for his case worker."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.cases.choices import CaseEventKind, PartnerViewKind, RiskChange, TaskKind
from pathways.cases.models import Case, CaseTask, ContactDecision, PartnerSignal, PartnerView, SafetyUpdate
from pathways.cases.selectors.alerts import worker_agency_ids
from pathways.cases.selectors.case import case_panel_decision, case_sealed_markers
from pathways.cases.selectors.partner import safety_update_targets
from pathways.cases.services.base import (
    AuditAction,
    CaseError,
    case_audit,
    case_event_add,
    case_for_change,
    text_markers_refuse,
)
from pathways.core.access import Side
from pathways.core.policy import Actor, Perm, allows, can_see_record
from pathways.panels.selectors import panel_coordinating_agency


def safety_update_send(
    *,
    actor: Actor,
    case: Case,
    risk_change: str = "",
    changed_on: datetime.date | None = None,
    new_incident: bool = False,
    contact_increases_risk: bool = False,
    message: str = "",
    message_confirmed: bool = False,
) -> SafetyUpdate:
    """Send an update from her case. Only the crossing's fields reach his: the message only when it holds
    none of her (or her children's) sealed details and the sender confirmed his service may read it."""
    if not allows(actor, Perm.CASE_CHANGE) or not can_see_record(actor, case, Perm.CASE_CHANGE):
        raise PermissionDenied
    if case.person.side != Side.VICTIM:
        raise CaseError(_("Safety updates are sent from the case of the person being harmed."))
    message = (message or "").strip()
    if risk_change and risk_change not in RiskChange.values:
        raise CaseError(_("Choose how the risk has changed."), "risk_change")
    if risk_change and changed_on is None:
        raise CaseError(_("Enter the date the risk changed."), "changed_on")
    if changed_on is not None and changed_on > timezone.localdate():
        raise CaseError(_("The date the risk changed must be today or in the past."), "changed_on")
    if not (risk_change or new_incident or contact_increases_risk or message):
        raise CaseError(_("Say what has changed: the risk, a new incident, or that contact is unsafe."))
    if message and not message_confirmed:
        raise CaseError(
            _("Confirm that the service working with him may read the message, or take it out."), "confirm"
        )
    targets = safety_update_targets(case=case)
    # Checked, before anything is written, against the sealed details each of his cases keeps out.
    for target in targets:
        text_markers_refuse(
            actor=actor,
            markers=case_sealed_markers(case=target),
            fields={"message": message},
            record_type="safety_update",
            record_id=case.pk,
        )
    with transaction.atomic():
        return _send(
            actor=actor,
            case=case,
            targets=targets,
            fields={
                "risk_change": risk_change,
                "changed_on": changed_on if risk_change else None,
                "new_incident": new_incident,
                "contact_increases_risk": contact_increases_risk,
                "message": message,
            },
        )


def _send(*, actor: Actor, case: Case, targets: list[Case], fields: dict[str, object]) -> SafetyUpdate:
    case = case_for_change(actor=actor, case=case)
    assert actor.agency is not None  # case_for_change let through only someone acting for an agency
    update = SafetyUpdate.objects.create(
        case=case, agency=actor.agency, sent_by=actor.user, reached=len(targets), **fields
    )
    case_event_add(case=case, kind=CaseEventKind.SAFETY_UPDATE, actor=actor, detail={"reached": len(targets)})
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="safety_update",
        record_id=update.pk,
        details={"case": str(case.pk), "reached": len(targets)},
    )
    agencies = worker_agency_ids((t.service_id, t.worker_id) for t in targets)
    for target in targets:
        _cross(
            actor=actor,
            update=update,
            target=target,
            agency_id=agencies[(target.service_id, target.worker_id)],
        )
    return update


def _cross(*, actor: Actor, update: SafetyUpdate, target: Case, agency_id: uuid.UUID | None) -> None:
    service = update.case.service
    signal = PartnerSignal.objects.create(
        case=target,
        service=service,
        at=update.at,
        risk_change=update.risk_change,
        changed_on=update.changed_on,
        new_incident=update.new_incident,
        contact_increases_risk=update.contact_increases_risk,
        message=update.message,
    )
    # His case's history names her service, never her support worker: the step is the system's.
    names = {"service_en": service.name_en, "service_cy": service.name_cy}
    case_event_add(case=target, kind=CaseEventKind.PARTNER_SIGNAL, actor=None, detail=names)
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="partner_signal",
        record_id=signal.pk,
        details={"case": str(target.pk), "crossing": "partner_signal"},
    )
    if update.contact_increases_risk:
        # Her support worker's view, as the gate reads it: his service cannot reopen the gate until a new
        # view is recorded.
        view = PartnerView.objects.create(
            case=target,
            view=PartnerViewKind.INCREASE,
            service=service,
            recorded_by=None,
            agency=update.agency,
            at=update.at,
            signal=signal,
        )
        case_event_add(case=target, kind=CaseEventKind.PARTNER_VIEW, actor=None, detail={"view": view.view})
        if target.contact_allowed:
            ContactDecision.objects.create(
                case=target, allowed=False, reason="", partner_view=view, decided_by=None, signal=signal
            )
            Case.objects.filter(pk=target.pk).update(contact_allowed=False)
            case_event_add(
                case=target, kind=CaseEventKind.CONTACT_DECISION, actor=None, detail={"allowed": False}
            )
    if update.risk_change != RiskChange.RAISED:
        return
    changed = {"changed_on": update.changed_on.isoformat() if update.changed_on else ""}
    if agency_id is not None:
        CaseTask.objects.create(
            case=target,
            kind=TaskKind.RISK_RAISED,
            agency_id=agency_id,
            user_id=target.worker_id,
            due_on=timezone.localdate(),
            detail=changed,
        )
    # A case that came from a panel: its coordinator hears of the rise for the next daily discussion.
    decision = case_panel_decision(case=target)
    coordinator = panel_coordinating_agency(panel=decision.item.meeting.panel) if decision else None
    if decision is not None and coordinator is not None and coordinator.pk != agency_id:
        panel = decision.item.meeting.panel
        CaseTask.objects.create(
            case=target,
            kind=TaskKind.RISK_RAISED,
            agency=coordinator,
            due_on=timezone.localdate(),
            detail={**changed, "discussion_en": panel.name_en, "discussion_cy": panel.name_cy},
        )
