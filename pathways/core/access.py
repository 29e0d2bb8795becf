"""How a record declares who it belongs to and which side of a family it is on.

Each model about people says it once, as `ACCESS = Ownership(...)`; the access policy
(`pathways.core.policy`) reads the declaration and nothing else decides. Paths are Django lookups from the
record: `agencies` lead to agencies working with it, `seats` to the panel members (each a named person of
an agency, with a named deputy) who may read it, and `side` to the side of the family it is about.
"""

from __future__ import annotations

from dataclasses import dataclass

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


class Side(models.TextChoices):
    """The two sides of every family Pathways holds.

    The person who uses abuse is on one side; the people he harms (partners and ex-partners, other
    victims, children) are on the other. What the victim side holds never reaches an agency that works
    only on the perpetrator side.
    """

    PERPETRATOR = "perpetrator", _("Person who uses abuse")
    VICTIM = "victim", _("Partner, victim or child")


@dataclass(frozen=True)
class Ownership:
    """Who a record belongs to, as lookups from the record.

    agencies: paths to the agencies working with the record.
    seats: path to panel members; a seated person (or their deputy) of the seat's agency reads it.
    side: path to the record's side; None for records about no one in particular (panels, meetings).
    side_when_none: the side of a record whose side path leads nowhere (an agenda item that names
        someone by police reference alone is about a person who uses abuse).
    attendance: path from the record to attendance rows (present, by deputy, member), for sealed papers.
    at_the_table: the record is a panel's (agenda items, decisions, what was shared), and the sides an
        agency sees at a panel's table apply rather than those of its own records (probation reads a
        victim's case at a MARAC, where it is a member, but not her records).
    agencies_on_any_side: the agencies own the record whichever side it is on (work a panel set for an
        agency is that agency's); seats still see it only on their own sides. Such a record must be in
        the policy's CROSSING_TO_PERPETRATOR_SIDE.
    """

    agencies: tuple[str, ...] = ()
    seats: str | None = None
    side: str | None = None
    side_when_none: Side | None = None
    attendance: str | None = None
    at_the_table: bool = False
    agencies_on_any_side: bool = False
