"""The plan page's forms: a goal, an activity from the region's catalogue, and each activity's and goal's
status."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.accounts.models import Agency
from pathways.cases.choices import ACTIVITY_CHOSEN, ActivityStatus, GoalStatus
from pathways.cases.models import Goal
from pathways.cases.models.plan import DETAIL_LENGTH, GOAL_LENGTH
from pathways.cases.selectors.plan import CatalogueGroup
from pathways.cases.selectors.rules import name_shown
from pathways.core.forms import DayMonthYearField, GovukFormMixin
from pathways.core.sealedtext import Marker
from pathways.people.sealed import sealed_details_withhold, withheld_message

NONE = ""
# How much of a goal names it in the list of goals an activity may serve.
GOAL_SHOWN = 80


class GoalForm(GovukFormMixin, forms.Form):
    description = forms.CharField(
        label=_("Goal"),
        max_length=GOAL_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the work aims for. Leave out anyone's address, phone number or school."),
        error_messages={
            "required": _("Enter the goal"),
            "max_length": _("The goal must be 500 characters or fewer"),
        },
    )


class ActivityForm(GovukFormMixin, forms.Form):
    activity = forms.ChoiceField(
        label=_("Activity"),
        error_messages={
            "required": _("Choose an activity"),
            "invalid_choice": _("Choose an activity from the list"),
        },
    )
    owner = forms.ChoiceField(
        label=_("Done by"),
        help_text=_("An agency of the kind that does the activity."),
        error_messages={
            "required": _("Choose the agency that will do it"),
            "invalid_choice": _("Choose the agency that will do it"),
        },
    )
    due_on = DayMonthYearField(label=_("Due date"))
    goal = forms.ChoiceField(
        label=_("Towards goal"),
        required=False,
        error_messages={"invalid_choice": _("Choose one of this case's goals")},
    )
    detail = forms.CharField(
        label=_("Detail (optional)"),
        required=False,
        max_length=DETAIL_LENGTH,
        help_text=_("The agency doing it reads this. Leave out anyone's address, phone number or school."),
        error_messages={"max_length": _("The detail must be 200 characters or fewer")},
    )

    def __init__(
        self,
        *args: Any,
        catalogue: list[CatalogueGroup],
        owners: list[tuple[str, list[Agency]]],
        goals: list[Goal],
        goal_markers: list[Marker],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.agencies = {str(a.pk): a for _label, agencies in owners for a in agencies}
        self.goals = {str(g.pk): g for g in goals}
        self._choices(
            "activity",
            [
                (NONE, _("Choose an activity")),
                *((g.label, [(e.slug, name_shown(e.name)) for e in g.entries]) for g in catalogue),
            ],
        )
        self._choices(
            "owner",
            [
                (NONE, _("Choose an agency")),
                *((label, [(str(a.pk), a.name) for a in agencies]) for label, agencies in owners),
            ],
        )
        self._choices(
            "goal", [(NONE, _("No one goal")), *((str(g.pk), _goal_label(g, goal_markers)) for g in goals)]
        )

    def _choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def chosen_owner(self) -> Agency | None:
        return self.agencies.get(self.cleaned_data.get("owner") or NONE)

    def chosen_goal(self) -> Goal | None:
        return self.goals.get(self.cleaned_data.get("goal") or NONE)


def _goal_label(goal: Goal, markers: list[Marker]) -> str:
    text = sealed_details_withhold(goal.description, markers)
    if text is None:
        return str(withheld_message())
    return text if len(text) <= GOAL_SHOWN else text[: GOAL_SHOWN - 1] + "…"


class ActivityStatusForm(GovukFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(s.value, s.label) for s in ActivityStatus if s in ACTIVITY_CHOSEN],
        error_messages={
            "required": _("Choose the activity's status"),
            "invalid_choice": _("Choose the activity's status"),
        },
    )


class GoalStatusForm(GovukFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=GoalStatus.choices,
        error_messages={
            "required": _("Choose how far the goal was met"),
            "invalid_choice": _("Choose how far the goal was met"),
        },
    )
