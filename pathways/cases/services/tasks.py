"""Writes of the tasks cases give agencies: someone at the agency marks one done."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.audit.choices import AuditAction
from pathways.cases.choices import TaskStatus
from pathways.cases.models import CaseTask
from pathways.cases.services.base import CaseError, case_audit
from pathways.core.policy import Actor, Perm, allows, can_see_record


@transaction.atomic
def case_task_done(*, actor: Actor, task: CaseTask) -> CaseTask:
    """Mark the task done: only someone acting for the agency it was given to."""
    agency = actor.agency
    if (
        agency is None
        or task.agency_id != agency.pk
        or not allows(actor, Perm.TASK_CHANGE)
        or not can_see_record(actor, task, Perm.TASK_CHANGE)
    ):
        raise PermissionDenied
    task = CaseTask.objects.select_for_update().get(pk=task.pk)
    if task.status == TaskStatus.DONE:
        raise CaseError(_("This task is already done."))
    task.status, task.done_at = TaskStatus.DONE, timezone.now()
    task.done_by = actor.user if actor.user.is_authenticated else None
    task.save(update_fields=["status", "done_at", "done_by"])
    case_audit(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="case_task",
        record_id=task.pk,
        details={"before": {"status": TaskStatus.OPEN}, "after": {"status": task.status}, "kind": task.kind},
    )
    return task
