"""Thin forms for the panel pages: they collect input; the meeting rules live in services.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pathways.accounts.models import Agency, User
from pathways.assessments.models import ScreeningRound
from pathways.core.forms import DayMonthYearField, GovukFormMixin
from pathways.panels.choices import ActionStatus, Outcome
from pathways.panels.models import Attendance, PanelMember
from pathways.people.models import Person

PRESENT, DEPUTY, ABSENT = "present", "deputy", "absent"


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return obj.display_name


class ScreeningChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ScreeningRound) -> str:
        return f"{obj.service.name}, {date_format(obj.held_on, 'j F Y')}"


class MeetingForm(GovukFormMixin, forms.Form):
    held_on = DayMonthYearField(
        label=_("Date of the meeting"),
        required=False,
        help_text=_("Leave empty for the next date on the panel's schedule. For example, 27 3 2027"),
    )


class AttendanceForm(forms.Form):
    """One question per seat: attended, their named deputy attended, or absent."""

    def __init__(
        self,
        *args: Any,
        members: Iterable[PanelMember],
        recorded: Iterable[Attendance] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.members = list(members)
        earlier = {a.member_id: a for a in recorded}
        for member in self.members:
            name = f"member_{member.pk}"
            choices = [(PRESENT, gettext("Attended"))]
            if member.deputy is not None:
                choices.append(
                    (DEPUTY, gettext("Their deputy, %(name)s, attended") % {"name": member.deputy})
                )
            choices.append((ABSENT, gettext("Did not attend")))
            self.fields[name] = forms.ChoiceField(
                label=f"{member.user}, {member.agency.name} ({member.get_role_display()})",
                choices=choices,
                widget=forms.RadioSelect,
                error_messages={"required": gettext("Say whether %(name)s attended") % {"name": member.user}},
            )
            seen = earlier.get(member.pk)
            if seen is not None:
                self.initial[name] = DEPUTY if seen.by_deputy else PRESENT if seen.present else ABSENT

    def attendance(self) -> dict[int, tuple[bool, bool]]:
        """Member pk -> (present, by_deputy), as services.record_attendance takes it."""
        answers: dict[int, tuple[bool, bool]] = {}
        for member in self.members:
            answer = self.cleaned_data[f"member_{member.pk}"]
            answers[member.pk] = (answer in (PRESENT, DEPUTY), answer == DEPUTY)
        return answers


class DecisionForm(GovukFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("The panel's decision"),
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the panel's decision")},
    )
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=4000,
        help_text=_("Why the panel decided this: what anyone reading the record later needs to know."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Give the reasons for the decision")},
    )
    review_on = DayMonthYearField(
        label=_("Review the case on (optional)"),
        required=False,
        help_text=_("The case comes back to the panel's agenda for review on or after this date."),
    )
    screening = ScreeningChoiceField(
        label=_("Screening record (optional)"),
        queryset=ScreeningRound.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_(
            "If the service has screened them already, the screening in which they were taken. Otherwise "
            "the decision makes the referral, and the service screens it."
        ),
    )

    def __init__(
        self,
        *args: Any,
        screenings: QuerySet[ScreeningRound] | None = None,
        outcomes: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if outcomes is not None:
            # The panel's own: a referral to its screened service, by the service's name, if it has one.
            outcome = self.fields["outcome"]
            assert isinstance(outcome, forms.ChoiceField)
            outcome.choices = outcomes
        field = self.fields["screening"]
        assert isinstance(field, forms.ModelChoiceField)
        if screenings is None:
            del self.fields["screening"]
        else:
            field.queryset = screenings


class ActionForm(GovukFormMixin, forms.Form):
    description = forms.CharField(
        label=_("Action"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what needs to be done")},
    )
    agency = AgencyChoiceField(
        label=_("Agency responsible"),
        queryset=Agency.objects.none(),
        empty_label=_("Choose an agency"),
        error_messages={"required": _("Choose the agency responsible")},
    )
    owner = forms.ModelChoiceField(
        label=_("Person responsible (optional)"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody named yet"),
    )
    due_on = DayMonthYearField(
        label=_("Due"), error_messages={"required": _("Enter the date the action is due")}
    )

    def __init__(self, *args: Any, agencies: QuerySet[Agency], owners: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agency = self.fields["agency"]
        owner = self.fields["owner"]
        assert isinstance(agency, forms.ModelChoiceField) and isinstance(owner, forms.ModelChoiceField)
        agency.queryset = agencies
        owner.queryset = owners


class ActionStatusForm(GovukFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ActionStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the action's status")},
    )


class NominationForm(GovukFormMixin, forms.Form):
    person = PersonChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        empty_label=_("Choose a person your agency works with"),
        error_messages={"required": _("Choose the person to refer in")},
    )
    reason = forms.CharField(
        label=_("Why this person should be discussed"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Say why the panel should discuss this person")},
    )

    def __init__(self, *args: Any, people: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = people
