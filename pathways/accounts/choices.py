from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeKind(models.TextChoices):
    """Changes to an account that give access or take it over, and so wait for a second administrator."""

    GRANT_ROLE = "grant_role", _("Give a role")
    RESET_PASSWORD = "reset_password", _("Reset the password")
    RESET_SECOND_FACTOR = "reset_second_factor", _("Reset the second sign-in step")
    REACTIVATE = "reactivate", _("Reactivate the account")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApiClientStatus(models.TextChoices):
    WAITING = "waiting", _("Role waiting for approval")
    ACTIVE = "active", _("Active")
    NO_ROLE = "no_role", _("No role")
    REVOKED = "revoked", _("Revoked")
