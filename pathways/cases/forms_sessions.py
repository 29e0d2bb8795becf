"""Thin forms for the sessions pages: they collect input; the rules are in services/sessions.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pathways.accounts.models import User
from pathways.cases.choices import AttendanceStatus, FollowUpLearned, FollowUpWith, SessionStatus
from pathways.cases.forms import ServiceChoiceMixin
from pathways.cases.rulesfile import Session as StepRule
from pathways.cases.selectors.rules import name_shown
from pathways.cases.selectors.sessions import FollowUpDue, RosterRow
from pathways.core.forms import DayMonthYearField, GovukFormMixin
from pathways.directory.models import Service

# The step choice for a session that is not part of the programme (never a slug: slugs have no "_").
AD_HOC = "_ad_hoc"
TIME_HINT = _("Optional. For example, 14:30")
DATE_HINT = _("For example, 27 3 2026")


def _steps(steps: Sequence[StepRule]) -> list[tuple[str, str]]:
    return [
        ("", gettext("Choose a session")),
        *((s.slug, name_shown(s.name)) for s in steps),
        (AD_HOC, gettext("An ad-hoc session, not part of the programme")),
    ]


class _SessionFields(GovukFormMixin, forms.Form):
    step = forms.ChoiceField(label=_("Session"))
    status = forms.ChoiceField(
        label=_("The session"),
        choices=[
            (SessionStatus.HELD, _("Was held")),
            (SessionStatus.PLANNED, _("Is planned")),
            (SessionStatus.CANCELLED, _("Was cancelled")),
        ],
        widget=forms.RadioSelect,
        initial=SessionStatus.HELD,
        error_messages={"required": _("Say whether the session was held, is planned or was cancelled")},
    )
    held_on = DayMonthYearField(label=_("Date of the session"), help_text=DATE_HINT)
    starts_at = forms.TimeField(
        label=_("Start time"),
        required=False,
        help_text=TIME_HINT,
        input_formats=["%H:%M", "%H.%M", "%H%M"],
        error_messages={"invalid": _("Enter the start time as hours and minutes, for example 14:30")},
        widget=forms.TimeInput(format="%H:%M", attrs={"class": "govuk-input govuk-input--width-5"}),
    )

    def __init__(self, *args: Any, steps: Sequence[StepRule], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["step"]
        assert isinstance(field, forms.ChoiceField)
        if steps:
            field.choices = _steps(steps)
            field.error_messages["required"] = gettext("Choose the session of the programme, or ad hoc")
        else:
            # A service without a programme holds ad-hoc sessions only.
            field.choices = [(AD_HOC, gettext("An ad-hoc session"))]
            field.initial = AD_HOC
            field.required = False
            field.widget = forms.HiddenInput()

    @property
    def chosen_step(self) -> str:
        value = self.cleaned_data.get("step") or AD_HOC
        return "" if value == AD_HOC else value


class SessionForm(_SessionFields):
    """A one-to-one session: which, when, and whether the person came."""

    attendance = forms.ChoiceField(
        label=_("Did the person attend?"),
        choices=AttendanceStatus.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text=_("Only for a session that was held"),
    )
    reason = forms.CharField(
        label=_("Reason for the absence"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only when absent with a reason. Never a partner's address or contact details."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == SessionStatus.HELD and not data.get("attendance"):
            self.add_error("attendance", gettext("Say whether the person attended"))
        if (
            data.get("attendance") == AttendanceStatus.ABSENT_WITH_REASON
            and not (data.get("reason") or "").strip()
        ):
            self.add_error("reason", gettext("Give the reason for the absence"))
        return data


class GroupSessionForm(_SessionFields):
    """A group's session with every open case on its roster: attended, late or absent, with a reason."""

    facilitators = forms.MultipleChoiceField(
        label=_("Facilitators"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: Any,
        steps: Sequence[StepRule],
        members: Iterable[RosterRow],
        staff: Iterable[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, steps=steps, **kwargs)
        self.members = list(members)
        self.staff = {str(u.pk): u for u in staff}
        facilitators = self.fields["facilitators"]
        assert isinstance(facilitators, forms.MultipleChoiceField)
        facilitators.choices = [(pk, str(u)) for pk, u in self.staff.items()]
        for row in self.members:
            self.fields[f"member_{row.case.pk}"] = forms.ChoiceField(
                label=row.label,
                choices=AttendanceStatus.choices,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"reason_{row.case.pk}"] = forms.CharField(
                label=gettext("Reason %(name)s was absent") % {"name": row.label},
                required=False,
                max_length=500,
            )

    def member_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"member_{r.case.pk}"], self[f"reason_{r.case.pk}"]) for r in self.members]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in self.members:
            status = data.get(f"member_{row.case.pk}")
            if data.get("status") == SessionStatus.HELD and not status:
                self.add_error(
                    f"member_{row.case.pk}", gettext("Say whether %(name)s attended") % {"name": row.label}
                )
            if (
                status == AttendanceStatus.ABSENT_WITH_REASON
                and not (data.get(f"reason_{row.case.pk}") or "").strip()
            ):
                self.add_error(
                    f"reason_{row.case.pk}",
                    gettext("Give the reason %(name)s was absent") % {"name": row.label},
                )
        return data

    def attendance(self) -> dict[uuid.UUID, tuple[str, str]]:
        """Case id -> (status, reason), for the members answered."""
        found = {}
        for row in self.members:
            status = self.cleaned_data.get(f"member_{row.case.pk}")
            if status:
                found[row.case.pk] = (status, self.cleaned_data.get(f"reason_{row.case.pk}") or "")
        return found

    def chosen_facilitators(self) -> list[User]:
        return [self.staff[pk] for pk in self.cleaned_data.get("facilitators") or [] if pk in self.staff]


class FollowUpForm(GovukFormMixin, forms.Form):
    task = forms.ChoiceField(label=_("Follow-up"))
    done_on = DayMonthYearField(label=_("Date of the follow-up"), help_text=DATE_HINT)
    with_whom = forms.ChoiceField(
        label=_("Who was it with?"),
        choices=FollowUpWith.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say who the follow-up was with")},
    )
    learned = forms.ChoiceField(
        label=_("What was learned?"),
        choices=FollowUpLearned.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say what was learned")},
    )
    detail = forms.CharField(
        label=_("In a few words (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Never a partner's address or contact details."),
    )

    def __init__(self, *args: Any, due: Sequence[FollowUpDue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["task"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(d.task.pk), d.name) for d in due]
        field.error_messages["required"] = gettext("Choose the follow-up")
        if len(due) == 1:
            field.initial = str(due[0].task.pk)
            field.widget = forms.HiddenInput()


class GroupForm(GovukFormMixin, ServiceChoiceMixin):
    service = forms.ChoiceField(label=_("Service"))
    name = forms.CharField(
        label=_("Name of the group"),
        max_length=100,
        help_text=_("For example, Tuesday evening group. Never a person's name."),
        error_messages={"required": _("Enter the group's name")},
    )
    starts_on = DayMonthYearField(label=_("Date it starts"), help_text=DATE_HINT)

    def __init__(self, *args: Any, services: Sequence[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services_offer(services)
        field = self.fields["service"]
        field.error_messages["required"] = gettext("Choose the service")
        if len(services) == 1:
            field.initial = str(services[0].pk)


class RosterAddForm(GovukFormMixin, forms.Form):
    case = forms.ChoiceField(label=_("Add a case to the roster"))

    def __init__(self, *args: Any, cases: Iterable[RosterRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cases = {str(r.case.pk): r.case for r in cases}
        field = self.fields["case"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", gettext("Choose a case")), *((str(r.case.pk), r.label) for r in cases)]
        field.error_messages["required"] = gettext("Choose a case to add")
        field.error_messages["invalid_choice"] = gettext("Choose an open case at the group's service")


class FacilitatorsForm(GovukFormMixin, forms.Form):
    facilitators = forms.MultipleChoiceField(
        label=_("Facilitators"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, staff: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = {str(u.pk): u for u in staff}
        field = self.fields["facilitators"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(pk, str(u)) for pk, u in self.staff.items()]
        field.error_messages["invalid_choice"] = gettext(
            "Choose facilitators from the practitioners and managers at the service."
        )

    def chosen(self) -> list[User]:
        return [self.staff[pk] for pk in self.cleaned_data.get("facilitators") or []]
