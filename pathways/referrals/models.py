from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from pathways.core.access import Ownership
from pathways.core.models import TimeStampedModel, VersionedDataFile
from pathways.core.readlog import PersonalData
from pathways.directory.choices import ReferralRoute
from pathways.referrals.choices import ReferralKind, RiskLevel, Status, Transition


class Referral(PersonalData, TimeStampedModel):
    """A request for a service for one person. Its history is its events; its status is the latest one.

    It belongs to the agency that made it and to the agencies running the service it was sent to, on the
    side of the family of the person it is for.
    """

    ACCESS = Ownership(agencies=("referring_agency", "service__agencies"), side="person__side")

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ReferralKind.choices, default=ReferralKind.PERPETRATOR
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The partner or ex-partner the referral is about, if any."),
    )
    route = models.CharField(_("route"), max_length=20, choices=ReferralRoute.choices)
    referring_agency = models.ForeignKey(
        "accounts.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
        help_text=_("Empty for self-referrals."),
    )
    reason = models.TextField(_("reason for referral"), max_length=4000)
    risk_level = models.CharField(_("known risk"), max_length=20, choices=RiskLevel.choices)
    risk_notes = models.TextField(_("what is known of the risk"), blank=True, max_length=4000)
    been_to_marac = models.BooleanField(_("has been to MARAC"), default=False)
    consent_to_contact = models.BooleanField(_("consents to be contacted"), default=False)
    children_in_family = models.BooleanField(_("children in the family"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    service = models.ForeignKey(
        "directory.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("service"),
    )
    tier_needed = models.CharField(
        _("tier needed"),
        max_length=32,
        blank=True,
        help_text=_("For unmet need: the tier that would have fitted."),
    )
    triage = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("What triage showed when the service was chosen: options and reasons."),
    )
    unmet_reasons = models.JSONField(default=list, blank=True)
    linked_referral = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_referrals",
        help_text=_("For a partner's referral: the referral of the person who uses abuse that triggered it."),
    )
    previous_referral = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_referrals",
        help_text=_("For a step up or down: the referral to the service the person is moving from."),
    )
    transition = models.CharField(max_length=20, choices=Transition.choices, blank=True)
    handover_note = models.TextField(_("handover note"), blank=True, max_length=4000)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "service"]),
            models.Index(fields=["status", "tier_needed"]),
            # Lists show the newest first: without it each list sorts every referral to find them.
            models.Index(fields=["-created_at"], name="referral_newest_first"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("referrals:detail", kwargs={"referral_id": self.pk})


class ReferralEvent(PersonalData):
    """One step in a referral's life: who moved it to which status, when, and why."""

    ACCESS = Ownership(
        agencies=("referral__referring_agency", "referral__service__agencies"), side="referral__person__side"
    )

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Status.choices)
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.status} {self.at}"


class TriageRuleSet(VersionedDataFile):
    """A version of a region's triage rules. Each triage keeps the version it used."""

    region = models.ForeignKey("directory.Region", on_delete=models.CASCADE, related_name="triage_rules")
    rules = models.JSONField()

    class Meta:
        ordering = ["region", "-version"]
        constraints = [models.UniqueConstraint(fields=["region", "version"], name="one_triage_version")]

    def __str__(self) -> str:
        return f"{self.region} v{self.version}"
