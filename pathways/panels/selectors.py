"""Reading the meeting record: quorum, actions, minutes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from pathways.panels.models import Action, Meeting

if TYPE_CHECKING:
    from pathways.accounts.models import Agency


@dataclass(frozen=True)
class Quorum:
    quorate: bool
    present: list[Agency]
    needed: int
    missing: list[Agency]


def quorum(meeting: Meeting) -> Quorum:
    """Whether enough member agencies were present (in person or by deputy)."""
    raise NotImplementedError


def overdue_actions(today: datetime.date, agency: Agency | None = None) -> QuerySet[Action]:
    """Open actions due before `today`, optionally for one agency."""
    raise NotImplementedError


def actions_for_agency(agency: Agency) -> QuerySet[Action]:
    """Every action an agency owns, open ones first, soonest due first."""
    raise NotImplementedError


@dataclass(frozen=True)
class MinutesAction:
    description: str
    agency: Agency
    owner_name: str
    due_on: datetime.date
    status: str
    status_label: str


@dataclass(frozen=True)
class MinutesItem:
    position: int
    person_label: str
    reason: str
    reason_label: str
    other_reasons: list[str]
    repeat: bool
    outcome: str | None
    outcome_label: str
    reasons: str
    review_on: datetime.date | None
    decided_by: list[Agency]
    actions: list[MinutesAction] = field(default_factory=list)


@dataclass(frozen=True)
class MinutesAttendee:
    agency: Agency
    name: str
    role_label: str
    present: bool
    by_deputy: bool


@dataclass(frozen=True)
class Minutes:
    meeting: Meeting
    panel_name: str
    held_on: datetime.date
    status: str
    attendance: list[MinutesAttendee]
    quorum: Quorum
    items: list[MinutesItem]


def minutes(meeting: Meeting) -> Minutes:
    """Everything the minutes show; never a person's sealed contact details or location."""
    raise NotImplementedError
