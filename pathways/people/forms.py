from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.core.forms import GovukFormMixin


class RevealForm(GovukFormMixin, forms.Form):
    purpose = forms.CharField(
        label=_("Why do you need to see these details?"),
        min_length=5,
        max_length=300,
        help_text=_("For example: to arrange a safe time to call. This is recorded with your name."),
    )
