from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskLevel(models.TextChoices):
    STANDARD = "standard", _("Standard")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    NOT_KNOWN = "not_known", _("Not known")


class ReferralKind(models.TextChoices):
    PERPETRATOR = "perpetrator", _("Person who uses abuse")
    PARTNER_SUPPORT = "partner_support", _("Support for a partner or ex-partner")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRIAGED = "triaged", _("Sent to a service")
    UNMET_NEED = "unmet_need", _("No service fits: unmet need")
    OFFERED = "offered", _("Place offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WAITING = "waiting", _("Waiting to start")
    STARTED = "started", _("Started")
    MOVED_ON = "moved_on", _("Moved to another service")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Statuses in which a referral holds (or is about to hold) one of a service's places.
HOLDING_A_PLACE = (Status.TRIAGED, Status.OFFERED, Status.ACCEPTED, Status.WAITING, Status.STARTED)
CLOSED = (Status.DECLINED, Status.WITHDRAWN, Status.UNMET_NEED, Status.MOVED_ON)


class Transition(models.TextChoices):
    STEP_UP = "step_up", _("Step up")
    STEP_DOWN = "step_down", _("Step down")


class IntakeOutcome(models.TextChoices):
    """What the region's intake team did with a self-referral or with unmet need."""

    CONTACTED_SIGNPOSTED = "contacted_signposted", _("Contacted them and told them of other help")
    CONTACTED_REFERRED = "contacted_referred", _("Contacted them and referred them on")
    LEFT_WITH_SERVICE = "left_with_service", _("Left with the service it was sent to")
    NOT_REACHED = "not_reached", _("Tried and could not reach them")
    NOT_SAFE = "not_safe", _("Did not contact them: it would not be safe")


class EventKind(models.TextChoices):
    """What a step in a referral's history records besides a note someone typed: kept as a kind and its
    facts (a reference, a service's names, a file name), so that each reader sees it in their language."""

    SERVICE_CHOSEN = "service_chosen", _("Service chosen")
    PARTNER_LINKED = "partner_linked", _("Partner's referral")
    INTAKE = "intake", _("Intake team")
    MOVED_ON = "moved_on", _("Moved on")
    DECLINED = "declined", _("Declined")
    STEPPED_FROM = "stepped_from", _("Step from")
    STEPPED_TO = "stepped_to", _("Step to")
    LINKED_FROM = "linked_from", _("Step linked from")
    LINKED_TO = "linked_to", _("Step linked to")
    CORRECTED = "corrected", _("Corrected")
    IMPORTED = "imported", _("Imported")
