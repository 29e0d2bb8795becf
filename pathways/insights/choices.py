from django.db import models
from django.utils.translation import gettext_lazy as _


class Group(models.TextChoices):
    """Groups the review (section 4.7) says services leave out."""

    WOMEN = "women", _("Women")
    LGBTQ = "lgbtq", _("LGBTQ+ people")
    LIMITED_ENGLISH = "limited_english", _("People with limited English")
    SHIFT_WORKERS = "shift_workers", _("Shift workers")
    DISABLED = "disabled", _("Disabled people")
    NO_CHILDREN = "no_children", _("People without children")
