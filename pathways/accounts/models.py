from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pathways.accounts.choices import AgencyType, Role


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    REQUIRED_FIELDS = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.username


class Agency(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200)
    type = models.CharField(_("type"), max_length=32, choices=AgencyType.choices)
    areas = models.ManyToManyField("directory.Area", related_name="agencies", verbose_name=_("areas covered"))
    services = models.ManyToManyField(
        "directory.Service",
        blank=True,
        related_name="agencies",
        verbose_name=_("services it runs"),
        help_text=_("Referrals to these services are sent to this agency."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name_en

    @property
    def name(self) -> str:
        return self.name_cy if get_language() == "cy" and self.name_cy else self.name_en


class Membership(models.Model):
    """A user's role in one agency. A user acts for one membership at a time (chosen after login)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["agency__name_en", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="one_role_per_user_per_agency")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} - {self.agency}"
