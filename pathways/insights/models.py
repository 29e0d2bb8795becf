"""Data-sharing agreements with evaluation partners (a university evaluating a programme): who, for what,
on what lawful basis and until when. An evaluation extract is produced only under one in force. An
agreement names organisations and their contacts, never a person in a family."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LawfulBasis(models.TextChoices):
    """UK GDPR Article 6: the bases an evaluation can rest on."""

    PUBLIC_TASK = "public_task", _("Public task (Article 6(1)(e))")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests (Article 6(1)(f))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (Article 6(1)(c))")


class SharingAgreement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(_("agreement reference"), max_length=40, unique=True)
    partner = models.CharField(_("evaluation partner"), max_length=200)
    contact = models.CharField(_("partner's named contact"), max_length=200)
    purpose = models.TextField(_("purpose"), max_length=2000)
    lawful_basis = models.CharField(_("lawful basis"), max_length=24, choices=LawfulBasis.choices)
    # Article 9 and the DPA 2018 Schedule 1 condition for the special-category data an extract holds.
    special_category_condition = models.CharField(_("special category condition"), max_length=300)
    starts_on = models.DateField(_("in force from"))
    expires_on = models.DateField(_("expires"))
    region = models.ForeignKey("directory.Region", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "reference"]
        verbose_name = _("data-sharing agreement")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gte=models.F("starts_on")),
                name="agreement_expires_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.partner})"

    def in_force(self, day: object) -> bool:
        return self.starts_on <= day <= self.expires_on  # type: ignore[operator]


class Extract(models.Model):
    """One extract produced under an agreement: when, by whom, and how many rows. The key its pseudonyms
    were made with is not kept: an extract's pseudonyms match no other extract's."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agreement = models.ForeignKey(SharingAgreement, on_delete=models.PROTECT, related_name="extracts")
    produced_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    produced_at = models.DateTimeField(default=timezone.now)
    cases = models.PositiveIntegerField(default=0)
    referrals = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-produced_at"]

    def __str__(self) -> str:
        return f"{self.agreement.reference} {self.produced_at:%Y-%m-%d}"


class Scenario(models.Model):
    """A service a commissioner drafted, re-triaged against the region's past referrals and simulated:
    its inputs, the triage rules' version it was run under and its results, kept as they were. It names
    no one: its results are counts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey("directory.Region", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    draft = models.JSONField()
    starts_on = models.DateField(_("referrals from"))
    ends_on = models.DateField(_("referrals to"))
    triage_rules = models.ForeignKey("referrals.TriageRuleSet", on_delete=models.PROTECT, related_name="+")
    results = models.JSONField()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("scenario")

    def __str__(self) -> str:
        return self.name
