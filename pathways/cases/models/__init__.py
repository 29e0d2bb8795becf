"""The casework models, one module per concern; each is imported here so that Django finds them."""

from pathways.cases.models.assessment import AgencyView, CaseAssessment
from pathways.cases.models.case import Case, CaseEvent, CaseTask, CaseworkRules
from pathways.cases.models.contact import ConsentRecord, Contact, ContactDecision, PartnerView, SafeContact
from pathways.cases.models.ending import (
    AgencyInput,
    CaseEnding,
    CaseOutcome,
    ManagementAcceptance,
    OutcomePoliceCount,
    ReEngagementAttempt,
)
from pathways.cases.models.joint import JointAction, JointItem, JointItemHer, JointMeeting
from pathways.cases.models.notes import Note, NoteVersion
from pathways.cases.models.partner import PartnerSignal, SafetyUpdate, VictimTrace
from pathways.cases.models.plan import Activity, Goal
from pathways.cases.models.reviews import CaseReview, ReviewAdviser
from pathways.cases.models.sessions import Attendance, FollowUp, Group, GroupMember, Session

__all__ = [
    "Activity",
    "AgencyInput",
    "AgencyView",
    "Attendance",
    "Case",
    "CaseAssessment",
    "CaseEnding",
    "CaseEvent",
    "CaseOutcome",
    "CaseReview",
    "CaseTask",
    "CaseworkRules",
    "ConsentRecord",
    "Contact",
    "ContactDecision",
    "FollowUp",
    "Goal",
    "Group",
    "GroupMember",
    "JointAction",
    "JointItem",
    "JointItemHer",
    "JointMeeting",
    "ManagementAcceptance",
    "Note",
    "NoteVersion",
    "OutcomePoliceCount",
    "PartnerSignal",
    "PartnerView",
    "ReEngagementAttempt",
    "ReviewAdviser",
    "SafeContact",
    "SafetyUpdate",
    "Session",
    "VictimTrace",
]
