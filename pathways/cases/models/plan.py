"""A case's plan: the goals the service works towards with the person, and the activities that serve them,
of three kinds (disrupt, support and behaviour change), each done by a named agency by a date.

An activity belongs to the agencies running the case's service and to the agency that does it, which finds
it on its Tasks; never across to a side of the family that agency may not see."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import ActivityKind, ActivityStatus, GoalStatus
from pathways.cases.models.case import Case, CaseworkRules
from pathways.core.access import Ownership
from pathways.core.readlog import PersonalData

GOAL_LENGTH = 500
DETAIL_LENGTH = 200


class Goal(PersonalData):
    """What the service and the person are working towards, in the service's words."""

    ACCESS = Ownership(agencies=("case__service__agencies",), side="case__person__side")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="goals", verbose_name=_("case"))
    description = models.CharField(_("goal"), max_length=GOAL_LENGTH)
    status = models.CharField(_("status"), max_length=12, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self) -> str:
        return f"goal {self.pk}"


class Activity(PersonalData):
    """One piece of work in the plan, from the region's catalogue, done by `owner` by `due_on`."""

    # The agency doing the work reads it (on its Tasks) as well as the service's, each on its own sides.
    ACCESS = Ownership(agencies=("case__service__agencies", "owner"), side="case__person__side")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="activities", verbose_name=_("case")
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("goal"),
    )
    # The catalogue entry's slug, in the version of the region's file it was planned under, which names it
    # and says whether it needs consent for as long as the activity lasts.
    activity = models.CharField(_("activity"), max_length=60)
    rules = models.ForeignKey(
        CaseworkRules, on_delete=models.PROTECT, related_name="+", verbose_name=_("casework rules")
    )
    # Copied from the catalogue when planned: a disrupt activity stays one whatever the file says later.
    kind = models.CharField(_("kind"), max_length=8, choices=ActivityKind.choices)
    owner = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="case_activities", verbose_name=_("done by")
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ActivityStatus.choices,
        default=ActivityStatus.PLANNED,
        db_index=True,
    )
    detail = models.CharField(_("detail"), max_length=DETAIL_LENGTH, blank=True)
    created_at = models.DateTimeField(_("planned"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "created_at", "pk"]
        # An owner's open activities (Tasks) and a page of cases' open activities (next actions).
        indexes = [
            models.Index(fields=["owner", "status"], name="case_activity_owner_status"),
            models.Index(fields=["case", "status"], name="case_activity_case_status"),
        ]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")

    def __str__(self) -> str:
        return f"{self.activity} {self.case_id}"
