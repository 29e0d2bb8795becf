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


# The kinds that make two people partners, whichever of them the relationship was recorded from.
PARTNER_KINDS = (RelationshipKind.CURRENT_PARTNER, RelationshipKind.EX_PARTNER)


class Ethnicity(models.TextChoices):
    """The 2021 Census ethnic groups for Wales, at the level a MARAC return counts them."""

    WHITE_BRITISH = "white_british", _("White: Welsh, English, Scottish, Northern Irish or British")
    WHITE_IRISH = "white_irish", _("White: Irish")
    GYPSY_TRAVELLER_ROMA = "gypsy_traveller_roma", _("White: Gypsy, Irish Traveller or Roma")
    WHITE_OTHER = "white_other", _("Any other White background")
    MIXED = "mixed", _("Mixed or multiple ethnic groups")
    ASIAN = "asian", _("Asian, Asian Welsh or Asian British")
    BLACK = "black", _("Black, Black Welsh, Black British, Caribbean or African")
    ARAB = "arab", _("Arab")
    OTHER = "other", _("Another ethnic group")
    NOT_KNOWN = "not_known", _("Not known")
    PREFERS_NOT_TO_SAY = "prefers_not_to_say", _("Prefers not to say")


class SexualOrientation(models.TextChoices):
    HETEROSEXUAL = "heterosexual", _("Straight or heterosexual")
    GAY_OR_LESBIAN = "gay_or_lesbian", _("Gay or lesbian")
    BISEXUAL = "bisexual", _("Bisexual")
    OTHER = "other", _("Another sexual orientation")
    NOT_KNOWN = "not_known", _("Not known")
    PREFERS_NOT_TO_SAY = "prefers_not_to_say", _("Prefers not to say")
