from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pathways.directory.choices import EvaluationStatus, ServiceKind, ServiceStatus, Tier


class BilingualNameMixin:
    name_en: str
    name_cy: str

    @property
    def name(self) -> str:
        return self.name_cy if get_language() == "cy" and self.name_cy else self.name_en


class Region(BilingualNameMixin, models.Model):
    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200)
    as_at = models.DateField(
        _("described as at"), null=True, blank=True, help_text=_("The date the region file describes.")
    )
    source = models.TextField(_("source"), blank=True)
    # The gap map's windows, from the region file's `gap_map` section.
    funding_ends_within_months = models.PositiveIntegerField(_("funding warning, months ahead"))
    closed_within_months = models.PositiveIntegerField(_("closed services shown, months back"))
    # The agency (by slug) that takes every self-referral and all unmet need: the file's `intake.team`.
    intake_team = models.SlugField(_("intake team (agency)"), blank=True)
    file_sha256 = models.CharField(max_length=64, help_text=_("Checksum of the region file last loaded."))
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name_en


class Area(BilingualNameMixin, models.Model):
    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="areas")
    in_region = models.BooleanField(
        _("in the region"), default=True, help_text=_("False for neighbouring areas named for context.")
    )
    position = models.PositiveIntegerField(default=0)
    # The table keeps the name it had when agencies held this link.
    agencies = models.ManyToManyField(
        "accounts.Agency", related_name="areas", db_table="accounts_agency_areas", verbose_name=_("agencies")
    )

    class Meta:
        ordering = ["-in_region", "position", "slug"]

    def __str__(self) -> str:
        return self.name_en


class Provider(BilingualNameMixin, models.Model):
    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="providers")

    class Meta:
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name_en


class Service(BilingualNameMixin, models.Model):
    """A service as the region file describes it.

    List-valued eligibility fields are JSON lists of choice values; null means the source does not say,
    which the gap map treats as "not known to serve" rather than guessing.
    """

    slug = models.SlugField(unique=True)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="services")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="services")
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200)
    summary_en = models.TextField(_("summary (English)"))
    summary_cy = models.TextField(_("summary (Welsh)"))
    tier = models.CharField(_("tier"), max_length=32, choices=Tier.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=ServiceKind.choices)
    areas = models.ManyToManyField(Area, related_name="services")
    genders = models.JSONField(_("genders served"), null=True, blank=True)
    relationship_types = models.JSONField(_("relationship types"), null=True, blank=True)
    age_min = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    children_required = models.BooleanField(_("children in the family required"), null=True, blank=True)
    languages = models.JSONField(_("languages"), null=True, blank=True)
    formats = models.JSONField(_("formats"), null=True, blank=True)
    outside_working_hours = models.BooleanField(_("sessions outside working hours"), null=True, blank=True)
    accessible = models.BooleanField(_("adapted for disabled people"), null=True, blank=True)
    accessibility_note_en = models.TextField(blank=True)
    accessibility_note_cy = models.TextField(blank=True)
    referral_routes = models.JSONField(_("referral routes"), default=list)
    partner_details_required = models.BooleanField(
        _("partner contact details required"), null=True, blank=True
    )
    partner_support_service = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supports"
    )
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    waiting_weeks = models.DecimalField(
        _("current wait (weeks)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    funding_end = models.DateField(_("funding ends"), null=True, blank=True)
    evaluation_status = models.CharField(_("evaluation"), max_length=32, choices=EvaluationStatus.choices)
    evaluation_note_en = models.TextField(blank=True)
    evaluation_note_cy = models.TextField(blank=True)
    status = models.CharField(_("status"), max_length=32, choices=ServiceStatus.choices)
    status_since = models.DateField(_("status since"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, help_text=_("Where the facts come from."))
    # Which agencies run the service is an account administrator's record, not the region file's: the
    # service's referrals go to them. The table keeps the name it had when agencies held this link.
    agencies = models.ManyToManyField(
        "accounts.Agency",
        blank=True,
        related_name="services",
        db_table="accounts_agency_services",
        verbose_name=_("agencies that run it"),
        help_text=_("Referrals to these services are sent to this agency."),
    )

    class Meta:
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_min__lte=models.F("age_max")),
                name="service_age_range_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name_en

    def get_absolute_url(self) -> str:
        return reverse("directory:service_detail", kwargs={"slug": self.slug})

    @property
    def summary(self) -> str:
        return self.summary_cy if get_language() == "cy" and self.summary_cy else self.summary_en

    @property
    def evaluation_note(self) -> str:
        return (
            self.evaluation_note_cy
            if get_language() == "cy" and self.evaluation_note_cy
            else self.evaluation_note_en
        )

    @property
    def accessibility_note(self) -> str:
        if get_language() == "cy" and self.accessibility_note_cy:
            return self.accessibility_note_cy
        return self.accessibility_note_en


class ServiceStatusChange(models.Model):
    """One period in a service's life: pilot, active, decommissioned. The last one is the current status."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=32, choices=ServiceStatus.choices)
    started_on = models.DateField(null=True, blank=True)
    note_en = models.TextField(blank=True)
    note_cy = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(help_text=_("Order in the region file; the last is current."))

    class Meta:
        ordering = ["service", "position"]

    def __str__(self) -> str:
        return f"{self.service} {self.status} {self.started_on}"

    @property
    def note(self) -> str:
        return self.note_cy if get_language() == "cy" and self.note_cy else self.note_en
