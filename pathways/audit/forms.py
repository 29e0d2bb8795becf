from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.audit.choices import AuditAction
from pathways.core.forms import DayMonthYearField, GovukFormMixin


class AuditSearchForm(GovukFormMixin, forms.Form):
    user = forms.CharField(label=_("Username"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action")), *AuditAction.choices]
    )
    record = forms.CharField(label=_("Record identifier"), required=False, max_length=64)
    date_from = DayMonthYearField(label=_("From"), required=False)
    date_to = DayMonthYearField(label=_("To"), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            self.add_error("date_to", _("The end date must be the same as or after the start date."))
        return data
