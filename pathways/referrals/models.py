from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pathways.core.access import Ownership
from pathways.core.models import TimeStampedModel, VersionedDataFile
from pathways.core.readlog import PersonalData
from pathways.directory.choices import ReferralRoute
from pathways.referrals.choices import EventKind, IntakeOutcome, ReferralKind, RiskLevel, Status, Transition


class Referral(PersonalData, TimeStampedModel):
    """A request for a service for one person. Its history is its events; its status is the latest one.

    It belongs to the agency that made it, to the agencies running the service it was sent to and to the
    region's intake team when it is in its queue, on the side of the family of the person it is for.
    """

    ACCESS = Ownership(
        agencies=("referring_agency", "service__agencies", "intake_agency"), side="person__side"
    )

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=ReferralKind.choices, default=ReferralKind.PERPETRATOR
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The partner or ex-partner the referral is about, if any."),
    )
    route = models.CharField(_("route"), max_length=20, choices=ReferralRoute.choices)
    referring_agency = models.ForeignKey(
        "accounts.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
        help_text=_("Empty for self-referrals."),
    )
    reason = models.TextField(_("reason for referral"), max_length=4000)
    risk_level = models.CharField(_("known risk"), max_length=20, choices=RiskLevel.choices)
    risk_notes = models.TextField(_("what is known of the risk"), blank=True, max_length=4000)
    been_to_marac = models.BooleanField(_("has been to MARAC"), default=False)
    # What the referrer knows of the person's behaviour and history: yes, no, or not known (empty). A
    # "yes" changes triage as the region's triage rules say (`case_facts`).
    entrenched_behaviour = models.BooleanField(_("behaviour is entrenched"), null=True, blank=True)
    convictions_or_orders = models.BooleanField(
        _("previous convictions or court orders"), null=True, blank=True
    )
    serial_behaviour = models.BooleanField(_("has abused more than one partner"), null=True, blank=True)
    mutual_violence = models.BooleanField(
        _("mutual or counter-allegations of violence"), null=True, blank=True
    )
    sexual_harm_concern = models.BooleanField(_("concerns about sexual harm"), null=True, blank=True)
    consent_to_contact = models.BooleanField(_("consents to be contacted"), default=False)
    children_in_family = models.BooleanField(_("children in the family"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    service = models.ForeignKey(
        "directory.Service",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("service"),
    )
    tier_needed = models.CharField(
        _("tier needed"),
        max_length=32,
        blank=True,
        help_text=_("For unmet need: the tier that would have fitted."),
    )
    triage = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("What triage showed when the service was chosen: options and reasons."),
    )
    unmet_reasons = models.JSONField(default=list, blank=True)
    # Services that declined the person: triage rules each out when the referral comes back.
    declined_by = models.JSONField(default=list, blank=True)
    placed_below_need = models.BooleanField(
        _("placed below need"),
        default=False,
        help_text=_("Sent to a service of a lower tier than the one needed, which had no place for them."),
    )
    linked_referral = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_referrals",
        help_text=_("For a partner's referral: the referral of the person who uses abuse that triggered it."),
    )
    previous_referral = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_referrals",
        help_text=_("For a step up or down: the referral to the service the person is moving from."),
    )
    transition = models.CharField(max_length=20, choices=Transition.choices, blank=True)
    awaiting_court = models.BooleanField(_("waiting for a court hearing"), default=False)
    handover_note = models.TextField(_("handover note"), blank=True, max_length=4000)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The region's intake team, for a self-referral or unmet need: it sees the referral in its queue and
    # records what it did (`intake_outcome`), so that nobody who asked for help is left uncontacted.
    intake_agency = models.ForeignKey(
        "accounts.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intake_referrals",
        verbose_name=_("intake team"),
    )
    intake_outcome = models.CharField(
        _("what the intake team did"), max_length=24, choices=IntakeOutcome.choices, blank=True
    )
    intake_note = models.TextField(_("intake team's note"), blank=True, max_length=2000)
    intake_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "service"]),
            models.Index(fields=["status", "tier_needed"]),
            models.Index(fields=["intake_agency", "intake_outcome"]),
            # Lists show the newest first: without it each list sorts every referral to find them.
            models.Index(fields=["-created_at"], name="referral_newest_first"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("referrals:detail", kwargs={"referral_id": self.pk})


class ReferralEvent(PersonalData):
    """One step in a referral's life: who moved it to which status, when, and why."""

    ACCESS = Ownership(
        agencies=("referral__referring_agency", "referral__service__agencies", "referral__intake_agency"),
        side="referral__person__side",
    )

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Status.choices)
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The service the referral was with at this step: a referral a service declines goes back for
    # another option, and its figures must still count the decline against the service that made it.
    service = models.ForeignKey(
        "directory.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What someone typed (a reason to decline, say), as they typed it.
    note = models.TextField(blank=True, max_length=2000)
    # What Pathways records of the step, shown in the reader's language (`note_shown`).
    kind = models.CharField(max_length=20, choices=EventKind.choices, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            # The figures count each service's steps by the service they were taken with.
            models.Index(fields=["status", "service"], name="event_status_service"),
            # The outcomes follow each referral's steps at a service from its first sending there.
            models.Index(fields=["referral", "service", "status", "at"], name="event_referral_service"),
            # And find the referrals sent in a period.
            models.Index(fields=["status", "at"], name="event_status_at"),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.status} {self.at}"

    def note_shown(self) -> str:
        """The step's note in the reader's language: what Pathways recorded, then what was typed."""
        detail = self.detail or {}
        reference = detail.get("reference", "")
        service = (detail.get("service_cy") if get_language() == "cy" else "") or detail.get("service_en", "")
        texts: dict[str, Any] = {
            EventKind.SERVICE_CHOSEN: service,
            EventKind.PARTNER_LINKED: _("linked to %(reference)s") % {"reference": reference},
            EventKind.INTAKE: _("Intake: %(outcome)s")
            % {"outcome": dict(IntakeOutcome.choices).get(detail.get("outcome", ""), "")},
            EventKind.MOVED_ON: _("moved on to %(reference)s") % {"reference": reference},
            EventKind.DECLINED: _("declined by %(service)s") % {"service": service},
            EventKind.STEPPED_FROM: _("step from %(reference)s") % {"reference": reference},
            EventKind.STEPPED_TO: _("step to %(reference)s") % {"reference": reference},
            EventKind.LINKED_FROM: _("step linked from %(reference)s") % {"reference": reference},
            EventKind.LINKED_TO: _("step linked to %(reference)s") % {"reference": reference},
            EventKind.CORRECTED: _("corrected"),
            EventKind.IMPORTED: _("imported from %(file)s") % {"file": detail.get("file", "")},
        }
        said = texts.get(self.kind, "")
        review = detail.get("review")
        if review:
            message = (
                _(
                    "Check that this is genuine before contacting anyone: more than %(mark)s self-referrals "
                    "had arrived from the same network this hour when it was sent."
                )
                if review.get("where") == "network"
                else _(
                    "Check that this is genuine before contacting anyone: more than %(mark)s self-referrals "
                    "had arrived in all this hour when it was sent."
                )
            )
            review = message % {"mark": review.get("mark", "")}
        return "; ".join(str(part) for part in (said, self.note, review) if part)


class Journey(PersonalData):
    """A referral's way through one service it was sent to: when it was first sent there; when it first
    started, was declined or was withdrawn there after that; and, once it started, what became of the case
    it opened there. Written with the steps and the casework themselves (`pathways.referrals.journeys`,
    `pathways.cases.services.journeys`), so that the outcomes count a period's referrals with one indexed
    scan instead of following every referral's history and case."""

    ACCESS = Ownership(
        agencies=("referral__referring_agency", "referral__service__agencies", "referral__intake_agency"),
        side="referral__person__side",
    )

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="journeys")
    service = models.ForeignKey("directory.Service", on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Days from the first sending to the start: kept as a number, so that the medians read numbers.
    start_wait_days = models.FloatField(null=True, blank=True)
    # Of the case the referral opened at the service: days from the first sending to first contact (empty
    # until contact is made), sessions attended, and how it ended ("" while it is open).
    contact_wait_days = models.FloatField(null=True, blank=True)
    sessions_attended = models.PositiveIntegerField(default=0)
    ended_state = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "service"], name="journey_once_per_service"),
        ]
        indexes = [
            # The outcomes find the referrals first sent to the chosen services in a period.
            models.Index(fields=["service", "sent_at"], name="journey_service_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} at {self.service_id} from {self.sent_at}"


class LinkedStep(PersonalData):
    """A step up or down onto a referral the person already had open with another service, rather than a
    new one. What the step carried is kept here, not on the referral it went to, whose own details (its
    referrer's known risk, its court wait) stay as its referrer recorded them."""

    ACCESS = Ownership(
        agencies=(
            "from_referral__referring_agency",
            "from_referral__service__agencies",
            "to_referral__referring_agency",
            "to_referral__service__agencies",
            "to_referral__intake_agency",
        ),
        side="to_referral__person__side",
    )

    from_referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="linked_steps_out")
    to_referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="linked_steps_in")
    transition = models.CharField(max_length=20, choices=Transition.choices)
    risk_level = models.CharField(_("risk at the step"), max_length=20, choices=RiskLevel.choices)
    been_to_marac = models.BooleanField(_("has been to MARAC"), default=False)
    awaiting_court = models.BooleanField(_("waiting for a court hearing"), default=False)
    handover_note = models.TextField(_("handover note"), max_length=4000)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["from_referral", "to_referral"], name="one_link_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.from_referral_id} -> {self.to_referral_id}"


class TriageRuleSet(VersionedDataFile):
    """A version of a region's triage rules. Each triage keeps the version it used."""

    region = models.ForeignKey("directory.Region", on_delete=models.CASCADE, related_name="triage_rules")
    rules = models.JSONField()

    class Meta:
        ordering = ["region", "-version"]
        constraints = [models.UniqueConstraint(fields=["region", "version"], name="one_triage_version")]

    def __str__(self) -> str:
        return f"{self.region} v{self.version}"


class Correction(PersonalData):
    """One field corrected on a referral or on a record it is about: who, when, what it was and became.

    A correction to the partner's record is on her side of the family and is seen only where her record
    is; a sealed field's old and new values are never kept, only that it changed."""

    ACCESS = Ownership(
        agencies=("referral__referring_agency", "referral__service__agencies", "referral__intake_agency"),
        side="side",
    )

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="corrections")
    record = models.CharField(
        max_length=10,
        choices=[("person", _("The person")), ("partner", _("The partner")), ("referral", _("The referral"))],
    )
    side = models.CharField(max_length=12)
    field = models.CharField(max_length=40)
    before = models.TextField(blank=True)
    after = models.TextField(blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey(
        "accounts.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-at", "pk"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.record}.{self.field}"

    def _model_field(self) -> models.Field[Any, Any] | None:
        model: type[models.Model] = (
            Referral if self.record == "referral" else apps.get_model("people", "Person")
        )
        try:
            return model._meta.get_field(self.field)  # type: ignore[return-value]
        except FieldDoesNotExist:
            return None

    @property
    def field_label(self) -> str:
        field = self._model_field()
        return str(field.verbose_name) if field is not None else self.field

    def _label(self, value: str) -> str:
        field = self._model_field()
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if value in ("True", "False", "None") and isinstance(field, models.BooleanField):
            return str({"True": _("Yes"), "False": _("No"), "None": _("Not known")}[value])
        return value

    @property
    def before_label(self) -> str:
        return self._label(self.before)

    @property
    def after_label(self) -> str:
        return self._label(self.after)
