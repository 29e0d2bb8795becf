from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pathways.accounts.choices import ChangeKind, ChangeStatus
from pathways.core.access import AgencyType, Role


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    REQUIRED_FIELDS = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.username


class Agency(models.Model):
    """An organisation whose staff use Pathways. The areas it covers and the services it runs are the
    directory's record of it (`Area.agencies`, `Service.agencies`), read here as `agency.areas` and
    `agency.services`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_cy = models.CharField(_("name (Welsh)"), max_length=200)
    type = models.CharField(_("type"), max_length=32, choices=AgencyType.choices)
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


class AccountChange(models.Model):
    """A change to an account that would give access or take the account over, held until a second
    administrator approves it. Nothing about the account changes before then.

    The constraints hold whatever writes the row: no one asks for a change to their own account, and no
    one decides a change they asked for or that is to their own account (they may only withdraw their
    own request).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("change"), max_length=32, choices=ChangeKind.choices)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="account_changes", verbose_name=_("account")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("agency")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    reason = models.TextField(_("reason"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.PENDING, db_index=True
    )
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), max_length=1000, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requested_by=F("user")), name="account_change_not_asked_by_its_subject"
            ),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(status=ChangeStatus.WITHDRAWN, decided_by=F("requested_by"))
                | (~Q(decided_by=F("requested_by")) & ~Q(decided_by=F("user"))),
                name="account_change_decided_by_someone_else",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ChangeKind.GRANT_ROLE) | (Q(agency__isnull=False) & ~Q(role="")),
                name="account_change_role_names_agency_and_role",
            ),
            models.CheckConstraint(
                condition=Q(status=ChangeStatus.PENDING, decided_at__isnull=True)
                | (~Q(status=ChangeStatus.PENDING) & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="account_change_decided_once",
            ),
        ]
        verbose_name = _("account change")
        verbose_name_plural = _("account changes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:change_detail", kwargs={"change_id": self.pk})

    @property
    def is_pending(self) -> bool:
        return self.status == ChangeStatus.PENDING
