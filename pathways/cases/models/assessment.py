"""Assessment in a case: which of the person's assessments (made in the assessments app) the case counts as
its intake, during-the-work and closure assessments, and the risk other agencies see."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import AgencyRisk, AssessmentStage
from pathways.cases.models.case import Case
from pathways.core.access import Ownership
from pathways.core.readlog import PersonalData


class CaseAssessment(PersonalData):
    """One of the person's assessments, counted by the case at a stage of its work. The stage is kept
    rather than read from the assessment's own context: that is why the assessor did it (a MARAC, a
    screening), an assessment made before the case opened may be its intake, and which assessment is the
    case's first is the case's question, not the assessment's."""

    ACCESS = Ownership(agencies=("case__service__agencies",), side="case__person__side")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="assessment_links", verbose_name=_("case")
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.PROTECT,
        related_name="case_links",
        verbose_name=_("assessment"),
    )
    stage = models.CharField(_("stage"), max_length=8, choices=AssessmentStage.choices)
    # Who linked it: nobody when it was linked as it was completed.
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "assessment"], name="one_link_per_case_assessment")
        ]
        verbose_name = _("case assessment")
        verbose_name_plural = _("case assessments")

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.assessment_id}"


class AgencyView(PersonalData):
    """What another agency (police, probation, children's services, the partner's support service) sees of
    the risk, when it said so, and in a few words why. On the case of the person who uses abuse it is his
    side's record: its summary never holds a partner's or child's sealed details."""

    ACCESS = Ownership(agencies=("case__service__agencies",), side="case__person__side")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="agency_views", verbose_name=_("case")
    )
    # The assessment the view was given for, where it was.
    assessment = models.ForeignKey(
        "assessments.Assessment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("assessment"),
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    risk = models.CharField(_("risk they see"), max_length=10, choices=AgencyRisk.choices)
    summary = models.TextField(_("summary"), max_length=2000)
    given_on = models.DateField(_("date given"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["given_on", "recorded_at", "pk"]
        verbose_name = _("agency's view")
        verbose_name_plural = _("agencies' views")

    def __str__(self) -> str:
        return f"{self.case_id} {self.agency_id} {self.risk}"
