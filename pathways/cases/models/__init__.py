"""The casework models, one module per concern; each is imported here so that Django finds them."""

from pathways.cases.models.assessment import AgencyView, CaseAssessment
from pathways.cases.models.case import Case, CaseEvent, CaseTask, CaseworkRules
from pathways.cases.models.contact import ConsentRecord, Contact, ContactDecision, PartnerView

__all__ = [
    "AgencyView",
    "Case",
    "CaseAssessment",
    "CaseEvent",
    "CaseTask",
    "CaseworkRules",
    "ConsentRecord",
    "Contact",
    "ContactDecision",
    "PartnerView",
]
