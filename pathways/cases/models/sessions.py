"""Sessions with the people a service works with: one-to-one, or in a group with its roster and its
facilitators, each with who attended; and the follow-ups after a case ends, with what was learned."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import ATTENDED, AttendanceStatus, FollowUpLearned, FollowUpWith, SessionStatus
from pathways.cases.models.case import Case, CaseTask
from pathways.core.access import Ownership
from pathways.core.readlog import PersonalData


class Group(models.Model):
    """A group run by a service: its name, when it starts and who facilitates it. It names no one by
    itself; who is in it is its roster (GroupMember), which is each member's case's."""

    ACCESS = Ownership(agencies=("service__agencies",))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="groups", verbose_name=_("service")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("starts"))
    # The service's slug where the region's file gives the service a programme, else blank.
    programme = models.CharField(_("programme"), max_length=60, blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="groups_facilitated",
        verbose_name=_("facilitators"),
    )
    roster = models.ManyToManyField(Case, through="GroupMember", related_name="groups", blank=True)
    is_active = models.BooleanField(_("running"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "name", "pk"]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return self.name


class GroupMember(PersonalData):
    """One case on a group's roster: personal data, read as the case is."""

    ACCESS = Ownership(agencies=("case__service__agencies",), side="case__person__side")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="group_memberships")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["group", "case"], name="one_place_per_group")]

    def __str__(self) -> str:
        return f"{self.group_id}: {self.case_id}"


class Session(PersonalData):
    """A session a service held (or planned, or cancelled): with one case, or with a group. It carries no
    name; who attended is its attendance, each row its case's."""

    ACCESS = Ownership(agencies=("service__agencies",))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="sessions", verbose_name=_("service")
    )
    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
        verbose_name=_("group"),
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("case")
    )
    # A session slug from the service's programme in the region's file, or blank for an ad-hoc session.
    programme_step = models.CharField(_("programme session"), max_length=60, blank=True)
    held_on = models.DateField(_("date"))
    starts_at = models.TimeField(_("start time"), null=True, blank=True)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="sessions_facilitated",
        verbose_name=_("facilitators"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.HELD
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "starts_at", "recorded_at", "pk"]
        constraints = [
            # A session is one-to-one (a case) or a group's, never both or neither.
            models.CheckConstraint(
                condition=(Q(group__isnull=True) & Q(case__isnull=False))
                | (Q(group__isnull=False) & Q(case__isnull=True)),
                name="session_one_to_one_or_group",
            )
        ]
        indexes = [models.Index(fields=["case", "programme_step"], name="session_case_step")]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.programme_step or 'ad-hoc'} {self.held_on}"


class Attendance(PersonalData):
    """Whether one case's person came to a session, and, when absent with a reason, the reason."""

    ACCESS = Ownership(agencies=("case__service__agencies",), side="case__person__side")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("attendance"), max_length=14, choices=AttendanceStatus.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session__held_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["session", "case"], name="one_attendance_per_case")]
        verbose_name = _("attendance")

    def __str__(self) -> str:
        return f"{self.session_id}: {self.case_id} {self.status}"

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED


class FollowUp(PersonalData):
    """A follow-up the region's file sets after a case ends (CLEAR's at six weeks), done: when, with whom,
    and what was learned, for the case's outcome."""

    ACCESS = Ownership(agencies=("case__service__agencies",), side="case__person__side")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    task = models.OneToOneField(CaseTask, on_delete=models.PROTECT, related_name="follow_up")
    slug = models.CharField(_("follow-up"), max_length=60)
    done_on = models.DateField(_("done on"))
    with_whom = models.CharField(_("with"), max_length=16, choices=FollowUpWith.choices)
    learned = models.CharField(_("what was learned"), max_length=20, choices=FollowUpLearned.choices)
    detail = models.CharField(_("in a few words"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["done_on", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.case_id} {self.slug}"
