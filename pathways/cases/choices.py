from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CaseEventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    ASSIGNED = "assigned", _("Case worker and manager named")
    TRANSFERRED_IN = "transferred_in", _("Transferred in")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    PLAN = "plan", _("Plan changed")
    ACTIVITY = "activity", _("Activity changed")
    PARTNER_VIEW = "partner_view", _("Partner's support worker's view recorded")
    CONTACT_DECISION = "contact_decision", _("First contact decided")
    CONSENT = "consent", _("Consent recorded")
    CONTACT = "contact", _("Contact logged")
    SESSION = "session", _("Session recorded")
    NOTE = "note", _("Note signed")
    ASSESSMENT = "assessment", _("Assessment")
    REVIEW = "review", _("Case review")
    MANAGEMENT = "management", _("Management accepted by another agency")
    ENDED = "ended", _("Case ended")
    POLICE_RECORD = "police_record", _("New police record")
    FOLLOW_UP = "follow_up", _("Follow-up")
    AGENCY_INPUT = "agency_input", _("Another agency's input recorded")
    RE_ENGAGEMENT = "re_engagement", _("Re-engagement attempt")
    SAFETY_UPDATE = "safety_update", _("Safety update sent")
    PARTNER_SIGNAL = "partner_signal", _("The partner's support worker reported")
    SAFE_CONTACT = "safe_contact", _("Safe-contact arrangements recorded")


class TaskKind(models.TextChoices):
    ACTIVITY = "activity", _("Plan activity")
    FOLLOW_UP = "follow_up", _("Follow-up")
    REVIEW = "review", _("Case review")
    CASE_ENDED = "case_ended", _("Case ended")
    POLICE_RECORD = "police_record", _("New police record")
    RE_ENGAGEMENT = "re_engagement", _("Re-engagement attempt")
    RISK_RAISED = "risk_raised", _("Partner reports a rise in risk")
    TRACE_VICTIM = "trace_victim", _("Trace a previous or other victim")
    JOINT_ACTION = "joint_action", _("Action from a joint case meeting")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")


class ConsentState(models.TextChoices):
    NOT_ASKED = "not_asked", _("Not yet asked")
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # Consent is sought unless that conflicts with safeguarding (Drive, appendix 8.1 item 3): an explicit
    # state, with its reason and who decided, never the silent absence of consent.
    SAFEGUARDING = "safeguarding", _("Working without consent on safeguarding grounds")


class RiskChange(models.TextChoices):
    """A change in risk a partner reports to her support worker."""

    RAISED = "raised", _("Risk raised")
    LOWERED = "lowered", _("Risk lowered")
    UNCHANGED = "unchanged", _("Risk unchanged")


class PartnerViewKind(models.TextChoices):
    """What the partner's support worker said about contacting the person who harms her."""

    NO_INCREASE = "no_increase", _("Contact would not increase risk")
    INCREASE = "increase", _("Contact would increase risk now")
    NO_VIEW = "no_view", _("No view")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    TEXT = "text", _("Text message")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")


class ContactDirection(models.TextChoices):
    OUTGOING = "outgoing", _("Outgoing")
    INCOMING = "incoming", _("Incoming")


class ContactOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    MESSAGE_LEFT = "message_left", _("Message left")
    REFUSED = "refused", _("Refused")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    OTHER = "other", _("Other")


class FirstContactState(models.TextChoices):
    """How a case stands against the region's first-contact target."""

    MET = "met", _("Met")
    LATE = "late", _("Not met")
    DUE = "due", _("Due")
    OVERDUE = "overdue", _("Overdue")
    # The case closed before anyone reached the person.
    MISSED = "missed", _("Not met: never reached")


class AssessmentStage(models.TextChoices):
    """When in a case an assessment was made: Drive re-assesses at intake, regularly during the work and at
    closure (appendix 8.1, item 7)."""

    INTAKE = "intake", _("Intake")
    DURING = "during", _("During the work")
    CLOSURE = "closure", _("Closure")


class AgencyRisk(models.TextChoices):
    """The risk another agency sees, in the levels the assessments give, or that it does not know."""

    STANDARD = "standard", _("Standard")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    NOT_KNOWN = "not_known", _("Not known")


class NoteKind(models.TextChoices):
    CONTACT = "contact", _("Contact")
    SESSION = "session", _("Session")
    MULTI_AGENCY = "multi_agency", _("Multi-agency")
    # Read only by the service's managers and the note's author (selectors.notes).
    SUPERVISION = "supervision", _("Supervision")
    CASE_REVIEW = "case_review", _("Case review")


class ReviewKind(models.TextChoices):
    INTERNAL = "internal", _("Internal review")
    MULTI_AGENCY = "multi_agency", _("Multi-agency review")
    # The panel that referred the person hears his case again when it ends (the review, section 5.6).
    POST_INTERVENTION = "post_intervention", _("Post-intervention review at the panel")


class AdviserRole(models.TextChoices):
    FORENSIC_PSYCHOLOGIST = "forensic_psychologist", _("Forensic psychologist")
    PSYCHIATRIST = "psychiatrist", _("Psychiatrist")
    OTHER_EXPERT = "other_expert", _("Other expert")


class ReviewDecision(models.TextChoices):
    CONTINUE = "continue", _("Continue")
    CHANGE_PLAN = "change_plan", _("Change the plan")
    ESCALATE = "escalate_to_panel", _("Escalate to a panel")
    CONSIDER_ENDING = "consider_ending", _("Consider ending the case")


class GoalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    PARTLY_MET = "partly_met", _("Partly met")
    NOT_MET = "not_met", _("Not met")


class ActivityKind(models.TextChoices):
    """The kinds of work in a plan (the region's catalogue names each activity's kind): disrupt, support
    and behaviour change on his case; safety and support on hers."""

    DISRUPT = "disrupt", _("Disrupt")
    SUPPORT = "support", _("Support")
    CHANGE = "change", _("Behaviour change")
    SAFETY = "safety", _("Safety")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_POSSIBLE = "not_possible", _("Not possible")
    # Set only when the case ends (never chosen by hand): the work stopped because the case did.
    ENDED_WITH_CASE = "ended_with_case", _("Ended with the case")


# An activity still to do: on its owner's Tasks until someone there finishes it.
ACTIVITY_OPEN = (ActivityStatus.PLANNED, ActivityStatus.IN_PROGRESS)
# The statuses someone may choose; "ended with the case" is the case's ending's.
ACTIVITY_CHOSEN = (
    ActivityStatus.PLANNED,
    ActivityStatus.IN_PROGRESS,
    ActivityStatus.DONE,
    ActivityStatus.NOT_POSSIBLE,
)
# Work that needs the person's consent may not be under way or done without it.
ACTIVITY_STARTED = (ActivityStatus.IN_PROGRESS, ActivityStatus.DONE)


class ReEngagementChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    THROUGH_AGENCY = "through_agency", _("Through another agency")
    OTHER = "other", _("Another way")


class ReEngagementOutcome(models.TextChoices):
    NO_RESPONSE = "no_response", _("No response")
    DECLINED = "declined", _("Declined to come back")
    AGREED = "agreed", _("Agreed to come back")


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class AttendanceStatus(models.TextChoices):
    ATTENDED = "attended", _("Attended")
    # Late still counts towards the programme's minimum attendance (the region's file says so).
    LATE = "late", _("Attended, late")
    ABSENT_WITH_REASON = "absent_reason", _("Absent, with a reason")
    ABSENT_WITHOUT_REASON = "absent", _("Absent, without a reason")


# What counts as attending a session: late too.
ATTENDED = (AttendanceStatus.ATTENDED, AttendanceStatus.LATE)


class FollowUpWith(models.TextChoices):
    PERSON = "person", _("The man himself")
    PARTNER_SUPPORT = "partner_support", _("His partner's support worker")
    BOTH = "both", _("Both")


class FollowUpLearned(models.TextChoices):
    NO_CONCERNS = "no_concerns", _("No further concerns")
    CONCERNS_REFERRED = "concerns_referred", _("Concerns, referred on")
    CONCERNS_NOTED = "concerns_noted", _("Concerns, no referral needed")
    NOT_REACHED = "not_reached", _("Could not be reached")


class TraceStatus(models.TextChoices):
    """How far the support service has got in reaching someone a man has harmed (the review: "previous
    victims of Drive perpetrators were not always traced", appendix 8.1)."""

    NOT_TRACED = "not_traced", _("Not yet traced")
    CONTACTED = "contacted", _("Contacted")
    OFFERED_SUPPORT = "offered_support", _("Offered support")
    DECLINED = "declined", _("Declined support")
    NOT_SAFE = "not_safe", _("Not safe to contact")


class TraceSource(models.TextChoices):
    """Where Pathways learned that he has harmed her."""

    RELATIONSHIP = "relationship", _("Relationships on record")
    PANEL = "panel", _("Panel papers")
    POLICE = "police", _("Police records")


class JointMeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
