from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyType(models.TextChoices):
    POLICE = "police", _("Police")
    PROBATION = "probation", _("Probation")
    CHILDRENS_SERVICES = "childrens_services", _("Children's services")
    ADULT_SERVICES = "adult_services", _("Adult services")
    HEALTH = "health", _("Health")
    HOUSING = "housing", _("Housing")
    VICTIM_SERVICE = "victim_service", _("Victim service")
    PERPETRATOR_SERVICE = "perpetrator_service", _("Perpetrator service")
    COMMISSIONER = "commissioner", _("Commissioner")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", _("Practitioner")
    MANAGER = "manager", _("Manager")
    PANEL_COORDINATOR = "panel_coordinator", _("Panel coordinator")
    PANEL_CHAIR = "panel_chair", _("Panel chair")
    COMMISSIONER = "commissioner", _("Commissioner")
    AUDITOR = "auditor", _("Auditor")
    ADMINISTRATOR = "administrator", _("Administrator")


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
