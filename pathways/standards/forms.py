"""The forms of the standards pages: starting a review, rating one item, completing a review, comparing
two, and recording an accreditation."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.core.forms import DayMonthYearField, GovukFormMixin
from pathways.standards.choices import AccreditationScheme, Rating, ReviewKind


class ReviewStartForm(GovukFormMixin, forms.Form):
    checklist = forms.ChoiceField(
        label=_("Checklist"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a checklist."), "invalid_choice": _("Choose a checklist.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind of review"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what kind of review this is."),
            "invalid_choice": _("Choose what kind of review this is."),
        },
    )
    reviewer = forms.CharField(
        label=_("Who reviewed"),
        help_text=_("The people or team who reviewed the service, as the review should name them."),
        max_length=200,
        error_messages={"required": _("Enter who reviewed the service.")},
    )
    reviewed_on = DayMonthYearField(
        label=_("Date of the review"),
        help_text=_("For example, 27 3 2026"),
        error_messages={"required": _("Enter the date of the review.")},
    )

    def __init__(
        self, *args: Any, checklists: list[tuple[str, str]], kinds: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["checklist"]).choices = checklists
        labels = dict(ReviewKind.choices)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [(k, labels[k]) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]


class ReviewItemForm(GovukFormMixin, forms.Form):
    rating = forms.ChoiceField(
        label=_("Rating"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating."), "invalid_choice": _("Choose a rating.")},
    )
    findings = forms.CharField(
        label=_("Findings"),
        help_text=_("What the service does, and what the rating rests on."),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    evidence = forms.MultipleChoiceField(
        label=_("Evidence"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose the evidence from the list.")},
    )
    review_by = DayMonthYearField(
        label=_("Review by (Amber only)"),
        help_text=_("The date agreed with the service by which this item is looked at again."),
        required=False,
    )

    def __init__(self, *args: Any, sources: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["evidence"]).choices = sources


class ReviewCompleteForm(GovukFormMixin, forms.Form):
    summary = forms.CharField(
        label=_("Summary of the review (optional)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class CompareForm(forms.Form):
    first = forms.UUIDField()
    second = forms.UUIDField()


class AccreditationForm(GovukFormMixin, forms.Form):
    scheme = forms.ChoiceField(
        label=_("Accreditation"),
        choices=AccreditationScheme.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose the accreditation."),
            "invalid_choice": _("Choose the accreditation."),
        },
    )
    awarded_on = DayMonthYearField(
        label=_("Date awarded"), error_messages={"required": _("Enter the date awarded.")}
    )
    expires_on = DayMonthYearField(label=_("Date it expires (optional)"), required=False)
