from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pathways.core.access import Ownership
from pathways.core.models import TimeStampedModel, VersionedDataFile
from pathways.core.readlog import PersonalData


class InstrumentVersion(VersionedDataFile):
    """One version of an instrument's definition. Assessments keep the version they were made with."""

    instrument = models.SlugField(max_length=60)
    definition = models.JSONField()

    class Meta:
        ordering = ["instrument", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "version"], name="one_instrument_version")
        ]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.version}"


class Context(models.TextChoices):
    INTAKE = "intake", _("Intake")
    REVIEW = "review", _("Review")
    CLOSURE = "closure", _("Closure")
    MARAC = "marac", _("MARAC")
    SCREENING = "screening", _("Screening")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    COMPLETED = "completed", _("Completed")
    SUPERSEDED = "superseded", _("Corrected by a later version")


class Assessment(PersonalData, TimeStampedModel):
    """An assessment of a person with one version of an instrument.

    Completed assessments never change: a correction is a new assessment that supersedes it, with a reason.
    It is on the side of the family of the person assessed, whoever assessed them.
    """

    ACCESS = Ownership(agencies=("person__agencies",), side="person__side")

    # Not indexed on its own: the (person, status, assessed_on) index serves every lookup by person. Each
    # index here is one more write for every result a recompute changes.
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="assessments", db_index=False
    )
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(_("date of assessment"))
    context = models.CharField(_("context"), max_length=20, choices=Context.choices)
    status = models.CharField(max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    answers = models.JSONField(default=dict)
    results = models.JSONField(default=dict, help_text=_("Computed from the answers; never typed in."))
    narrative = models.TextField(_("assessor's narrative"), blank=True, max_length=8000)
    sources = models.TextField(_("sources of information"), blank=True, max_length=2000)
    completed_at = models.DateTimeField(null=True, blank=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    correction_reason = models.TextField(blank=True, max_length=2000)
    # Nothing is looked up by who created or last changed an assessment (users are deactivated, never
    # deleted), so these carry no index, for the same reason as person.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        indexes = [models.Index(fields=["person", "status", "assessed_on"])]

    def __str__(self) -> str:
        return f"{self.instrument_version} {self.assessed_on}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:detail", kwargs={"assessment_id": self.pk})


class RegionAssessmentSettings(VersionedDataFile):
    """A region's assessment settings (MARAC call-out threshold, re-assessment schedule), versioned."""

    region = models.ForeignKey(
        "directory.Region", on_delete=models.CASCADE, related_name="assessment_settings"
    )
    settings = models.JSONField()

    class Meta:
        ordering = ["region", "-version"]
        constraints = [models.UniqueConstraint(fields=["region", "version"], name="one_settings_version")]

    def __str__(self) -> str:
        return f"{self.region} v{self.version}"

    class NotLoaded(LookupError):
        """The region has no assessment settings: nothing may stand in for numbers it never chose."""

    @classmethod
    def latest(cls, region: Any) -> RegionAssessmentSettings:
        """The region's settings in force (a Region or its id)."""
        found = cls.objects.filter(region=region).first()
        if found is None:
            raise cls.NotLoaded(
                _(
                    "The region's assessment settings are not loaded: load its assessment.yaml with "
                    "manage.py load_instruments instruments/ regions/<region>/."
                )
            )
        return found

    @classmethod
    def repeat_window_months(cls, region: Any) -> int:
        """Calendar months after a MARAC referral in which a new incident is a repeat (marac section)."""
        return int(cls.latest(region).settings["marac"]["repeat_window_months"])


class ScreeningRound(PersonalData, TimeStampedModel):
    """A capacity-limited service choosing whom to take: the record that defends "why these, not those"."""

    ACCESS = Ownership(agencies=("agency",))

    service = models.ForeignKey("directory.Service", on_delete=models.PROTECT, related_name="screenings")
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="screenings")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("date"))
    places = models.PositiveIntegerField(_("places available"))
    notes = models.TextField(blank=True, max_length=4000)

    class Meta:
        ordering = ["-held_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.service} {self.held_on}"

    def get_absolute_url(self) -> str:
        return reverse("referrals:screening_detail", kwargs={"screening_id": self.pk})


class ScreeningCandidate(PersonalData):
    screening = models.ForeignKey(ScreeningRound, on_delete=models.CASCADE, related_name="candidates")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    taken = models.BooleanField()
    reason = models.TextField(max_length=2000, blank=True, help_text=_("Required for everyone not taken."))
    evidence = models.JSONField(
        default=dict, help_text=_("The judgements and risk factors shown at the time.")
    )

    class Meta:
        ordering = ["-taken", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "referral"], name="one_decision_per_referral")
        ]

    def __str__(self) -> str:
        return f"{self.screening_id}: {self.referral_id} {'taken' if self.taken else 'not taken'}"


class OperatorWording(models.Model):
    """The exact wording of a copyrighted instrument, loaded by an operator who holds the licence.

    Kept apart from the shipped definition (ids and neutral labels): it changes what the form shows, never
    how answers are scored.
    """

    instrument = models.SlugField(max_length=60, unique=True)
    wording = models.JSONField(help_text=_("Item id to {en, cy} text."))
    file_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.instrument
