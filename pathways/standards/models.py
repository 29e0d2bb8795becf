"""Service standards: the loaded standards files, reviews of a service against one of their checklists,
each item's rating, accreditations as recorded facts, and the tasks a review sets.

None of these is about a person who uses abuse or a person he harms: they are about services, on neither
side of a family. A review names who reviewed; its findings are about the service."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.core.access import Ownership
from pathways.core.models import VersionedDataFile
from pathways.standards.choices import (
    AccreditationScheme,
    Rating,
    ReviewKind,
    ReviewStatus,
    StandardsTaskKind,
    StandardsTaskStatus,
)

# A service's records belong to the agencies running it; commissioners read every service's by their
# role's permission (see the policy's STANDARDS_ALL).
_SERVICE = Ownership(agencies=("service__agencies",))


class StandardsVersion(VersionedDataFile):
    """One loaded version of a standards file (standards/<slug>.yaml)."""

    slug = models.SlugField(max_length=60)
    rules = models.JSONField()

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="one_standards_version")]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"


class StandardsReview(models.Model):
    """A review of one service against one checklist, by a commissioner, the service itself or an
    independent reviewer; kept once completed, so that a service's reviews are its history."""

    ACCESS = _SERVICE

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        "directory.Service", on_delete=models.CASCADE, related_name="standards_reviews"
    )
    standards = models.ForeignKey(StandardsVersion, on_delete=models.PROTECT, related_name="+")
    checklist = models.SlugField(max_length=60)
    kind = models.CharField(_("kind of review"), max_length=20, choices=ReviewKind.choices)
    status = models.CharField(max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    reviewer = models.CharField(_("who reviewed"), max_length=200)
    reviewed_on = models.DateField(_("date of the review"))
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["service", "-reviewed_on", "-created_at"]
        indexes = [models.Index(fields=["service", "status", "reviewed_on"], name="review_service_status")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.checklist} {self.reviewed_on}"

    def get_absolute_url(self) -> str:
        return reverse("standards:review", kwargs={"review_id": self.pk})


class ReviewItem(models.Model):
    """One checklist item of a review: its rating, the findings and what they rest on."""

    ACCESS = Ownership(agencies=("review__service__agencies",))

    review = models.ForeignKey(StandardsReview, on_delete=models.CASCADE, related_name="items")
    item = models.CharField(max_length=60)
    rating = models.CharField(max_length=20, choices=Rating.choices, default=Rating.NOT_ASSESSED)
    findings = models.TextField(_("findings"), blank=True)
    # Slugs of the standards file's evidence sources (interviews, documentation, ...).
    evidence = models.JSONField(default=list, blank=True)
    # For an Amber item: the date agreed with the service by which it is looked at again.
    review_by = models.DateField(_("review by"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review", "pk"]
        constraints = [models.UniqueConstraint(fields=["review", "item"], name="one_rating_per_item")]

    def __str__(self) -> str:
        return f"{self.item}: {self.rating}"


class Accreditation(models.Model):
    """A service's accreditation (Respect, CSAAP) as a recorded fact with its dates: never inferred from a
    review."""

    ACCESS = _SERVICE

    service = models.ForeignKey("directory.Service", on_delete=models.CASCADE, related_name="accreditations")
    scheme = models.CharField(_("scheme"), max_length=20, choices=AccreditationScheme.choices)
    awarded_on = models.DateField(_("date awarded"))
    expires_on = models.DateField(_("date it expires"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["service", "-awarded_on"]

    def __str__(self) -> str:
        return f"{self.service_id} {self.scheme} {self.awarded_on}"


class StandardsTask(models.Model):
    """What a review asks of the service's agency: an Amber item to review by its agreed date, or a
    reassessment after a Red one. Shown on the agency's Tasks."""

    ACCESS = Ownership(agencies=("agency",))

    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="standards_tasks")
    review = models.ForeignKey(StandardsReview, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=20, choices=StandardsTaskKind.choices)
    item = models.CharField(max_length=60, blank=True)
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=StandardsTaskStatus.choices, default=StandardsTaskStatus.OPEN
    )
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [models.Index(fields=["agency", "status"], name="standards_task_agency")]
        constraints = [
            models.UniqueConstraint(fields=["review", "agency", "kind", "item"], name="one_task_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item}"
