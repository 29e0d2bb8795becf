"""Meeting rules: loading panels, members, schedules, attendance, agendas, decisions, actions and minutes.

Every write is atomic and audited; a broken rule raises PanelError with a message a user can act on.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from pathways.panels.models import (
    Action,
    AgendaItem,
    Decision,
    Meeting,
    Panel,
    PanelMember,
    RfgNomination,
)

if TYPE_CHECKING:
    from pathways.accounts.models import Agency, User
    from pathways.assessments.models import ScreeningRound
    from pathways.core.policy import Actor
    from pathways.people.models import Person


class PanelError(Exception):
    """A meeting rule was broken; the message is translated and fit to show the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@transaction.atomic
def load_panels(path: Path, *, actor: Actor | None = None) -> list[Panel]:
    """Create or update the region's panels from its panels.yaml (keyed by slug); all or nothing."""
    raise NotImplementedError


@transaction.atomic
def add_member(
    panel: Panel,
    agency: Agency,
    user: User,
    role: str,
    deputy: User | None = None,
    *,
    actor: Actor | None = None,
) -> PanelMember:
    """Give `agency` a seat on `panel`, held by `user` (with an optional deputy)."""
    raise NotImplementedError


@transaction.atomic
def schedule_meeting(panel: Panel, *, held_on: datetime.date | None = None, actor: Actor) -> Meeting:
    """The next meeting: `held_on`, or the cadence after the last meeting (or today); no two on one day."""
    raise NotImplementedError


@transaction.atomic
def record_attendance(meeting: Meeting, attendance: dict[int, tuple[bool, bool]], *, actor: Actor) -> None:
    """Record who attended: member pk -> (present, by_deputy). Members not given are left as they were."""
    raise NotImplementedError


@transaction.atomic
def build_agenda(meeting: Meeting, *, actor: Actor) -> list[AgendaItem]:
    """Build (or rebuild) the agenda; undecided items are replaced, decided ones kept."""
    raise NotImplementedError


@transaction.atomic
def nominate(panel: Panel, person: Person, agency: Agency, reason: str, *, actor: Actor) -> RfgNomination:
    """A partner agency refers someone in for the panel's next agenda."""
    raise NotImplementedError


@transaction.atomic
def record_decision(
    item: AgendaItem,
    *,
    outcome: str,
    reasons: str,
    review_on: datetime.date | None = None,
    screening: ScreeningRound | None = None,
    actor: Actor,
) -> Decision:
    """The panel's decision on an item: needs reasons, a quorum, an open meeting, and for the panel's
    capacity-limited service a screening round in which this person was taken."""
    raise NotImplementedError


@transaction.atomic
def add_action(
    item: AgendaItem,
    *,
    description: str,
    agency: Agency,
    owner: User | None = None,
    due_on: datetime.date,
    actor: Actor,
) -> Action:
    """An action for an agency with a seat on the panel, due on or after the meeting."""
    raise NotImplementedError


@transaction.atomic
def update_action(action: Action, *, status: str, actor: Actor) -> Action:
    """Move an action's status (allowed after the minutes are issued too)."""
    raise NotImplementedError


@transaction.atomic
def chase_overdue(today: datetime.date, *, actor: Actor | None) -> int:
    """Mark open actions past due as chased today (at most once a day each); returns how many."""
    raise NotImplementedError


@transaction.atomic
def close_meeting(meeting: Meeting, *, actor: Actor) -> Meeting:
    """Issue the minutes: decisions and actions on the items are fixed from now on."""
    raise NotImplementedError


def render_minutes(meeting: Meeting, language: str) -> str:
    """The minutes as an HTML fragment in `language` ("en" or "cy"), from the same record."""
    raise NotImplementedError
