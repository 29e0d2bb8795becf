"""The forms of a case's ending page. Each has its own prefix, since the page holds several."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.accounts.models import Agency
from pathways.cases.choices import ReEngagementChannel, ReEngagementOutcome
from pathways.core.forms import DayMonthYearField, GovukFormMixin


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


class _AgencyChoice(forms.Form):
    agency = forms.ChoiceField(label=_("Agency"), error_messages=_required(_("Choose the agency")))

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {str(a.pk): a for a in agencies}
        field = self.fields["agency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Choose an agency")), *((k, a.name) for k, a in self.agencies.items())]

    def chosen_agency(self) -> Agency | None:
        return self.agencies.get(self.cleaned_data.get("agency") or "")


class ManagementForm(GovukFormMixin, _AgencyChoice):
    accepted_by = forms.CharField(
        label=_("Who accepted it there"),
        max_length=200,
        help_text=_("Their name and role, for example Rhodri Powell, probation officer"),
        error_messages=_required(_("Enter who at the agency accepted management of the case")),
    )
    accepted_on = DayMonthYearField(label=_("Date accepted"), help_text=_("For example, 27 3 2026"))
    note = forms.CharField(
        label=_("Note (optional)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="management", **kwargs)
        self.fields["agency"].label = _("Agency that has accepted management of the case")


class AgencyInputForm(GovukFormMixin, _AgencyChoice):
    summary = forms.CharField(
        label=_("What they said"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required(_("Enter what the agency said")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="input", **kwargs)
        self.fields["agency"].label = _("Agency whose view this is")


class EndForm(GovukFormMixin, forms.Form):
    state = forms.ChoiceField(
        label=_("How the case ended"),
        widget=forms.RadioSelect,
        error_messages=_required(_("Choose how the case ended")),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required(_("Enter the reason the case is ending")),
    )
    ended_on = DayMonthYearField(label=_("Date the case ended"), help_text=_("For example, 27 3 2026"))

    def __init__(self, *args: Any, endings: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, prefix="end", **kwargs)
        field = self.fields["state"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = list(endings)


class ReEngagementForm(GovukFormMixin, forms.Form):
    on = DayMonthYearField(label=_("Date of the attempt"), help_text=_("For example, 27 3 2026"))
    channel = forms.ChoiceField(
        label=_("How"),
        choices=ReEngagementChannel.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Choose how the attempt was made")),
    )
    outcome = forms.ChoiceField(
        label=_("What came of it"),
        choices=ReEngagementOutcome.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Choose what came of it")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="attempt", **kwargs)
