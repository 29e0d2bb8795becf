"""Writes of cases: opening one when a referral starts with a service, naming who works it, and moving it
to another service."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.accounts.models import User
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.cases.choices import CaseEventKind, CaseStatus
from pathways.cases.models import Case
from pathways.cases.selectors.case import case_staff, case_worker_clash
from pathways.cases.services.base import CaseError, case_event_add, case_for_change, case_text_refuse
from pathways.cases.services.ending import case_end_checked
from pathways.cases.services.trace import victim_traces_refresh, victim_traces_supported
from pathways.core.access import Side
from pathways.core.policy import Actor, Perm, agency_may_see_side, allows
from pathways.directory.choices import ServiceKind
from pathways.directory.models import Service
from pathways.people.services import person_access_grant
from pathways.referrals.models import Referral


def _event(case: Case, kind: str, actor: Actor | None, detail: dict[str, Any] | None = None) -> None:
    case_event_add(case=case, kind=kind, actor=actor, detail=detail)


def _runs_service(actor: Actor | None, case: Case) -> bool:
    return bool(actor and actor.agency and case.service.agencies.filter(pk=actor.agency.pk).exists())


@transaction.atomic
def case_open_from_referral(*, referral: Referral, actor: Actor | None) -> Case | None:
    """The person's case with the service his referral has started with: opened once, when it starts, and
    given to whoever started it where they work there. A person already open with the service keeps his
    case."""
    if referral.service_id is None:
        return None
    existing = (
        Case.objects.filter(referral=referral).first()
        or Case.objects.filter(
            person_id=referral.person_id, service_id=referral.service_id, status=CaseStatus.OPEN
        ).first()
    )
    if existing is not None:
        return existing
    case = Case(person_id=referral.person_id, service_id=referral.service_id, referral=referral)
    if _runs_service(actor, case) and actor is not None and allows(actor, Perm.CASE_CHANGE):
        workers, _managers = case_staff(case=case)
        if actor.user in workers and not case_worker_clash(case=case, worker=actor.user):
            case.worker = actor.user
    case.save()
    _event(case, CaseEventKind.OPENED, actor, {"reference": referral.reference})
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="case",
        record_id=case.pk,
        details={"referral": str(referral.pk), "service": referral.service.slug if referral.service else ""},
    )
    if case.person.side == Side.VICTIM:
        victim_traces_supported(case=case, actor=actor)
    else:
        victim_traces_refresh(case=case, actor=actor)
    return case


@transaction.atomic
def case_assign(*, actor: Actor, case: Case, worker: User | None, manager: User | None) -> Case:
    """Name (or change) the case worker and the manager. Both must work at an agency running the service: a
    worker a practitioner or manager there, a manager a manager there."""
    case = case_for_change(actor=actor, case=case)
    workers, managers = case_staff(case=case)
    if worker is not None and worker not in workers:
        raise CaseError(_("Choose a practitioner or manager at the service."), "worker")
    if manager is not None and manager not in managers:
        raise CaseError(_("Choose a manager at the service."), "manager")
    if worker is not None and worker != case.worker and case_worker_clash(case=case, worker=worker):
        # Says no more than that the worker supports someone in the family elsewhere: not who, nor where.
        raise CaseError(
            _(
                "%(worker)s already works with someone on the other side of this family. The same person "
                "may not work with both: choose another case worker."
            )
            % {"worker": worker},
            "worker",
        )
    before = {"worker": str(case.worker_id or ""), "manager": str(case.manager_id or "")}
    case.worker, case.manager = worker, manager
    case.save(update_fields=["worker", "manager"])
    after = {"worker": str(case.worker_id or ""), "manager": str(case.manager_id or "")}
    _event(
        case,
        CaseEventKind.ASSIGNED,
        actor,
        {"worker": str(worker) if worker else "", "manager": str(manager) if manager else ""},
    )
    audit.entry_record(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="case",
        record_id=case.pk,
        details={"before": before, "after": after},
    )
    return case


def transfer_services(*, case: Case) -> list[Service]:
    """The services a case may be transferred to: the region's others that an active agency runs and whose
    agencies work on the person's side of the family."""
    candidates = (
        Service.objects.filter(region_id=case.service.region_id, agencies__is_active=True)
        .exclude(pk=case.service_id)
        .prefetch_related("agencies")
        .distinct()
        .order_by("name_en")
    )
    side = case.person.side
    # A perpetrator's case goes to another service working with people who use abuse, a victim's to
    # another supporting victims; and only where the running agency may hold records on that side.
    kind = ServiceKind.PERPETRATOR_INTERVENTION if side == Side.PERPETRATOR else ServiceKind.VICTIM_SUPPORT
    return [
        s
        for s in candidates
        if s.kind == kind and any(a.is_active and agency_may_see_side(a, side) for a in s.agencies.all())
    ]


def case_transfer(*, actor: Actor, case: Case, to_service: Service | None, reason: str) -> Case:
    """Close the case here and open the person's case at `to_service`, carrying his consent and the
    history: the receiving service reads the case's history before the transfer. The first-contact gate is
    not carried: the new service judges for itself whether its contact could increase risk."""
    if not reason.strip():
        raise CaseError(_("Enter why the case is transferred."), "reason")
    # Before the transaction, so that the audit entry of a refused attempt is kept.
    case_text_refuse(actor=actor, case=case, fields={"reason": reason}, record_type="case")
    with transaction.atomic():
        return _transfer(actor=actor, case=case, to_service=to_service, reason=reason)


def _transfer(*, actor: Actor, case: Case, to_service: Service | None, reason: str) -> Case:
    case = case_for_change(actor=actor, case=case)
    if to_service is None or to_service.pk not in {s.pk for s in transfer_services(case=case)}:
        raise CaseError(_("Choose the service to transfer the case to."), "service")
    if Case.objects.filter(person_id=case.person_id, service=to_service, status=CaseStatus.OPEN).exists():
        raise CaseError(_("He already has an open case with that service."), "service")
    now = timezone.now()
    # The case ends here as the region's "transferred" ending: its outcome, who is told, the other parts.
    case_end_checked(
        actor=actor,
        case=case,
        state="transferred",
        reason=reason,
        ended_on=timezone.localdate(now),
        handed_over=True,
    )
    new = Case.objects.create(
        person_id=case.person_id,
        service=to_service,
        transferred_from=case,
        consent=case.consent,
        opened_at=now,
    )
    for agency in to_service.agencies.filter(is_active=True):
        person_access_grant(person=case.person, agency=agency, reason="case transferred")
    names = {"service_en": to_service.name_en, "service_cy": to_service.name_cy}
    _event(case, CaseEventKind.TRANSFERRED_OUT, actor, names)
    came = {"service_en": case.service.name_en, "service_cy": case.service.name_cy}
    _event(new, CaseEventKind.TRANSFERRED_IN, actor, came)
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="case",
        record_id=new.pk,
        details={"transferred_from": str(case.pk), "service": to_service.slug},
    )
    return new
