"""The forms of a case's assessments page: counting an assessment at a stage of the case, and another
agency's view of the risk."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.accounts.models import Agency
from pathways.cases.choices import AgencyRisk, AssessmentStage
from pathways.cases.services.assessment import SUMMARY_MAX
from pathways.core.forms import DayMonthYearField, GovukFormMixin

NONE = ""


class AssessmentLinkForm(GovukFormMixin, forms.Form):
    assessment = forms.ChoiceField(
        label=_("Assessment"), error_messages={"required": _("Select the assessment")}
    )
    stage = forms.ChoiceField(
        label=_("When in the case it was made"),
        choices=AssessmentStage.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select when in the case the assessment was made")},
    )

    def __init__(self, *args: Any, assessments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assessment"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = assessments


class AgencyViewForm(GovukFormMixin, forms.Form):
    agency = forms.ChoiceField(
        label=_("Agency"), error_messages={"required": _("Select the agency whose view it is")}
    )
    risk = forms.ChoiceField(
        label=_("The risk they see"),
        choices=AgencyRisk.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select the risk they see")},
    )
    summary = forms.CharField(
        label=_("What they see, in a few words"),
        max_length=SUMMARY_MAX,
        help_text=_("Never a partner's, victim's or child's address, phone number, email address or school."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say in a few words what they see")},
    )
    # Its own messages name it: "Enter the date they gave their view".
    given_on = DayMonthYearField(label=_("The date they gave their view"))
    assessment = forms.ChoiceField(label=_("For which of the case's assessments"), required=False)

    def __init__(
        self, *args: Any, agencies: list[Agency], assessments: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {str(a.pk): a for a in agencies}
        agency = self.fields["agency"]
        assert isinstance(agency, forms.ChoiceField)
        agency.choices = [(NONE, _("Select an agency")), *((pk, a.name) for pk, a in self.agencies.items())]
        assessment = self.fields["assessment"]
        assert isinstance(assessment, forms.ChoiceField)
        assessment.choices = [(NONE, _("None in particular")), *assessments]

    def clean_given_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["given_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date they gave it cannot be in the future."))
        return day

    def chosen_agency(self) -> Agency | None:
        return self.agencies.get(self.cleaned_data.get("agency") or NONE)
