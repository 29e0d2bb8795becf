from django.db import models
from django.utils.translation import gettext_lazy as _


class Rating(models.TextChoices):
    """An item's RAG rating, as the standards define it."""

    GREEN = "green", _("Green")
    AMBER = "amber", _("Amber")
    RED = "red", _("Red")
    NOT_APPLICABLE = "na", _("N/A")
    NOT_ASSESSED = "not_assessed", _("Not yet assessed")


class ReviewKind(models.TextChoices):
    # A service rating itself is a self-assessment, whoever reads it later: never accreditation.
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment by the service")
    COMMISSIONER = "commissioner", _("Review by the commissioner")
    INDEPENDENT = "independent", _("Independent review")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("In progress")
    COMPLETED = "completed", _("Completed")


class AccreditationScheme(models.TextChoices):
    RESPECT = "respect", _("Respect accreditation")
    CSAAP = "csaap", _("CSAAP accreditation (Ministry of Justice)")


class StandardsTaskKind(models.TextChoices):
    AMBER_REVIEW = "amber_review", _("Review an Amber item")
    REASSESSMENT = "reassessment", _("Reassess the service (a Red item)")


class StandardsTaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
