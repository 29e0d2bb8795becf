"""Writes of cases: opening one when a referral starts with a service, and naming who works it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from pathways.accounts.models import User
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.cases.choices import CaseEventKind, CaseStatus
from pathways.cases.models import Case
from pathways.cases.selectors.case import case_staff
from pathways.cases.services.base import CaseError, case_event_add, case_for_change
from pathways.core.policy import Actor, Perm, allows
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
        if actor.user in workers:
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
