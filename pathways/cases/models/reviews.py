"""A case's reviews: the service's own internal reviews and multi-agency reviews, each due at the region's
interval, and the review at the panel that referred the person once his case ends."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import AdviserRole, ReviewDecision, ReviewKind
from pathways.core.access import Ownership
from pathways.core.readlog import PersonalData

OUTCOME_MAX = 4000


class CaseReview(PersonalData):
    """One review of a case: due (held_on empty) until it is held, then what it found and decided. The next
    review of the same kind is due at the region's interval from the day this one was held."""

    ACCESS = Ownership(agencies=("case__service__agencies",), side="case__person__side")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="reviews", verbose_name=_("case")
    )
    kind = models.CharField(_("kind of review"), max_length=20, choices=ReviewKind.choices)
    due_on = models.DateField(_("due"))
    held_on = models.DateField(_("held"), null=True, blank=True)
    chaired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chaired by"),
    )
    agencies = models.ManyToManyField(
        "accounts.Agency", blank=True, related_name="+", verbose_name=_("agencies attending")
    )
    outcome = models.TextField(_("outcome"), max_length=OUTCOME_MAX, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=ReviewDecision.choices, blank=True)
    next_review_on = models.DateField(_("next review due"), null=True, blank=True)
    # The task on the case worker's (or, for a panel without a meeting planned, the coordinator's) list.
    task = models.ForeignKey(
        "cases.CaseTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A post-intervention review: the panel decision that referred him, and the item hearing it again.
    panel_decision = models.ForeignKey(
        "panels.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agenda_item = models.ForeignKey(
        "panels.AgendaItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(held_on__isnull=True), name="one_review_due_per_kind"
            )
        ]
        indexes = [models.Index(fields=["case", "kind", "held_on"], name="case_review_kind_held")]
        verbose_name = _("case review")
        verbose_name_plural = _("case reviews")

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id} {self.due_on}"


class ReviewAdviser(PersonalData):
    """A forensic psychologist, psychiatrist or other expert the review names as advising it."""

    ACCESS = Ownership(agencies=("review__case__service__agencies",), side="review__case__person__side")

    review = models.ForeignKey(CaseReview, on_delete=models.CASCADE, related_name="advisers")
    name = models.CharField(_("adviser's name"), max_length=200)
    role = models.CharField(_("adviser's role"), max_length=24, choices=AdviserRole.choices)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)

    class Meta:
        ordering = ["review", "pk"]
        verbose_name = _("adviser to a review")
        verbose_name_plural = _("advisers to reviews")

    def __str__(self) -> str:
        return self.name
