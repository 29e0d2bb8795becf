"""The safety update form on the case of someone being harmed: what her support worker sends to the
services working with the man who harms her."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import RiskChange
from pathways.cases.models.partner import MESSAGE_LENGTH
from pathways.core.forms import DayMonthYearField, GovukFormMixin


class SafetyUpdateForm(GovukFormMixin, forms.Form):
    risk_change = forms.ChoiceField(
        label=_("Has the risk to her changed?"),
        choices=[("", _("Not part of this update")), *RiskChange.choices],
        widget=forms.RadioSelect,
        required=False,
    )
    changed_on = DayMonthYearField(
        label=_("Since when"), help_text=_("For example, 27 3 2026"), required=False
    )
    new_incident = forms.BooleanField(label=_("She has reported a new incident"), required=False)
    contact_increases_risk = forms.BooleanField(
        label=_("Contact with him would increase risk now"),
        help_text=_("His service's first contact with him waits until you say otherwise."),
        required=False,
    )
    message = forms.CharField(
        label=_("Message for the service working with him (optional)"),
        help_text=_("Never her address, phone number, email, where she lives or her children's school."),
        max_length=MESSAGE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=_("I confirm the service working with him may read this message"), required=False
    )
