from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    PREVENTATIVE = "preventative", _("Preventative")
    EARLY_INTERVENTION = "early_intervention", _("Early intervention")
    MEDIUM_RISK = "medium_risk", _("Medium risk")
    HIGH_HARM = "high_harm", _("High harm")
    CRIMINAL_JUSTICE = "criminal_justice", _("Criminal justice")
    COURT_DIVERSION = "court_diversion", _("Court diversion")
    FAMILY = "family", _("Family")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")
    VICTIM_SUPPORT = "victim_support", _("Victim support")


class ServiceKind(models.TextChoices):
    PERPETRATOR_INTERVENTION = "perpetrator_intervention", _("Works with people who use abuse")
    AWARENESS = "awareness", _("Public awareness")
    PROFESSIONAL_TRAINING = "professional_training", _("Training for professionals")
    VICTIM_SUPPORT = "victim_support", _("Support for victims and survivors")
    RESEARCH = "research", _("Research")


class ServiceStatus(models.TextChoices):
    PILOT = "pilot", _("Pilot")
    ACTIVE = "active", _("Active")
    IN_DEVELOPMENT = "in_development", _("In development")
    DECOMMISSIONED = "decommissioned", _("Decommissioned")


class Gender(models.TextChoices):
    MALE = "male", _("Men")
    FEMALE = "female", _("Women")
    NON_BINARY = "non_binary", _("Non-binary people")


class RelationshipType(models.TextChoices):
    OPPOSITE_SEX = "opposite_sex", _("Opposite-sex relationships")
    SAME_SEX = "same_sex", _("Same-sex relationships")
    FAMILIAL = "familial", _("Family members")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    WELSH = "cy", _("Welsh")
    INTERPRETER = "interpreter", _("Interpreters arranged")


class Format(models.TextChoices):
    ONE_TO_ONE = "one_to_one", _("One-to-one")
    GROUP = "group", _("Group")
    ONLINE = "online", _("Online")


class ReferralRoute(models.TextChoices):
    SELF = "self", _("Self-referral")
    GP_HEALTH = "gp_health", _("GP or health")
    IRIS = "iris", _("IRIS+")
    CHILDRENS_SERVICES = "childrens_services", _("Children's services")
    POLICE = "police", _("Police")
    PROBATION = "probation", _("Probation")
    MARAC = "marac", _("MARAC")
    COURT = "court", _("Court")
    CAFCASS = "cafcass", _("CAFCASS")
    OTHER_SERVICE = "other_service", _("Another service")


class EvaluationStatus(models.TextChoices):
    NONE = "none", _("Not evaluated")
    INTERNAL = "internal", _("Internal monitoring")
    INDEPENDENT = "independent", _("Independent evaluation")
    RANDOMISED_TRIAL = "randomised_trial", _("Randomised controlled trial")
    UNKNOWN = "unknown", _("Not known")
