from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.core.forms import DayMonthYearField, GovukFormMixin
from pathways.insights.choices import Group


class GapMapFilterForm(GovukFormMixin, forms.Form):
    group = forms.MultipleChoiceField(
        label=_("Show only services that take"),
        required=False,
        choices=Group.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    as_at = DayMonthYearField(
        label=_("As at"),
        required=False,
        help_text=_("For example, 30 9 2020. Leave empty for the date the region file describes."),
    )
