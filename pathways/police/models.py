"""Police data and RFG scoring: the records a force's extract holds, each import of one, the region's RFG
model versions and the scores each run gives. They never touch a meeting: the MATAC reads the ranking.

The tables keep the names they had when this lived with the panels, so moving the code moved no data."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pathways.core.models import VersionedDataFile
from pathways.core.readlog import PersonalData


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
        db_table = "panels_policeextract"
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
        db_table = "panels_policerecord"
        constraints = [models.UniqueConstraint(fields=["region", "reference"], name="one_police_reference")]
        indexes = [
            models.Index(fields=["region", "occurred_day"]),
            models.Index(fields=["perpetrator_ref"]),
            # Who he has harmed, for tracing: found by his record, not his reference.
            models.Index(fields=["perpetrator"], name="police_record_perpetrator"),
        ]

    def __str__(self) -> str:
        return self.reference


class RfgModelVersion(VersionedDataFile):
    """A region's RFG weights, bands and gravity table, versioned: every score keeps the version it used."""

    region = models.ForeignKey("directory.Region", on_delete=models.CASCADE, related_name="rfg_models")
    settings = models.JSONField()

    class Meta:
        db_table = "panels_rfgmodelversion"
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
        db_table = "panels_rfgrun"
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
        db_table = "panels_rfgscore"
        ordering = ["run", "area", "rank"]
        indexes = [models.Index(fields=["run", "area", "rank"])]

    def __str__(self) -> str:
        return f"{self.perpetrator_ref}: {self.score:.1f}"
