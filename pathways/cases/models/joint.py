"""Joint case meetings: a service working with men who use abuse and the support service for their
partners meet on the region's cadence (CLEAR and RISE fortnightly, section 4.2) to discuss each pair of
linked open cases.

A meeting names no one. Each item on its agenda is on his side (`JointItem`: his case and the minute both
services read, checked for her sealed details when typed and shown); what the support service alone reads
is on hers (`JointItemHer`: her case and its minute). The service working with him never reads the second."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import JointMeetingStatus
from pathways.core.access import Ownership
from pathways.core.models import TimeStampedModel
from pathways.core.readlog import PersonalData

_BOTH_SERVICES = ("perpetrator_service__agencies", "support_service__agencies")


class JointMeeting(TimeStampedModel):
    """One joint case meeting between two linked services, under the region's `joint_meetings` entry."""

    ACCESS = Ownership(agencies=_BOTH_SERVICES)

    # The region's entry (casework.yaml `joint_meetings`) the meeting is held under.
    slug = models.SlugField(max_length=60)
    perpetrator_service = models.ForeignKey(
        "directory.Service",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service working with him"),
    )
    support_service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("support service")
    )
    held_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=10, choices=JointMeetingStatus.choices, default=JointMeetingStatus.PLANNED
    )
    agenda_built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "pk"]
        constraints = [models.UniqueConstraint(fields=["slug", "held_on"], name="one_joint_meeting_a_day")]
        verbose_name = _("joint case meeting")
        verbose_name_plural = _("joint case meetings")

    def __str__(self) -> str:
        return f"{self.slug} {self.held_on}"


class JointItem(PersonalData):
    """His case on a joint meeting's agenda, and the minute both services read."""

    ACCESS = Ownership(
        agencies=tuple(f"meeting__{path}" for path in _BOTH_SERVICES), side="his_case__person__side"
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="items")
    his_case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="joint_items")
    position = models.PositiveSmallIntegerField()
    shared_minute = models.TextField(_("minute both services read"), blank=True, max_length=4000)
    minuted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    minuted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "position"]
        verbose_name = _("joint meeting item")

    def __str__(self) -> str:
        return f"{self.meeting_id} #{self.position}"


class JointItemHer(PersonalData):
    """Her case beside his on the agenda, and the minute only her support service reads."""

    ACCESS = Ownership(agencies=("item__meeting__support_service__agencies",), side="her_case__person__side")

    item = models.OneToOneField(JointItem, on_delete=models.CASCADE, related_name="hers")
    her_case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    support_minute = models.TextField(_("minute for the support service only"), blank=True, max_length=4000)
    minuted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    minuted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("joint meeting item, support service's part")

    def __str__(self) -> str:
        return f"{self.item_id} hers"


class JointAction(PersonalData):
    """An action agreed at a joint meeting about his case, for one of the two services: on his side, read
    by both and on the Tasks of the service doing it. Its text is checked for her sealed details when typed
    and shown."""

    ACCESS = Ownership(
        agencies=tuple(f"item__meeting__{path}" for path in _BOTH_SERVICES),
        side="item__his_case__person__side",
    )

    item = models.ForeignKey(JointItem, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("action"), max_length=500)
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("for")
    )
    due_on = models.DateField(_("due"))
    task = models.OneToOneField(
        "cases.CaseTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="joint_action"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "created_at", "pk"]
        verbose_name = _("joint meeting action")

    def __str__(self) -> str:
        return f"{self.item_id} action"
