"""What the panels' rules share: the error a broken rule raises, the audit of a panel write, today
and the meeting's row lock."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency, Membership, User
from pathways.audit import services as audit
from pathways.panels import protected
from pathways.panels.choices import (
    MeetingStatus,
    Outcome,
)
from pathways.panels.models import AgendaItem, Meeting
from pathways.people.sealed import sealed_details_refuse

if TYPE_CHECKING:
    from pathways.core.policy import Actor


class PanelError(Exception):
    """A meeting rule was broken; the message is translated and fit to show the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# Outcomes that take one of the panel's capacity-limited service's places.


SCREENED_OUTCOMES = frozenset({Outcome.REFER_SCREENED})

# The order of an agenda, and which reason an item is filed under when a person has several: a case the
# panel already owns comes first (the new reasons are noted on it), then new high-risk cases, repeats
# before first referrals, then the highest RFG scores, then people referred in by partners.


def today() -> datetime.date:
    return timezone.localdate()


def refuse_protected_details(*, item: AgendaItem, fields: dict[str, str], actor: Actor) -> None:
    """PanelError naming the field when typed text on an item holds a protected person's sealed details."""
    sealed_details_refuse(
        fields=fields,
        markers=protected.protected_markers(item=item),
        actor=actor,
        record_type="agendaitem",
        record_id=item.pk,
        error=PanelError,
    )


def works_for(*, user: User, agency: Agency) -> bool:
    """Whether the user holds an active membership of the agency (seats and actions go to its staff)."""
    return Membership.objects.filter(user=user, agency=agency, is_active=True, user__is_active=True).exists()


def audit_panel(
    *, action: str, actor: Actor | None, record_type: str, record_id: object, **details: Any
) -> None:
    audit.entry_record(
        action=action,
        actor=actor,
        username="" if actor else "system",
        record_type=record_type,
        record_id=record_id,
        # Dates and UUIDs as text: the audit entry's details are JSON.
        details={k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in details.items()},
    )


def meeting_locked(*, meeting: Meeting) -> Meeting:
    """The meeting re-read under a row lock, so that deciding and closing cannot interleave."""
    return Meeting.objects.select_for_update().select_related("panel").get(pk=meeting.pk)


def meeting_refuse_if_closed(*, meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CLOSED:
        raise PanelError(_("The minutes of this meeting have been issued: its record can no longer change."))
