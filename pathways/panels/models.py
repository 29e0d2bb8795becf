"""Panels (MARAC, MATAC, perpetrator panels, daily discussions), the police data RFG scoring reads, and the
record of each meeting: agenda, attendance, decisions, actions and what each agency shared."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
)

# --- Police data and RFG scoring ------------------------------------------------------------------------


class RecordKind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    CRIME = "crime", _("Crime")


class PoliceExtract(models.Model):
    """One import of a police extract: what it held and what it changed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    region = models.ForeignKey("directory.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return self.name


class PoliceRecord(PersonalData):
    """A domestic abuse incident or crime from a police extract, keyed by the force's own reference."""

    id = models.BigAutoField(primary_key=True)
    region = models.ForeignKey("directory.Region", on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("police reference"), max_length=50)
    kind = models.CharField(_("incident or crime"), max_length=10, choices=RecordKind.choices)
    occurred_on = models.DateField(_("date"))
    # Days since 1970-01-01: recency is plain integer arithmetic in SQL on every database engine.
    occurred_day = models.IntegerField()
    offence = models.CharField(_("offence or incident type"), max_length=60)
    perpetrator_ref = models.CharField(_("perpetrator reference"), max_length=50)
    perpetrator_born_on = models.DateField(_("perpetrator's date of birth"), null=True, blank=True)
    victim_ref = models.CharField(_("victim reference"), max_length=50)
    relationship = models.CharField(_("relationship"), max_length=40, blank=True)
    area = models.ForeignKey(
        "directory.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    weapon = models.BooleanField(_("weapon"), default=False)
    injury = models.BooleanField(_("injury"), default=False)
    children_present = models.BooleanField(_("children present"), default=False)
    substance_misuse = models.BooleanField(_("substance misuse"), default=False)
    mental_health = models.BooleanField(_("mental health"), default=False)
    perpetrator = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    victim = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    row_sha256 = models.CharField(max_length=64)
    extract = models.ForeignKey(PoliceExtract, on_delete=models.PROTECT, related_name="records")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "reference"], name="one_police_reference")]
        indexes = [
            models.Index(fields=["region", "occurred_day"]),
            models.Index(fields=["perpetrator_ref"]),
        ]

    def __str__(self) -> str:
        return self.reference


class RfgModelVersion(models.Model):
    """A region's RFG weights, bands and gravity table, versioned: every score keeps the version it used."""

    region = models.ForeignKey("directory.Region", on_delete=models.CASCADE, related_name="rfg_models")
    version = models.PositiveIntegerField()
    settings = models.JSONField()
    file_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["region", "-version"]
        constraints = [models.UniqueConstraint(fields=["region", "version"], name="one_rfg_version")]

    def __str__(self) -> str:
        return f"{self.region} RFG v{self.version}"


class RfgRun(models.Model):
    """One scoring of the police records in a window with one model version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    region = models.ForeignKey("directory.Region", on_delete=models.PROTECT, related_name="+")
    model = models.ForeignKey(RfgModelVersion, on_delete=models.PROTECT, related_name="runs")
    window_start = models.DateField()
    window_end = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    records = models.PositiveIntegerField(default=0)
    scored = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"RFG {self.window_start} to {self.window_end}"


class RfgScore(PersonalData):
    """A person's score in one area for one run, with the parts that make it up (points that sum to it).

    Written only by the scoring query, a few million rows at a time. The database checks no foreign key
    of these rows and keeps one index besides the key, for the ranking: row-by-row key checks and more
    indexes cost more than the scoring itself. The query takes every value from rows that are checked, and
    Django still cascades, protects and nulls them on delete."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(
        RfgRun, on_delete=models.CASCADE, related_name="scores", db_constraint=False, db_index=False
    )
    perpetrator_ref = models.CharField(max_length=50)
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    area = models.ForeignKey(
        "directory.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    score = models.FloatField()
    recency = models.FloatField()
    frequency = models.FloatField()
    gravity = models.FloatField()
    victims = models.FloatField()
    records = models.PositiveIntegerField()
    victim_count = models.PositiveIntegerField()
    harm = models.FloatField(help_text=_("Summed harm weight of the records in the window."))
    last_on = models.DateField()
    serial = models.BooleanField(default=False)
    rank = models.PositiveIntegerField(help_text=_("Position in the area, 1 being the highest score."))

    class Meta:
        ordering = ["run", "area", "rank"]
        indexes = [models.Index(fields=["run", "area", "rank"])]

    def __str__(self) -> str:
        return f"{self.perpetrator_ref}: {self.score:.1f}"


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
    rfg_run = models.ForeignKey(RfgRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
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
    rfg_score = models.ForeignKey(RfgScore, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
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
    review_on = models.DateField(_("review the case on"), null=True, blank=True)
    decided_by = models.ManyToManyField(
        "accounts.Agency",
        related_name="+",
        verbose_name=_("agencies present when the panel decided"),
        help_text=_("Kept as they were at the time, whatever attendance later says."),
    )


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
