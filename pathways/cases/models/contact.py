"""Contact with care: the partner's support worker's view, the first-contact gate, the person's consent and
the contacts made with him. Disrupt work goes on without his consent or knowledge; first contact is made
only once someone has judged, with a reason, that it will not increase risk (Drive, appendix 8.1 item 3).

Every record here is on the perpetrator's case and read by the service working with him: its free text is
checked for his partners' and children's sealed details when typed and again when shown."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import (
    CaseEventKind,
    ConsentState,
    ContactChannel,
    ContactDirection,
    ContactOutcome,
    PartnerViewKind,
)
from pathways.core.access import Ownership
from pathways.core.fields import SealedTextField
from pathways.core.readlog import PersonalData

_ON_THE_CASE = Ownership(agencies=("case__service__agencies",), side="case__person__side")


class PartnerView(PersonalData):
    """What the partner's support worker said about contacting him, as the case's staff heard it. Her
    support service's staff cannot see his case: the service's own staff record it, naming her service."""

    ACCESS = _ON_THE_CASE

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="partner_views", verbose_name=_("case")
    )
    view = models.CharField(_("view"), max_length=12, choices=PartnerViewKind.choices)
    # The support worker's service, from the directory: its name is all of her support that crosses.
    service = models.ForeignKey(
        "directory.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("support service")
    )
    text = models.CharField(_("what they said"), max_length=500, blank=True)
    # Nobody on his side, for a view her support worker sent herself (`signal`): her name stays on her case.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    signal = models.ForeignKey(
        "cases.PartnerSignal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The agency the recorder acted for.
    agency = models.ForeignKey("accounts.Agency", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("partner's support worker's view")

    def __str__(self) -> str:
        return f"{self.case_id} {self.view}"


class ContactDecision(PersonalData):
    """A judgement on the first-contact gate: contact allowed (it will not increase risk) or not (the gate
    closed again), with the reason, who decided and the partner's view it rested on."""

    ACCESS = _ON_THE_CASE

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="contact_decisions", verbose_name=_("case")
    )
    allowed = models.BooleanField(_("contact allowed"))
    reason = models.TextField(_("reason"))
    partner_view = models.ForeignKey(
        PartnerView, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    # Nobody, for the gate closed by what her support worker sent (`signal`).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    signal = models.ForeignKey(
        "cases.PartnerSignal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("contact decision")

    def __str__(self) -> str:
        return f"{self.case_id} {'allowed' if self.allowed else 'not allowed'}"


class ConsentRecord(PersonalData):
    """One change to the person's consent: given, refused, withdrawn, or work without it on safeguarding
    grounds, with the reason and who decided."""

    ACCESS = _ON_THE_CASE

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="consent_records", verbose_name=_("case")
    )
    state = models.CharField(_("consent"), max_length=12, choices=ConsentState.choices)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("consent record")

    def __str__(self) -> str:
        return f"{self.case_id} {self.state}"


class Contact(PersonalData):
    """A contact or an attempt at one: when, how, which way and what came of it."""

    ACCESS = _ON_THE_CASE

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="contacts", verbose_name=_("case")
    )
    at = models.DateTimeField(_("when"))
    # A contact logged with its day only is kept at the start of that day and shown without a time.
    time_given = models.BooleanField(default=False)
    channel = models.CharField(_("how"), max_length=12, choices=ContactChannel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=ContactDirection.choices)
    outcome = models.CharField(_("outcome"), max_length=14, choices=ContactOutcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-recorded_at", "-pk"]
        indexes = [models.Index(fields=["case", "outcome"], name="case_contact_outcome")]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.case_id} {self.channel} {self.outcome}"


class SafeContact(PersonalData):
    """How her support worker may reach her safely: when, by which means, whether a voicemail may be left,
    a safe word and who else may answer. Only on the case of someone being harmed (the victim side, which
    no service working with the man who harms her reads). Each change is a new record, so that the case
    shows what was agreed when; the latest is the one in force. Until one is recorded, no contact is
    logged on her case: a call at the wrong time, or a voicemail he hears, can put her at risk."""

    ACCESS = _ON_THE_CASE

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="safe_contacts", verbose_name=_("case")
    )
    safe_times = models.CharField(_("safe times to contact her"), max_length=200)
    # ContactChannel values: the ways she has said are safe.
    channels = models.JSONField(_("safe ways to contact her"), default=list)
    voicemail = models.BooleanField(_("a voicemail may be left"))
    # Contact details in another form: sealed, and shown only through the policy, each view audited.
    safe_word = SealedTextField(_("safe word"), null=True, blank=True)
    others_may_answer = models.CharField(_("who else may answer"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("safe-contact arrangements")
        verbose_name_plural = _("safe-contact arrangements")

    def __str__(self) -> str:
        return f"{self.case_id} safe contact"

    def channels_shown(self) -> str:
        names = dict(ContactChannel.choices)
        return ", ".join(str(names[c]) for c in self.channels if c in names)


def contact_event_shown(kind: str, detail: dict[str, object]) -> str:
    """What a contact step in the case's history records, in the reader's language ("" for other kinds).
    Facts only: the free text stays on its record, where it is checked when shown."""

    def label(choices: type[models.TextChoices], value: object) -> str:
        return str(dict(choices.choices).get(str(value), "")) if value else ""

    if kind == CaseEventKind.PARTNER_VIEW:
        return label(PartnerViewKind, detail.get("view"))
    if kind == CaseEventKind.PARTNER_SIGNAL:
        # Both names are kept, so that the history reads in the reader's language.
        service = detail.get("service_cy" if get_language() == "cy" else "service_en", "")
        return str(_("from %(service)s") % {"service": service})
    if kind == CaseEventKind.SAFETY_UPDATE:
        reached = int(str(detail.get("reached", 0)))
        if not reached:
            return str(_("it reached no one"))
        return ngettext(
            "sent to %(count)s service working with him",
            "sent to %(count)s services working with him",
            reached,
        ) % {"count": reached}
    if kind == CaseEventKind.SAFE_CONTACT:
        return str(_("changed") if detail.get("changed") else _("first recorded"))
    if kind == CaseEventKind.CONTACT_DECISION:
        return str(_("contact allowed") if detail.get("allowed") else _("contact not allowed"))
    if kind == CaseEventKind.CONSENT:
        return label(ConsentState, detail.get("state"))
    if kind == CaseEventKind.CONTACT:
        return str(
            _("%(channel)s, %(direction)s: %(outcome)s")
            % {
                "channel": label(ContactChannel, detail.get("channel")),
                "direction": label(ContactDirection, detail.get("direction")).lower(),
                "outcome": label(ContactOutcome, detail.get("outcome")).lower(),
            }
        )
    return ""
