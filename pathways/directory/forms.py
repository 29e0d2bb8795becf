from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.core.forms import GovukFormMixin
from pathways.directory.choices import ServiceStatus, Tier
from pathways.directory.models import Area


class ServiceFilterForm(GovukFormMixin, forms.Form):
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=[("", _("All tiers")), *Tier.choices])
    area = forms.ChoiceField(label=_("Area"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *ServiceStatus.choices]
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = [("", _("All areas"))] + [(a.slug, a.name) for a in Area.objects.all()]
