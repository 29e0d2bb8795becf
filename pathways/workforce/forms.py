"""The forms of the staff pages: adding a member of staff, their training, a skills rating item by item,
and whether they know how to reach confidential support."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.core.forms import DayMonthYearField, GovukFormMixin
from pathways.workforce.choices import Knows, TrainingKind, TrainingTopic
from pathways.workforce.skillsfile import SkillsFile

NOBODY = ""


class StaffForm(GovukFormMixin, forms.Form):
    full_name = forms.CharField(
        label=_("Name"),
        max_length=200,
        error_messages={"required": _("Enter the name of the member of staff.")},
    )
    job_title = forms.CharField(label=_("Job title (optional)"), max_length=200, required=False)
    service = forms.ChoiceField(label=_("Service"), required=False)
    user = forms.ChoiceField(label=_("Their Pathways account (optional)"), required=False)
    qualifications = forms.CharField(
        label=_("Qualifications (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    mi_days_before = forms.DecimalField(
        label=_("Days of motivational interviewing training before joining (optional)"),
        help_text=_("In their career so far, as they report it. Training from now on is recorded below."),
        min_value=Decimal(0),
        max_value=Decimal(365),
        decimal_places=1,
        required=False,
        error_messages={
            "invalid": _("Enter a number of days, like 2 or 0.5."),
            "min_value": _("Days of MI training must be between 0 and 365."),
            "max_value": _("Days of MI training must be between 0 and 365."),
            "max_decimal_places": _("Enter days to one decimal place, like 0.5."),
        },
    )

    def __init__(
        self, *args: Any, services: list[tuple[str, str]], users: list[tuple[str, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [(NOBODY, _("No one service")), *services]
        cast(forms.ChoiceField, self.fields["user"]).choices = [(NOBODY, _("No account")), *users]


class TrainingForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What was it?"),
        choices=TrainingKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what kind of session it was.")},
    )
    topic = forms.ChoiceField(
        label=_("Topic"), choices=TrainingTopic.choices, error_messages={"required": _("Choose the topic.")}
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Enter a title.")}
    )
    attended_on = DayMonthYearField(label=_("Date"), error_messages={"required": _("Enter the date.")})
    days = forms.DecimalField(
        label=_("Days"),
        help_text=_("Half a day is 0.5; an hour is about 0.2."),
        min_value=Decimal(0),
        max_value=Decimal(365),
        decimal_places=1,
        error_messages={
            "required": _("Enter how many days it took."),
            "invalid": _("Enter a number of days, like 2 or 0.5."),
            "min_value": _("Days must be between 0 and 365."),
            "max_value": _("Days must be between 0 and 365."),
            "max_decimal_places": _("Enter days to one decimal place, like 0.5."),
        },
    )
    refresher_due_on = DayMonthYearField(label=_("Refresher due (optional)"), required=False)


class SupportForm(GovukFormMixin, forms.Form):
    knows_confidential_support = forms.ChoiceField(
        label=_("Do they know how to reach separate confidential support?"),
        choices=Knows.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an answer.")},
    )


class RatingForm(GovukFormMixin, forms.Form):
    rated_on = DayMonthYearField(
        label=_("Date rated"), error_messages={"required": _("Enter the date rated.")}
    )
    rater = forms.CharField(
        label=_("Rated by"),
        help_text=_("The trained rater who scored the written responses."),
        max_length=200,
        error_messages={"required": _("Enter who rated the responses.")},
    )

    def __init__(self, *args: Any, file: SkillsFile, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = []
        for item in file.items:
            name = f"item_{item.id}"
            self.fields[name] = forms.TypedChoiceField(
                label=_("Vignette %(vignette)s, item %(item)s")
                % {"vignette": item.vignette, "item": item.id},
                choices=[("", "-")] + [(str(n), str(n)) for n in range(file.score_min, file.score_max + 1)],
                coerce=int,
                error_messages={
                    "required": _("Enter a score for every item."),
                    "invalid_choice": _("Choose a score from the list."),
                },
            )
            # Added after the mixin dressed the form's own fields.
            self.fields[name].widget.attrs["class"] = "govuk-select"
            self.items.append(name)

    def scores(self) -> dict[str, int]:
        return {name.removeprefix("item_"): self.cleaned_data[name] for name in self.items}

    def item_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.items]
