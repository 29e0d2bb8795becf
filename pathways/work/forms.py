from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import ActivityStatus
from pathways.core.forms import GovukFormMixin

# What the agency doing an activity marks from its Tasks: the service planned it, so it is not "planned"
# again from here.
MARKED = (ActivityStatus.IN_PROGRESS, ActivityStatus.DONE, ActivityStatus.NOT_POSSIBLE)


class ActivityMarkForm(GovukFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Mark as"),
        choices=[(s.value, s.label) for s in MARKED],
        error_messages={
            "required": _("Choose how the activity stands"),
            "invalid_choice": _("Choose how the activity stands"),
        },
    )
