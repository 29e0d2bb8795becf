"""The casework models, one module per concern; each is imported here so that Django finds them."""

from pathways.cases.models.case import Case, CaseEvent, CaseTask, CaseworkRules
from pathways.cases.models.contact import ConsentRecord, Contact, ContactDecision, PartnerView

__all__ = ["Case", "CaseEvent", "CaseTask", "CaseworkRules"]
__all__ += ["ConsentRecord", "Contact", "ContactDecision", "PartnerView"]
