"""Panels (MARAC, MATAC, perpetrator panels, daily discussions) and the record of each meeting: agenda,
attendance, decisions, actions and what each agency shared."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pathways.assessments.models import RegionAssessmentSettings
from pathways.core.access import Ownership, Side
from pathways.core.models import TimeStampedModel
from pathways.core.readlog import PersonalData
from pathways.directory.models import BilingualNameMixin
from pathways.panels.choices import (
    ActionStatus,
    AgendaReason,
    LawfulBasis,
    MeetingStatus,
    MemberRole,
    Outcome,
    PanelKind,
    agenda_reason_label,
    outcome_label,
)

# --- Panels and meetings --------------------------------------------------------------------------------


class Panel(BilingualNameMixin, TimeStampedModel):
    """A panel. Its record is read by the people holding its seats (and their deputies), not by agencies."""

    ACCESS = Ownership(seats="members")

    region = models.ForeignKey("directory.Region", on_delete=models.PROTECT, related_name="panels")
    slug = models.SlugField(_("key in the region's panels file"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=PanelKind.choices)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200)
    areas = models.ManyToManyField("directory.Area", related_name="panels", verbose_name=_("areas"))
    every_days = models.PositiveIntegerField(_("meets every (days)"))
    quorum = models.PositiveIntegerField(_("agencies needed for a quorum"), default=3)
    top_n = models.PositiveIntegerField(_("highest RFG scores per area on each agenda"), default=4)
    screening_service = models.ForeignKey(
        "directory.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("capacity-limited service the panel refers to"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["region", "kind", "name_en"]
        constraints = [models.UniqueConstraint(fields=["region", "slug"], name="one_panel_slug")]

    def outcome_label(self, outcome: str) -> str:
        service = self.screening_service
        return outcome_label(outcome, screened_service_name=service.name if service else None)

    def outcome_choices(self) -> list[tuple[str, str]]:
        """The decisions open to this panel: a referral to its screened service only if it has one."""
        return [
            (value, self.outcome_label(value))
            for value in Outcome.values
            if value != Outcome.REFER_SCREENED or self.screening_service_id is not None
        ]

    def __str__(self) -> str:
        return self.name_en


class PanelMember(models.Model):
    """A seat: a named person of an agency, with a named deputy from the same agency."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="panel_seats")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_seats")
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="panel_deputies",
    )
    role = models.CharField(_("role"), max_length=12, choices=MemberRole.choices, default=MemberRole.MEMBER)

    class Meta:
        ordering = ["panel", "role", "agency"]
        constraints = [models.UniqueConstraint(fields=["panel", "user"], name="one_seat_per_user")]

    def __str__(self) -> str:
        return f"{self.user} ({self.agency})"


class Meeting(TimeStampedModel):
    ACCESS = Ownership(seats="panel__members", attendance="attendance")

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("date"))
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    rfg_run = models.ForeignKey(
        "police.RfgRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agenda_built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-held_on"]
        constraints = [models.UniqueConstraint(fields=["panel", "held_on"], name="one_meeting_a_day")]


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("attended"), default=False)
    by_deputy = models.BooleanField(_("deputy attended"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="one_attendance")]

    def __str__(self) -> str:
        return f"{self.member}: {self.present}"


class RfgNomination(PersonalData, TimeStampedModel):
    """A partner agency referring someone into the RFG list for a panel's next meeting."""

    ACCESS = Ownership(agencies=("agency",), seats="panel__members", side="person__side", at_the_table=True)

    panel = models.ForeignKey(Panel, on_delete=models.PROTECT, related_name="nominations")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("why this person should be discussed"), max_length=4000)
    heard_at = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at"]


class AgendaItem(PersonalData, TimeStampedModel):
    """One person on one meeting's agenda, for the strongest of their reasons (the others noted).

    Someone found only in police data (RFG) has no Pathways person record: the item then names them by the
    police's perpetrator reference alone, and a person record is made only if the panel takes the case on.
    The panel's seats read it, on the sides of a family their agency may see: a victim's case at a MARAC
    is not shown to a perpetrator service's seat.
    """

    ACCESS = Ownership(
        seats="meeting__panel__members",
        side="person__side",
        side_when_none=Side.PERPETRATOR,
        at_the_table=True,
    )

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="agenda_items"
    )
    police_reference = models.CharField(
        _("police perpetrator reference"),
        max_length=50,
        blank=True,
        help_text=_("Names the person when there is no person record; required then."),
    )
    reason = models.CharField(_("why on the agenda"), max_length=20, choices=AgendaReason.choices)
    other_reasons = models.JSONField(
        default=list, blank=True, help_text=_("The other reasons the person is on the agenda, by value.")
    )
    position = models.PositiveIntegerField()
    repeat = models.BooleanField(_("repeat case"), default=False)
    assessment = models.ForeignKey(
        "assessments.Assessment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rfg_score = models.ForeignKey(
        "police.RfgScore", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    nomination = models.ForeignKey(
        RfgNomination, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_of = models.ForeignKey(
        "Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="reviews"
    )
    referring_agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="once_per_agenda"),
            models.UniqueConstraint(
                fields=["meeting", "police_reference"],
                condition=models.Q(person__isnull=True),
                name="police_reference_once_per_agenda",
            ),
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | ~models.Q(police_reference=""),
                name="agenda_item_names_someone",
            ),
        ]

    def reason_labels(self) -> list[str]:
        """Why the person is on the agenda, the main reason first, a repeat with the region's window."""
        reasons = [self.reason, *self.other_reasons]
        months = (
            RegionAssessmentSettings.repeat_window_months(self.meeting.panel.region_id)
            if AgendaReason.REPEAT in reasons
            else 0
        )
        return [agenda_reason_label(reason, repeat_window_months=months) for reason in reasons]

    @property
    def reason_label(self) -> str:
        return self.reason_labels()[0]


class Decision(PersonalData, TimeStampedModel):
    """The panel's decision on an agenda item: made by the panel, never by one agency."""

    ACCESS = Ownership(
        seats="item__meeting__panel__members",
        side="item__person__side",
        side_when_none=Side.PERPETRATOR,
        at_the_table=True,
    )

    item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="decision")
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices)
    reasons = models.TextField(_("reasons"), max_length=4000)
    screening = models.ForeignKey(
        "assessments.ScreeningRound", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # For a referral to the panel's screened service made without a screening record: the referral the
    # decision made (or found open already), which the service then screens.
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_on = models.DateField(_("review the case on"), null=True, blank=True)
    decided_by = models.ManyToManyField(
        "accounts.Agency",
        related_name="+",
        verbose_name=_("agencies present when the panel decided"),
        help_text=_("Kept as they were at the time, whatever attendance later says."),
    )

    @property
    def outcome_label(self) -> str:
        # The screening record names the service the person was referred to, even if the panel's
        # screened service changes later.
        if self.outcome == Outcome.REFER_SCREENED and self.screening is not None:
            return outcome_label(self.outcome, screened_service_name=self.screening.service.name)
        return self.item.meeting.panel.outcome_label(self.outcome)


class Action(PersonalData, TimeStampedModel):
    """Work a panel set for one of its member agencies. The agency owns it whichever side of the family the
    case is on: a perpetrator service reads its own actions on a victim's case as the policy's crossing
    "panel_action" allows, never whose case it is."""

    ACCESS = Ownership(
        agencies=("agency",),
        seats="item__meeting__panel__members",
        side="item__person__side",
        side_when_none=Side.PERPETRATOR,
        at_the_table=True,
        agencies_on_any_side=True,
    )
    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="actions")
    description = models.TextField(_("action"), max_length=2000)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="panel_actions")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="panel_actions",
    )
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    completed_on = models.DateField(null=True, blank=True)
    last_chased_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on"]
        indexes = [models.Index(fields=["status", "due_on"])]


class Disclosure(PersonalData, TimeStampedModel):
    """What one agency shared at the table about an agenda item, and the lawful basis it shared on."""

    ACCESS = Ownership(
        seats="item__meeting__panel__members",
        side="item__person__side",
        side_when_none=Side.PERPETRATOR,
        at_the_table=True,
    )

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="disclosures")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    information = models.TextField(_("information shared"), max_length=8000)
    lawful_basis = models.CharField(_("lawful basis"), max_length=24, choices=LawfulBasis.choices)

    class Meta:
        ordering = ["created_at"]
