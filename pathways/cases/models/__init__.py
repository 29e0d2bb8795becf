"""The casework models, one module per concern; each is imported here so that Django finds them."""

from pathways.cases.models.assessment import AgencyView, CaseAssessment
from pathways.cases.models.case import Case, CaseEvent, CaseTask, CaseworkRules
from pathways.cases.models.contact import ConsentRecord, Contact, ContactDecision, PartnerView
from pathways.cases.models.notes import Note, NoteVersion
from pathways.cases.models.plan import Activity, Goal
from pathways.cases.models.reviews import CaseReview, ReviewAdviser

__all__ = [
    "Activity",
    "AgencyView",
    "Case",
    "CaseAssessment",
    "CaseEvent",
    "CaseReview",
    "CaseTask",
    "CaseworkRules",
    "ConsentRecord",
    "Contact",
    "ContactDecision",
    "Goal",
    "Note",
    "NoteVersion",
    "PartnerView",
    "ReviewAdviser",
]
