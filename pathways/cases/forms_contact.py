"""The forms of the contact and consent page: one per thing recorded, their fields named apart so that the
four can share the page (and its ids)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import (
    ConsentState,
    ContactChannel,
    ContactDirection,
    ContactOutcome,
    PartnerViewKind,
)
from pathways.cases.forms import ServiceChoiceMixin
from pathways.core.forms import DayMonthYearField, GovukFormMixin
from pathways.directory.models import Service

# The states a person's consent may be recorded as (not asked is where every case starts).
CONSENT_CHOICES = [(s.value, s.label) for s in ConsentState if s != ConsentState.NOT_ASKED]
REASON_NEEDED = {ConsentState.REFUSED, ConsentState.WITHDRAWN, ConsentState.SAFEGUARDING}
ALLOW, CLOSE = "allow", "close"
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class PartnerViewForm(GovukFormMixin, ServiceChoiceMixin):
    service = forms.ChoiceField(label=_("Support service"))
    view = forms.ChoiceField(
        label=_("What did the support worker say about contacting the person?"),
        choices=PartnerViewKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the support worker said.")},
    )
    view_text = forms.CharField(
        label=_("What they said (optional)"),
        help_text=_("Never the partner's address, phone number or where she lives."),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services_offer(services)


class ContactDecisionForm(GovukFormMixin, forms.Form):
    allowed = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ALLOW, _("Contact will not increase risk: allow contact")),
            (CLOSE, _("Do not allow contact")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether contact is allowed.")},
    )
    decision_reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Why contact would or would not increase risk now."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why contact would or would not increase risk.")},
    )


class ConsentForm(GovukFormMixin, forms.Form):
    consent = forms.ChoiceField(
        label=_("Consent"),
        choices=CONSENT_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the person's consent.")},
    )
    consent_reason = forms.CharField(
        label=_("Reason"),
        help_text=_(
            "Needed when consent is refused or withdrawn, and when working without it on safeguarding "
            "grounds (the case worker or a manager at the service decides that)."
        ),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("consent") in REASON_NEEDED and not (data.get("consent_reason") or "").strip():
            self.add_error("consent_reason", _("Give the reason."))
        return data


class ContactForm(GovukFormMixin, forms.Form):
    on = DayMonthYearField(label=_("Date of the contact"), help_text=_("For example, 27 3 2026"))
    time = forms.CharField(
        label=_("Time (optional)"),
        help_text=_("For example, 14:30"),
        max_length=5,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input govuk-input--width-5", "inputmode": "numeric"}),
    )
    channel = forms.ChoiceField(
        label=_("How"),
        choices=ContactChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the contact was made.")},
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=ContactDirection.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether it was outgoing or incoming.")},
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=ContactOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what came of it.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        help_text=_("Never the partner's address, phone number or where she lives."),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_time(self) -> datetime.time | None:
        typed = (self.cleaned_data.get("time") or "").strip()
        if not typed:
            return None
        found = _TIME.match(typed)
        if not found:
            raise forms.ValidationError(_("Enter the time as hours and minutes, for example 14:30"))
        return datetime.time(int(found.group(1)), int(found.group(2)))


VOICEMAIL_YES, VOICEMAIL_NO = "yes", "no"


class SafeContactForm(GovukFormMixin, forms.Form):
    """Her safe-contact arrangements, on her case only."""

    safe_times = forms.CharField(
        label=_("When is it safe to contact her?"),
        help_text=_("For example, weekdays between 10am and 2pm, while he is at work."),
        max_length=200,
        error_messages={"required": _("Enter when it is safe to contact her.")},
    )
    channels = forms.MultipleChoiceField(
        label=_("Which ways of contacting her are safe?"),
        choices=ContactChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one safe way to contact her.")},
    )
    voicemail = forms.ChoiceField(
        label=_("May a voicemail be left?"),
        choices=[(VOICEMAIL_YES, _("Yes")), (VOICEMAIL_NO, _("No"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether a voicemail may be left.")},
    )
    safe_word = forms.CharField(
        label=_("Safe word (optional)"),
        help_text=_("A word she will use, or ask for, to show it is safe to talk."),
        max_length=60,
        required=False,
    )
    others_may_answer = forms.CharField(
        label=_("Who else may answer (optional)"),
        help_text=_("For example, only her; or her sister, who knows about the support."),
        max_length=200,
        required=False,
    )
