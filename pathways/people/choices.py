from django.db import models
from django.utils.translation import gettext_lazy as _


class GenderIdentity(models.TextChoices):
    MAN = "man", _("Man")
    WOMAN = "woman", _("Woman")
    NON_BINARY = "non_binary", _("Non-binary")
    SELF_DESCRIBED = "self_described", _("In another way")
    NOT_KNOWN = "not_known", _("Not known")


class PreferredLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    WELSH = "cy", _("Welsh")
    OTHER = "other", _("Another language")


class WorkPattern(models.TextChoices):
    REGULAR_HOURS = "regular_hours", _("Works regular daytime hours")
    SHIFT_WORK = "shift_work", _("Works shifts or irregular hours")
    NOT_WORKING = "not_working", _("Not working")
    NOT_KNOWN = "not_known", _("Not known")


class RelationshipKind(models.TextChoices):
    CURRENT_PARTNER = "current_partner", _("Current partner")
    EX_PARTNER = "ex_partner", _("Ex-partner")
    FAMILY_MEMBER = "family_member", _("Family member")
    PARENT_OF = "parent_of", _("Parent of")
