import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.core.forms import DayMonthYearField, GovukFormMixin
from pathways.directory.choices import Format, Gender, ReferralRoute, Tier
from pathways.insights.choices import Group
from pathways.insights.models import SharingAgreement
from pathways.insights.outcomes import BY_CHOICES
from pathways.insights.scenarios import ADULTS_FROM, Draft


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


class OutcomesForm(GovukFormMixin, forms.Form):
    """Which outcomes: a year, a quarter or dates of one's own; one service or all; rows by service, area
    or tier."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    starts = DayMonthYearField(label=_("From"), required=False, help_text=_("For example, 1 4 2020."))
    ends = DayMonthYearField(label=_("To"), required=False, help_text=_("For example, 31 3 2021."))
    service = forms.ChoiceField(label=_("Service"), required=False)
    by = forms.ChoiceField(
        label=_("A row for each"),
        required=False,
        choices=BY_CHOICES,
        widget=forms.RadioSelect,
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False)

    def __init__(
        self,
        *args: Any,
        periods: list[tuple[str, str]],
        services: list[Any],
        whole_quarters: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Figures under the small-number rule come for whole quarters only: two ranges a day apart would
        # otherwise give away that day's referrals by their difference.
        self.whole_quarters = whole_quarters
        period, service, tier = (
            cast(forms.ChoiceField, self.fields[k]) for k in ("period", "service", "tier")
        )
        period.choices = [*periods, ("range", _("Dates you choose"))]
        service.choices = [("", _("All of them")), *[(s.slug, s.name) for s in services]]
        tier.choices = [("", _("All tiers")), *Tier.choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == "range":
            starts, ends = data.get("starts"), data.get("ends")
            if starts is None and "starts" not in self.errors:
                self.add_error("starts", _("Enter the first day of the period"))
            if ends is None and "ends" not in self.errors:
                self.add_error("ends", _("Enter the last day of the period"))
            if starts and ends and ends < starts:
                self.add_error("ends", _("The last day must be the same as or after the first day"))
            if starts and ends and (ends - starts).days > 366 * 10:
                self.add_error("ends", _("Choose a period of 10 years or less"))
            if self.whole_quarters and starts and (starts.day != 1 or starts.month not in (1, 4, 7, 10)):
                self.add_error(
                    "starts",
                    _("From must be the first day of a quarter: 1 January, 1 April, 1 July or 1 October"),
                )
            after = ends + datetime.timedelta(days=1) if ends else None
            if self.whole_quarters and after and (after.day != 1 or after.month not in (1, 4, 7, 10)):
                self.add_error(
                    "ends",
                    _("To must be the last day of a quarter: 31 March, 30 June, 30 September or 31 December"),
                )
        return data


class AgreementForm(GovukFormMixin, forms.ModelForm):
    starts_on = DayMonthYearField(label=_("In force from"), help_text=_("For example, 1 4 2026."))
    expires_on = DayMonthYearField(label=_("Expires"), help_text=_("For example, 31 3 2028."))

    class Meta:
        model = SharingAgreement
        fields = [
            "reference",
            "partner",
            "contact",
            "purpose",
            "lawful_basis",
            "special_category_condition",
            "starts_on",
            "expires_on",
        ]
        widgets = {"lawful_basis": forms.RadioSelect, "purpose": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "reference": _("The agreement's own reference, for example DSA-2026-04."),
            "special_category_condition": _(
                "The Article 9 condition and DPA 2018 Schedule 1 paragraph, for example Article 9(2)(j) "
                "with Schedule 1 paragraph 4 (research)."
            ),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, expires = data.get("starts_on"), data.get("expires_on")
        if starts and expires and expires < starts:
            self.add_error("expires_on", _("The agreement must expire on or after the day it starts"))
        return data


class ScenarioForm(GovukFormMixin, forms.Form):
    """A draft service: who it is for, how people reach it, its shape and capacity, and the period of past
    referrals to try it against."""

    name = forms.CharField(label=_("Name of the draft service"), max_length=200)
    tier = forms.ChoiceField(label=_("Tier"), choices=Tier.choices)
    areas = forms.MultipleChoiceField(label=_("Areas it serves"), widget=forms.CheckboxSelectMultiple)
    genders = forms.MultipleChoiceField(
        label=_("Who it is for"),
        required=False,
        choices=Gender.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for everyone."),
    )
    age_min = forms.IntegerField(
        label=_("Youngest age it takes"), min_value=16, max_value=99, initial=ADULTS_FROM
    )
    age_max = forms.IntegerField(
        label=_("Oldest age it takes (optional)"),
        min_value=16,
        max_value=120,
        required=False,
        help_text=_("Leave empty for no upper age."),
    )
    children_required = forms.BooleanField(label=_("Only families with children"), required=False)
    routes = forms.MultipleChoiceField(
        label=_("Referral routes it takes"),
        choices=ReferralRoute.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    formats = forms.MultipleChoiceField(
        label=_("Formats"), choices=Format.choices, widget=forms.CheckboxSelectMultiple
    )
    programme_weeks = forms.IntegerField(label=_("Programme length, in weeks"), min_value=1, max_value=104)
    patience_weeks = forms.IntegerField(
        label=_("Weeks people wait for a place, on average, before giving up"),
        min_value=0,
        max_value=104,
        help_text=_("0 if nobody gives up while waiting."),
    )
    drop_out_during = forms.IntegerField(
        label=_("Drop-out during the programme, in per cent"),
        min_value=0,
        max_value=100,
        help_text=_("The review cites 5.7% to 57% in the literature (section 4.3)."),
    )
    capacity_1 = forms.IntegerField(label=_("Places: first capacity to try"), min_value=1, max_value=2000)
    capacity_2 = forms.IntegerField(
        label=_("Places: second capacity (optional)"), min_value=1, max_value=2000, required=False
    )
    capacity_3 = forms.IntegerField(
        label=_("Places: third capacity (optional)"), min_value=1, max_value=2000, required=False
    )
    starts = DayMonthYearField(label=_("Past referrals from"), help_text=_("For example, 1 4 2025."))
    ends = DayMonthYearField(label=_("Past referrals to"), help_text=_("For example, 31 3 2026."))

    def __init__(self, *args: Any, areas: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["areas"]).choices = areas
        # Most drafts are tried against the year just gone, as the demo's own scenario is.
        today = timezone.localdate()
        self.fields["starts"].initial = today - datetime.timedelta(days=364)
        self.fields["ends"].initial = today
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField):
                field.widget.attrs["class"] = "govuk-input govuk-input--width-4"
                field.widget.attrs["inputmode"] = "numeric"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and ends < starts:
            self.add_error("ends", _("The last day must be the same as or after the first day"))
        if starts and ends and (ends - starts).days > 366 * 5:
            self.add_error("ends", _("Choose a period of 5 years or less"))
        youngest, oldest = data.get("age_min"), data.get("age_max")
        if youngest is not None and oldest is not None and oldest < youngest:
            self.add_error("age_max", _("The oldest age must be the same as or more than the youngest"))
        return data

    def capacities(self) -> list[int]:
        return sorted({c for c in (self.cleaned_data.get(f"capacity_{n}") for n in (1, 2, 3)) if c})

    def draft(self) -> Draft:
        """The draft service the valid form describes."""
        data = self.cleaned_data
        return Draft(
            name=data["name"],
            tier=data["tier"],
            areas=data["areas"],
            genders=data["genders"] or None,
            age_min=data["age_min"],
            age_max=data["age_max"],
            children_required=True if data["children_required"] else None,
            routes=data["routes"],
            formats=data["formats"],
            programme_weeks=data["programme_weeks"],
            patience_weeks=data["patience_weeks"],
            drop_out_during=data["drop_out_during"] / 100,
            capacities=self.capacities(),
        )
