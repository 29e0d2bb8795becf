"""The directory's side of an agency in the admin: the areas it covers and the services it runs.

Those links belong to the directory (`Area.agencies`, `Service.agencies`), which sits above accounts, so
the agency page gains its two fields here rather than accounts reaching up for them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.utils.translation import gettext_lazy as _

from pathways.accounts.admin import AgencyAdmin, admin_site
from pathways.accounts.models import Agency
from pathways.directory.models import Area, Service


class AgencyWithDirectoryForm(forms.ModelForm):
    areas = forms.ModelMultipleChoiceField(
        queryset=Area.objects.all(),
        label=_("areas covered"),
        widget=FilteredSelectMultiple(_("areas"), is_stacked=False),
    )
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.all(),
        required=False,
        label=_("services it runs"),
        help_text=_("Referrals to these services are sent to this agency."),
        widget=FilteredSelectMultiple(_("services"), is_stacked=False),
    )

    class Meta:
        model = Agency
        fields = ["slug", "name_en", "name_cy", "type", "areas", "services", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("areas", list(self.instance.areas.all()))
            self.initial.setdefault("services", list(self.instance.services.all()))

    def save(self, commit: bool = True) -> Agency:
        agency: Agency = super().save(commit=commit)
        if commit:
            self._save_links()
        else:  # the admin saves the agency first, then calls save_m2m
            save_model_links = self.save_m2m

            def save_m2m() -> None:
                save_model_links()
                self._save_links()

            self.save_m2m = save_m2m  # type: ignore[method-assign]  # as ModelForm.save itself does
        return agency

    def _save_links(self) -> None:
        self.instance.areas.set(self.cleaned_data["areas"])
        self.instance.services.set(self.cleaned_data["services"])


class AgencyWithDirectoryAdmin(AgencyAdmin):
    form = AgencyWithDirectoryForm


admin_site.unregister(Agency)
admin_site.register(Agency, AgencyWithDirectoryAdmin)
