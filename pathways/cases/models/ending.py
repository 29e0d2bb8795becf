"""How a case ends: another agency taking on its management while risk is high, other agencies' input
before a de-selection, the ending itself under the region's rules, the outcome commissioners count, and
the attempts to bring back someone who dropped out."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import ReEngagementChannel, ReEngagementOutcome
from pathways.core.access import Ownership
from pathways.core.readlog import PersonalData

_OWNED = Ownership(agencies=("case__service__agencies",), side="case__person__side")


class ManagementAcceptance(PersonalData):
    """Another agency has taken on the management of the case (probation, say): recorded by the service's
    staff, so that a case whose risk is still high may close."""

    ACCESS = _OWNED

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="management_acceptances", verbose_name=_("case")
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    # The person there who agreed to it, as the service was told: someone who may have no account here.
    accepted_by = models.CharField(_("who accepted it"), max_length=200)
    accepted_on = models.DateField(_("date accepted"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("management accepted by another agency")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.agency_id}"


class AgencyInput(PersonalData):
    """What another agency said about ending the case, as the service's staff recorded it: a de-selection
    needs it (Drive, appendix 8.1, 8.i)."""

    ACCESS = _OWNED

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="agency_inputs", verbose_name=_("case")
    )
    agency = models.ForeignKey(
        "accounts.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    summary = models.TextField(_("what they said"), max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("another agency's input")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.agency_id}"


class CaseEnding(PersonalData):
    """How and why the case ended, who decided, and the version of the region's rules it ended under."""

    ACCESS = _OWNED

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="ending", verbose_name=_("case")
    )
    # One of the region's endings (casework.yaml `endings`): completed, deselected, dropped_out, ...
    state = models.CharField(_("how it ended"), max_length=20)
    reason = models.TextField(_("reason"), max_length=4000)
    ended_on = models.DateField(_("date ended"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ended by")
    )
    # For an ending that is the manager's decision: the manager who made it.
    manager_decision_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("manager's decision"),
    )
    rules = models.ForeignKey("cases.CaseworkRules", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case ending")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.state}"


class CaseOutcome(PersonalData):
    """What a case achieved, in figures commissioners can count: computed when the case ends (and, for the
    police records after it, each night once a period has passed), never typed."""

    ACCESS = _OWNED

    case = models.OneToOneField(
        "cases.Case", on_delete=models.CASCADE, related_name="outcome", verbose_name=_("case")
    )
    end_state = models.CharField(_("how it ended"), max_length=20, db_index=True)
    ended_on = models.DateField(_("date ended"))
    # "standard", "medium", "high", "not_known" (a referral's), or "" when nothing gave one.
    risk_at_start = models.CharField(_("risk at the start"), max_length=12, blank=True)
    risk_at_end = models.CharField(_("risk at the end"), max_length=12, blank=True)
    goals_total = models.PositiveIntegerField(_("goals in the plan"), default=0)
    goals_met = models.PositiveIntegerField(_("goals met"), default=0)
    # The family: the person, their partners and ex-partners on file, and whether any of them had a child
    # under 18 (or of unknown age) when the case ended. Empty for an outcome computed before it was kept.
    family_children = models.BooleanField(_("children in the family"), null=True, blank=True)
    # Whether anyone in the family was discussed at a MARAC in the region's repeat window (assessment.yaml
    # marac.repeat_window_months) before the end, and after it: `marac_after` stays empty until the
    # window after the end has passed.
    marac_before = models.BooleanField(_("at MARAC before the end"), null=True, blank=True)
    marac_after = models.BooleanField(_("at MARAC after the end"), null=True, blank=True)
    marac_window_months = models.PositiveSmallIntegerField(null=True, blank=True)
    # On the victim side: the latest change in risk she reported to her support worker before her case
    # was closed (a RiskChange value), or "" when she reported none.
    partner_risk_change = models.CharField(_("change in risk she reported"), max_length=10, blank=True)
    # On the perpetrator side: the people he has harmed found on file when his case was closed, and how
    # many of them were still not traced then.
    victims_found = models.PositiveIntegerField(_("people harmed found"), default=0)
    victims_untraced = models.PositiveIntegerField(_("people harmed not traced"), default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case outcome")
        # The outcomes count the cases that ended in a period.
        indexes = [models.Index(fields=["ended_on"], name="outcome_ended_on")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.end_state}"


class OutcomePoliceCount(PersonalData):
    """The police records naming the person as perpetrator in the months before the case ended and in the
    same months after it, for each period the region counts (casework.yaml `outcomes.police_months`).
    `after` stays empty until the period after the end has passed."""

    ACCESS = Ownership(agencies=("outcome__case__service__agencies",), side="outcome__case__person__side")

    outcome = models.ForeignKey(CaseOutcome, on_delete=models.CASCADE, related_name="police_counts")
    months = models.PositiveSmallIntegerField(_("months"))
    before = models.PositiveIntegerField(_("police records before"))
    after = models.PositiveIntegerField(_("police records after"), null=True, blank=True)
    after_counted_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["outcome", "months"]
        constraints = [
            models.UniqueConstraint(fields=["outcome", "months"], name="one_police_count_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.outcome_id}: {self.months} months"


class ReEngagementAttempt(PersonalData):
    """An attempt to bring back someone whose case ended because he dropped out."""

    ACCESS = _OWNED

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="re_engagement_attempts", verbose_name=_("case")
    )
    on = models.DateField(_("date"))
    channel = models.CharField(_("how"), max_length=16, choices=ReEngagementChannel.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReEngagementOutcome.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["on", "recorded_at", "pk"]
        verbose_name = _("re-engagement attempt")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.on}"
