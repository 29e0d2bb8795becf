from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingTopic(models.TextChoices):
    MOTIVATIONAL_INTERVIEWING = "mi", _("Motivational interviewing")
    RISK_INSTRUMENT = "instrument", _("A risk assessment instrument")
    SAFEGUARDING = "safeguarding", _("Safeguarding")
    FACILITATION = "facilitation", _("Group facilitation")
    TRAUMA = "trauma", _("Trauma-informed practice")
    OTHER = "other", _("Other")


class TrainingKind(models.TextChoices):
    TRAINING = "training", _("Training")
    SKILLS_PRACTICE = "skills_practice", _("Skills practice")
    SUPERVISION = "supervision", _("Clinical supervision")


class Knows(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_ASKED = "not_asked", _("Not asked yet")
