"""Actions a panel sets for its member agencies: recording, updating and chasing them when overdue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency, User
from pathways.audit.choices import AuditAction
from pathways.panels import selectors
from pathways.panels.choices import (
    ActionStatus,
)
from pathways.panels.models import (
    Action,
    AgendaItem,
)

if TYPE_CHECKING:
    from pathways.core.policy import Actor
from pathways.panels.services import base
from pathways.panels.services.base import (
    PanelError,
    audit_panel,
    meeting_locked,
    meeting_refuse_if_closed,
    refuse_protected_details,
    works_for,
)


def action_create(
    *,
    item: AgendaItem,
    description: str,
    agency: Agency,
    owner: User | None = None,
    due_on: datetime.date,
    actor: Actor,
) -> Action:
    """An action on an item for an agency with a seat on the panel (and, if named, an owner who works for
    it), due on or after the meeting. Refused once the minutes are issued."""
    description = (description or "").strip()
    refuse_protected_details(item=item, fields={"description": description}, actor=actor)
    with transaction.atomic():
        meeting = meeting_locked(meeting=item.meeting)
        meeting_refuse_if_closed(meeting=meeting)
        description = (description or "").strip()
        if not description:
            raise PanelError(_("Say what the action is."))
        if not meeting.panel.members.filter(agency=agency).exists():
            raise PanelError(
                _("%(agency)s has no seat on this panel: actions go to member agencies.")
                % {"agency": agency.name}
            )
        if owner is not None and not works_for(user=owner, agency=agency):
            raise PanelError(
                _("%(user)s does not work for %(agency)s.")
                % {"user": owner.full_name or owner, "agency": agency.name}
            )
        if due_on < meeting.held_on:
            raise PanelError(_("An action cannot fall due before the meeting that set it."))
        action = Action.objects.create(
            item=item,
            description=description,
            agency=agency,
            owner=owner,
            due_on=due_on,
            created_by=actor.user,
            modified_by=actor.user,
        )
        audit_panel(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="panel_action",
            record_id=action.pk,
            item=str(item.pk),
            agency=agency.slug,
            owner=str(owner.pk) if owner else None,
            due_on=due_on,
        )
        return action


@transaction.atomic
def action_update(*, action: Action, status: str, actor: Actor) -> Action:
    """Move an action's status; allowed after the minutes are issued too (the work goes on)."""
    if status not in ActionStatus.values:
        raise PanelError(_("Choose the action's status."))
    action = Action.objects.select_for_update().get(pk=action.pk)
    before = action.status
    action.status = status
    action.completed_on = (action.completed_on or base.today()) if status == ActionStatus.DONE else None
    action.modified_by = actor.user
    action.save(update_fields=["status", "completed_on", "modified_by", "modified_at"])
    audit_panel(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="panel_action",
        record_id=action.pk,
        status_from=before,
        status_to=status,
    )
    return action


@dataclass(frozen=True)
class Chased:
    """An overdue action chased, as a command may print it: references only, nothing about the person."""

    action_id: Any
    agency_slug: str
    panel_slug: str
    due_on: datetime.date


@transaction.atomic
def actions_chase_overdue(*, today: datetime.date, actor: Actor | None) -> list[Chased]:
    """Mark every open action past its due date as chased today, at most once a day each, and audit each
    chase; returns the actions chased now."""
    due = [
        Chased(*row)
        for row in selectors.actions_overdue(today=today)
        .filter(Q(last_chased_on__isnull=True) | Q(last_chased_on__lt=today))
        .select_for_update(of=("self",))
        .values_list("pk", "agency__slug", "item__meeting__panel__slug", "due_on")
    ]
    Action.objects.filter(pk__in=[c.action_id for c in due]).update(last_chased_on=today)
    for chased in due:
        audit_panel(
            action=AuditAction.RECORD_CHANGED,
            actor=actor,
            record_type="panel_action",
            record_id=chased.action_id,
            chased_on=today,
            agency=chased.agency_slug,
            due_on=chased.due_on,
        )
    return due


def actions_chase_overdue_count(*, today: datetime.date, actor: Actor | None) -> int:
    """How many overdue actions were chased now (see chase_overdue_actions)."""
    return len(actions_chase_overdue(today=today, actor=actor))
