from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.core.forms import DayMonthYearField, GovukFormMixin


class RevealForm(GovukFormMixin, forms.Form):
    purpose = forms.CharField(
        label=_("Why do you need to see these details?"),
        min_length=5,
        max_length=300,
        help_text=_("For example: to arrange a safe time to call. This is recorded with your name."),
    )


class PeopleSearchForm(GovukFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    date_of_birth = DayMonthYearField(label=_("Date of birth"), required=False, birth=True)
    reference = forms.CharField(
        label=_("Police, NHS or social services reference"), max_length=50, required=False
    )
