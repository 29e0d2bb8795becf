"""The partner-safety loop: what a partner's support worker sends from her case to the case of the man who
harms her, and only that.

A `SafetyUpdate` is on her case, on the victim side: his service never reads it. What crosses is a
`PartnerSignal` on his case, holding only the access policy's crossing "partner_signal": a change in risk
she reports (raised, lowered or unchanged, and when), that a new incident was reported, that contact with
him would increase risk now, which service sent it, and a message only where it passed the check
for her sealed details and the sender confirmed it may be read by his service."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import RiskChange, TraceSource, TraceStatus
from pathways.core.access import Ownership, Side
from pathways.core.readlog import PersonalData

_ON_THE_CASE = Ownership(agencies=("case__service__agencies",), side="case__person__side")
MESSAGE_LENGTH = 500


class _Signal(PersonalData):
    """What an update and its crossing share."""

    risk_change = models.CharField(_("change in risk"), max_length=10, choices=RiskChange.choices, blank=True)
    changed_on = models.DateField(_("since"), null=True, blank=True)
    new_incident = models.BooleanField(_("new incident reported"), default=False)
    contact_increases_risk = models.BooleanField(_("contact with him would increase risk now"), default=False)
    message = models.CharField(_("message for his service"), max_length=MESSAGE_LENGTH, blank=True)
    at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]


class SafetyUpdate(_Signal):
    """An update the partner's support worker sends from her case: kept on her case, on her side."""

    ACCESS = _ON_THE_CASE

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="safety_updates", verbose_name=_("case")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    # The agency the sender acted for.
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    # How many of the cases of the men who harm her it reached.
    reached = models.PositiveSmallIntegerField(default=0)

    class Meta(_Signal.Meta):
        verbose_name = _("safety update")
        verbose_name_plural = _("safety updates")

    def __str__(self) -> str:
        return f"{self.case_id} update {self.at:%Y-%m-%d}"


class PartnerSignal(_Signal):
    """What reached his case from a partner's support worker: on his side, read by his service. Her
    support worker's name stays on her case (the update, and the audit entry of the crossing, hold it)."""

    ACCESS = _ON_THE_CASE

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="partner_signals", verbose_name=_("case")
    )
    # The sending service, from the directory: its name is all of her support that crosses.
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("from")
    )

    class Meta(_Signal.Meta):
        verbose_name = _("what the partner's support worker reported")
        verbose_name_plural = _("what the partner's support workers reported")

    def __str__(self) -> str:
        return f"{self.case_id} signal {self.at:%Y-%m-%d}"


class VictimTrace(PersonalData):
    """Someone a man has harmed or is harming, found from the relationships and police records on file,
    and how far the support service linked to his service has got in reaching her. On her side: it belongs
    to the service tracing her, and what his case reads of it is the access policy's crossing
    "victim_trace" (pathways.cases.selectors.trace.TraceOnHisCase), never who she is."""

    ACCESS = Ownership(agencies=("service__agencies",), side="victim__side", side_when_none=Side.VICTIM)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    perpetrator = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("the person who harmed")
    )
    # Her record, where Pathways has one; otherwise the police's reference for her.
    victim = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="traces",
        verbose_name=_("the person harmed"),
    )
    victim_ref = models.CharField(_("police victim reference"), max_length=50, blank=True)
    source = models.CharField(_("found in"), max_length=12, choices=TraceSource.choices)
    police_records = models.PositiveIntegerField(_("police records"), default=0)
    last_record_on = models.DateField(_("latest police record"), null=True, blank=True)
    # The service tracing her: the support service linked to his service in the directory.
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="traces", verbose_name=_("traced by")
    )
    status = models.CharField(
        _("tracing"), max_length=16, choices=TraceStatus.choices, default=TraceStatus.NOT_TRACED
    )
    # The service supporting her, where one is.
    supported_by = models.ForeignKey(
        "directory.Service",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("supported by"),
    )
    found_at = models.DateTimeField(_("found"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["found_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["perpetrator", "service", "victim"],
                condition=models.Q(victim__isnull=False),
                name="trace_once_per_victim",
            ),
            models.UniqueConstraint(
                fields=["perpetrator", "service", "victim_ref"],
                condition=models.Q(victim__isnull=True),
                name="trace_once_per_victim_ref",
            ),
        ]
        indexes = [models.Index(fields=["service", "status"], name="trace_service_status")]
        verbose_name = _("previous or other victim")
        verbose_name_plural = _("previous and other victims")

    def __str__(self) -> str:
        return f"trace {self.pk} {self.status}"
