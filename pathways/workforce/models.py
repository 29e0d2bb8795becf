"""Staff and their skills: the practitioners of a service (with an account or not), their training,
skills practice and supervision, and their scores on a skills instrument (VASE-R). Records about staff,
not about the families: on neither side. Their reads are audited as any person's are, and small numbers
of staff are shown only to their own agency and to commissioners."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.core.access import Ownership
from pathways.core.models import VersionedDataFile
from pathways.core.readlog import PersonalData
from pathways.workforce.choices import Knows, TrainingKind, TrainingTopic


class SkillsInstrument(VersionedDataFile):
    """One loaded version of a skills instrument file (standards/vase-r.yaml)."""

    slug = models.SlugField(max_length=60)
    rules = models.JSONField()

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="one_skills_version")]

    def __str__(self) -> str:
        return f"{self.slug} v{self.version}"


class StaffMember(PersonalData):
    """A practitioner of an agency, at one of its services."""

    ACCESS = Ownership(agencies=("agency",))

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey("accounts.Agency", on_delete=models.CASCADE, related_name="staff")
    service = models.ForeignKey(
        "directory.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_record",
    )
    full_name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    qualifications = models.TextField(_("qualifications"), blank=True, max_length=2000)
    # Days of MI training before the records kept here began, as the member of staff reports them.
    mi_days_before = models.DecimalField(
        _("days of MI training before"), max_digits=5, decimal_places=1, default=0
    )
    knows_confidential_support = models.CharField(
        _("knows how to reach confidential support"),
        max_length=10,
        choices=Knows.choices,
        default=Knows.NOT_ASKED,
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["agency", "full_name"]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("workforce:staff", kwargs={"staff_id": self.pk})


class TrainingEvent(PersonalData):
    """A training course, a skills practice session or a clinical supervision session one member of staff
    attended, with when its refresher is due."""

    ACCESS = Ownership(agencies=("staff__agency",))

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="training")
    kind = models.CharField(_("kind"), max_length=20, choices=TrainingKind.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=TrainingTopic.choices)
    title = models.CharField(_("title"), max_length=200)
    attended_on = models.DateField(_("date"))
    days = models.DecimalField(_("days"), max_digits=4, decimal_places=1, default=0)
    refresher_due_on = models.DateField(_("refresher due"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["staff", "-attended_on"]

    def __str__(self) -> str:
        return f"{self.title} {self.attended_on}"


class SkillsRating(PersonalData):
    """One member of staff's scores on a skills instrument, item by item, as a trained rater scored them."""

    ACCESS = Ownership(agencies=("staff__agency",))

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="ratings")
    instrument = models.ForeignKey(SkillsInstrument, on_delete=models.PROTECT, related_name="+")
    rated_on = models.DateField(_("date rated"))
    rater = models.CharField(_("rated by"), max_length=200)
    scores = models.JSONField()
    total = models.PositiveSmallIntegerField()
    subscales = models.JSONField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["staff", "-rated_on"]

    def __str__(self) -> str:
        return f"{self.staff_id} {self.total}"
