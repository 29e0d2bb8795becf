"""Writes of contact with care: the partner's support worker's view, the first-contact gate, the person's
consent and the contacts made with him.

Disrupt work needs neither contact nor consent. First contact waits until someone has judged, with a
reason, that it will not increase risk, having heard from the partner's support worker where she has one
(the region's `first_contact.partner_view_required`). Consent is sought once contact is allowed, unless
that conflicts with safeguarding: working without it is then an explicit state, with its reason and who
decided, which the case worker or a manager at the service may record at any time."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.cases.choices import (
    CaseEventKind,
    ConsentState,
    ContactChannel,
    ContactDirection,
    ContactOutcome,
    PartnerViewKind,
)
from pathways.cases.models import Case, ConsentRecord, Contact, ContactDecision, PartnerView
from pathways.cases.selectors.case import case_partner_cases
from pathways.cases.selectors.contact import (
    partner_view_blocks_contact,
    partner_view_latest,
    partner_view_services,
    safe_contact_latest,
)
from pathways.cases.selectors.rules import CaseworkNotLoaded, casework_rules_for_case
from pathways.cases.services.base import (
    AuditAction,
    CaseError,
    case_audit,
    case_event_add,
    case_for_change,
    case_text_refuse,
)
from pathways.cases.services.journeys import journeys_casework_refresh
from pathways.core.access import Role, Side
from pathways.core.policy import Actor, runs_service
from pathways.directory.models import Service

# Consent states that are only asked of the person, so only once contact is allowed.
ASKED = frozenset({ConsentState.GIVEN, ConsentState.REFUSED})
NEEDS_REASON = frozenset({ConsentState.REFUSED, ConsentState.WITHDRAWN, ConsentState.SAFEGUARDING})


def _check_text(*, actor: Actor, case: Case, fields: dict[str, str], record_type: str) -> None:
    """Refuse typed text holding a partner's or child's sealed details. Checked before the change's
    transaction, so that the audit entry of the attempt stays when the change is refused."""
    case_text_refuse(actor=actor, case=case, fields=fields, record_type=record_type)


def _perpetrator_case(*, actor: Actor, case: Case) -> Case:
    """The case, locked for a change to its first-contact gate: only a case about someone who uses abuse
    has one. On hers, safe-contact arrangements say how she may be reached."""
    case = case_for_change(actor=actor, case=case)
    if case.person.side != Side.PERPETRATOR:
        raise CaseError(
            _(
                "The first-contact gate is for the case of the person who harms: record her safe-contact "
                "arrangements instead."
            )
        )
    return case


def partner_view_record(
    *, actor: Actor, case: Case, service: Service, view: str, text: str = ""
) -> PartnerView:
    """Record what the partner's support worker said about contacting him, naming her service."""
    text = (text or "").strip()
    _check_text(actor=actor, case=case, fields={"text": text}, record_type="partner_view")
    return _partner_view_save(actor=actor, case=case, service=service, view=view, text=text)


@transaction.atomic
def _partner_view_save(*, actor: Actor, case: Case, service: Service, view: str, text: str) -> PartnerView:
    case = _perpetrator_case(actor=actor, case=case)
    if actor.agency is None:
        raise PermissionDenied
    if view not in PartnerViewKind.values:
        raise CaseError(_("Choose what the support worker said."), "view")
    if service.pk not in {s.pk for s in partner_view_services(case=case)}:
        raise CaseError(_("Choose the partner's support service."), "service")
    record = PartnerView.objects.create(
        case=case,
        view=view,
        service=service,
        text=text,
        recorded_by=actor.user,
        agency=actor.agency,
    )
    case_event_add(
        case=case,
        kind=CaseEventKind.PARTNER_VIEW,
        actor=actor,
        detail={"view": view, "service": service.slug},
    )
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="partner_view",
        record_id=record.pk,
        details={"case": str(case.pk), "view": view, "service": service.slug},
    )
    return record


def contact_decision_record(*, actor: Actor, case: Case, allowed: bool, reason: str) -> ContactDecision:
    """Open the first-contact gate (contact will not increase risk) or close it again, with the reason.

    Where the region asks for it and a partner has a support worker, opening it needs her view recorded
    since the case opened, and the latest view must not be that contact would increase risk now."""
    reason = (reason or "").strip()
    _check_text(actor=actor, case=case, fields={"reason": reason}, record_type="contact_decision")
    return _contact_decision_save(actor=actor, case=case, allowed=allowed, reason=reason)


@transaction.atomic
def _contact_decision_save(*, actor: Actor, case: Case, allowed: bool, reason: str) -> ContactDecision:
    case = _perpetrator_case(actor=actor, case=case)
    if not reason:
        raise CaseError(_("Say why contact would or would not increase risk."), "reason")
    if allowed == case.contact_allowed:
        raise CaseError(
            _("Contact is already allowed.") if allowed else _("Contact is already not allowed."), "allowed"
        )
    view = partner_view_latest(case=case)
    if allowed:
        try:
            required = casework_rules_for_case(case=case).file.first_contact.partner_view_required
        except CaseworkNotLoaded as error:
            raise CaseError(
                _("The region's casework rules are not loaded, so contact cannot be allowed yet."), "allowed"
            ) from error
        if required and case_partner_cases(case=case) and view is None:
            raise CaseError(
                _("The partner has a support worker: record their view of contact first, then decide."),
                "allowed",
            )
        if partner_view_blocks_contact(view):
            raise CaseError(
                _(
                    "The partner's support worker's latest view is that contact would increase risk now. "
                    "Record their new view before allowing contact."
                ),
                "allowed",
            )
    decision = ContactDecision.objects.create(
        case=case, allowed=allowed, reason=reason, partner_view=view, decided_by=actor.user
    )
    case.contact_allowed = allowed
    case.save(update_fields=["contact_allowed"])
    case_event_add(case=case, kind=CaseEventKind.CONTACT_DECISION, actor=actor, detail={"allowed": allowed})
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="contact_decision",
        record_id=decision.pk,
        details={
            "case": str(case.pk),
            "allowed": allowed,
            "partner_view": str(view.pk) if view else "",
        },
    )
    return decision


def may_decide_safeguarding(*, actor: Actor, case: Case) -> bool:
    """The case's worker, or a manager at an agency running its service, decides to work without consent
    on safeguarding grounds: the one who knows the case, or the one answerable for the service."""
    if case.worker_id is not None and case.worker_id == actor.user.pk:
        return True
    return actor.role == Role.MANAGER and runs_service(actor, case.service)


def consent_record(*, actor: Actor, case: Case, state: str, reason: str = "") -> ConsentRecord:
    """Record the person's consent: given or refused when asked (once contact is allowed), withdrawn, or
    work without it on safeguarding grounds (at any time, by the case worker or a manager)."""
    reason = (reason or "").strip()
    _check_text(actor=actor, case=case, fields={"reason": reason}, record_type="consent_record")
    return _consent_save(actor=actor, case=case, state=state, reason=reason)


@transaction.atomic
def _consent_save(*, actor: Actor, case: Case, state: str, reason: str) -> ConsentRecord:
    case = case_for_change(actor=actor, case=case)
    if state not in ConsentState.values or state == ConsentState.NOT_ASKED:
        raise CaseError(_("Choose the person's consent."), "state")
    if state == case.consent:
        raise CaseError(
            _("Consent is already recorded as: %(state)s.") % {"state": ConsentState(state).label},
            "state",
        )
    if state in ASKED and not case.contact_allowed and case.person.side == Side.VICTIM:
        raise CaseError(
            _("Consent is asked of her: record her safe-contact arrangements first, then ask."), "state"
        )
    if state in ASKED and not case.contact_allowed:
        raise CaseError(
            _(
                "Consent is asked of the person, and contact is not allowed yet: record a decision that "
                "contact will not increase risk first, or record work without consent on safeguarding "
                "grounds."
            ),
            "state",
        )
    if state in NEEDS_REASON and not reason:
        raise CaseError(_("Give the reason."), "reason")
    if state == ConsentState.SAFEGUARDING and not may_decide_safeguarding(actor=actor, case=case):
        raise CaseError(
            _("Only the case worker or a manager at the service may decide to work without consent."), "state"
        )
    before = case.consent
    record = ConsentRecord.objects.create(case=case, state=state, reason=reason, decided_by=actor.user)
    case.consent = state
    case.save(update_fields=["consent"])
    case_event_add(case=case, kind=CaseEventKind.CONSENT, actor=actor, detail={"state": state})
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="consent_record",
        record_id=record.pk,
        details={"case": str(case.pk), "before": before, "after": state},
    )
    return record


def _when(on: datetime.date, time: datetime.time | None) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(on, time or datetime.time.min))


def contact_log(
    *,
    actor: Actor,
    case: Case,
    on: datetime.date,
    time: datetime.time | None,
    channel: str,
    direction: str,
    outcome: str,
    note: str = "",
) -> Contact:
    """Log a contact or an attempt. None is logged until contact is allowed. The first one that reaches
    him marks the case's first contact (the earliest, if one is logged out of order)."""
    note = (note or "").strip()
    _check_text(actor=actor, case=case, fields={"note": note}, record_type="contact")
    return _contact_save(
        actor=actor,
        case=case,
        at=_when(on, time),
        time_given=time is not None,
        channel=channel,
        direction=direction,
        outcome=outcome,
        note=note,
    )


@transaction.atomic
def _contact_save(
    *,
    actor: Actor,
    case: Case,
    at: datetime.datetime,
    time_given: bool,
    channel: str,
    direction: str,
    outcome: str,
    note: str,
) -> Contact:
    case = case_for_change(actor=actor, case=case)
    victim_side = case.person.side == Side.VICTIM
    if not case.contact_allowed:
        raise CaseError(
            _("Record her safe-contact arrangements first: then contact can be logged.")
            if victim_side
            else _("Contact is not allowed yet: record a decision that contact will not increase risk first.")
        )
    arrangements = safe_contact_latest(case=case) if victim_side else None
    if (
        arrangements is not None
        and direction == ContactDirection.OUTGOING
        and channel in ContactChannel.values
        and channel not in arrangements.channels
    ):
        raise CaseError(
            _(
                "She has not said that %(channel)s is a safe way to reach her. If she has agreed it since, "
                "change her safe-contact arrangements first."
            )
            % {"channel": ContactChannel(channel).label.lower()},
            "channel",
        )
    problems: dict[str, Any] = {
        "channel": (channel not in ContactChannel.values, _("Choose how the contact was made.")),
        "direction": (
            direction not in ContactDirection.values,
            _("Choose whether it was outgoing or incoming."),
        ),
        "outcome": (outcome not in ContactOutcome.values, _("Choose what came of it.")),
    }
    for field, (wrong, message) in problems.items():
        if wrong:
            raise CaseError(message, field)
    if at > timezone.now():
        raise CaseError(_("The contact must be now or in the past."), "on")
    if timezone.localdate(at) < timezone.localdate(case.opened_at):
        raise CaseError(_("The contact must be on or after the day the case opened."), "on")
    contact = Contact.objects.create(
        case=case,
        at=at,
        time_given=time_given,
        channel=channel,
        direction=direction,
        outcome=outcome,
        note=note,
        by=actor.user,
    )
    if outcome == ContactOutcome.REACHED and (case.first_contact_at is None or at < case.first_contact_at):
        case.first_contact_at = at
        case.save(update_fields=["first_contact_at"])
        journeys_casework_refresh(case_ids=[case.pk])
    case_event_add(
        case=case,
        kind=CaseEventKind.CONTACT,
        actor=actor,
        detail={"channel": channel, "direction": direction, "outcome": outcome},
    )
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="contact",
        record_id=contact.pk,
        details={"case": str(case.pk), "channel": channel, "direction": direction, "outcome": outcome},
    )
    return contact
