from __future__ import annotations

import datetime
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.choices import ApiClientStatus, ChangeKind, ChangeStatus
from pathways.core.access import AgencyType, Role


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)

    REQUIRED_FIELDS = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.username


class Agency(models.Model):
    """An organisation whose staff use Pathways. The areas it covers and the services it runs are the
    directory's record of it (`Area.agencies`, `Service.agencies`), read here as `agency.areas` and
    `agency.services`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(_("short name"), unique=True)
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
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("account")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("agency")
    )
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


class ApiClient(models.Model):
    """Another agency's system that uses the API as that agency: a police or probation case system posting
    referrals, say. It acts through an account of its own that has no password and cannot sign in; the
    account's role is given as anyone's is, by one administrator asking and a second approving."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_client")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(_("system name"), max_length=200)
    contact = models.CharField(_("who runs it"), max_length=200)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agency__name_en", "name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:api_client_detail", kwargs={"client_id": self.pk})

    @property
    def status(self) -> ApiClientStatus:
        """Read from what `api_clients_listed` prefetches."""
        if self.revoked_at is not None:
            return ApiClientStatus.REVOKED
        membership = next((m for m in self.user.memberships.all() if m.agency_id == self.agency_id), None)
        if membership is not None and membership.is_active:
            return ApiClientStatus.ACTIVE
        pending = getattr(self.user, "pending_changes", None)
        if pending is None:
            pending = list(self.user.account_changes.filter(status=ChangeStatus.PENDING))
        return ApiClientStatus.WAITING if pending else ApiClientStatus.NO_ROLE

    @property
    def role_label(self) -> str:
        membership = next((m for m in self.user.memberships.all() if m.agency_id == self.agency_id), None)
        if membership is not None:
            return membership.get_role_display()
        pending = getattr(self.user, "pending_changes", None) or []
        return pending[0].get_role_display() if pending else ""


class ApiToken(models.Model):
    """A credential for an API client. Only a digest of the secret is kept: the secret is shown once, to the
    administrator who issues it. Every token expires, and can be revoked at once by any administrator."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="tokens")
    # The public part of the token, which names it in lists and in the audit log.
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(_("what it may do"), default=list)
    expires_at = models.DateTimeField(_("expires"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.prefix

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())


# django-otp's devices as the admin shows them: the same rows, named in English and Welsh (django-otp's own
# names are not translatable).
class AuthenticatorApp(TOTPDevice):
    class Meta:
        proxy = True
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")


class BackupCodeSet(StaticDevice):
    class Meta:
        proxy = True
        verbose_name = _("set of backup codes")
        verbose_name_plural = _("sets of backup codes")
