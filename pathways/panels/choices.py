from django.db import models
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from pathways.core.access import Side


class PanelKind(models.TextChoices):
    MARAC = "marac", _("MARAC (multi-agency risk assessment conference)")
    MATAC = "matac", _("MATAC (multi-agency tasking and coordination)")
    DAPP = "dapp", _("Perpetrator panel (DAPP)")
    DAILY = "daily", _("Daily domestic abuse discussion")

    @classmethod
    def perpetrator_focused(cls) -> frozenset[str]:
        """Panels about perpetrators: a victim's location never reaches their papers."""
        return frozenset({cls.MATAC, cls.DAPP})

    @classmethod
    def side_discussed(cls, kind: str) -> Side:
        """Whom a panel's agenda is about: the person who uses abuse (MATAC, DAPP) or the victim (MARAC,
        daily discussion). A person is put on a panel's agenda only in that role."""
        return Side.PERPETRATOR if kind in cls.perpetrator_focused() else Side.VICTIM


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    COORDINATOR = "coordinator", _("Coordinator")
    MEMBER = "member", _("Member")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CLOSED = "closed", _("Minutes issued")


class AgendaReason(models.TextChoices):
    MARAC_CRITERIA = "marac_criteria", _("Meets the MARAC referral criteria")
    # Shown with the region's repeat window (agenda_reason_label); this label only where none is known.
    REPEAT = "repeat", _("Repeat: referred again within the repeat window")
    RFG = "rfg", _("Among the highest RFG scores in the area")
    NOMINATED = "nominated", _("Referred in by a partner agency")
    CASE_REVIEW = "case_review", _("Case review due")


class Outcome(models.TextChoices):
    # The panel's own capacity-limited service (screening_service in panels.yaml), named when shown.
    REFER_SCREENED = "refer_screened", _("Refer to the panel's screened service")
    REFER_SERVICE = "refer_service", _("Refer to another service")
    DISRUPT = "disrupt", _("Disrupt")
    SUPPORT = "support", _("Support")
    ENFORCEMENT = "enforcement", _("Enforcement")
    SAFETY_PLAN = "safety_plan", _("Safety plan for the victim")
    NO_FURTHER_ACTION = "nfa", _("No further action")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class LawfulBasis(models.TextChoices):
    """The grounds an agency shares on at the table.

    Worded after the legal bases the Wales Accord on the Sharing of Personal Information (WASPI) protocols
    for MARACs rely on (for example Monmouthshire's "Information Sharing Protocol for Domestic Abuse High
    Risk Cases", 2015, section 4): UK GDPR articles 6 and 9 with the Data Protection Act 2018, the Social
    Services and Well-being (Wales) Act 2014 and the Crime and Disorder Act 1998. Consent is listed last
    because it is only a basis when the person has a real choice.
    """

    PUBLIC_TASK = (
        "public_task",
        _(
            "Public task (UK GDPR article 6(1)(e)), with substantial public interest for special "
            "category data (article 9(2)(g))"
        ),
    )
    LAW_ENFORCEMENT = (
        "law_enforcement",
        _("Law enforcement purposes of a competent authority (Data Protection Act 2018, part 3)"),
    )
    VITAL_INTERESTS = (
        "vital_interests",
        _("Vital interests: to protect someone's life (UK GDPR article 6(1)(d))"),
    )
    SAFEGUARDING = (
        "safeguarding",
        _(
            "Safeguarding a child or an adult at risk (Social Services and Well-being (Wales) Act 2014, "
            "part 7; Data Protection Act 2018, schedule 1, paragraph 18)"
        ),
    )
    CRIME_AND_DISORDER = (
        "crime_and_disorder",
        _("Preventing crime and disorder (Crime and Disorder Act 1998, section 115)"),
    )
    CONSENT = "consent", _("Consent of the person, where they have a real choice")


def agenda_reason_label(reason: str, *, repeat_window_months: int) -> str:
    """Why a person is on the agenda, a repeat with the region's own window (assessment.yaml)."""
    if reason == AgendaReason.REPEAT:
        return ngettext(
            "Repeat: referred again within %(months)d month",
            "Repeat: referred again within %(months)d months",
            repeat_window_months,
        ) % {"months": repeat_window_months}
    try:
        return str(AgendaReason(reason).label)
    except ValueError:
        return reason


def outcome_label(outcome: str, *, screened_service_name: str | None) -> str:
    """A decision as the panel sees it: a referral to its screened service names that service."""
    if outcome == Outcome.REFER_SCREENED and screened_service_name:
        return gettext("Refer to %(service)s") % {"service": screened_service_name}
    try:
        return str(Outcome(outcome).label)
    except ValueError:
        return outcome
