"""Forms built from an instrument version's definition, in the reader's language."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from pathways.assessments.instrumentfile import Instrument, Item
from pathways.assessments.models import Context
from pathways.core.forms import DayMonthYearField, GovukFormMixin

SCALES = {
    "yes_no_dk": [("yes", _("Yes")), ("no", _("No")), ("dont_know", _("Don't know"))],
    "yes_no": [("yes", _("Yes")), ("no", _("No"))],
    "presence": [
        ("absent", _("Absent")),
        ("possibly_present", _("Possibly present")),
        ("present", _("Present")),
        ("omitted", _("Omitted")),
    ],
}


def words(value: Any) -> str:
    """The Welsh or English text of a {en, cy} pair, in the current language."""
    if value is None:
        return ""
    data = value if isinstance(value, dict) else value.model_dump()
    return str(data.get("cy") if get_language() == "cy" and data.get("cy") else data.get("en", ""))


class StartForm(GovukFormMixin, forms.Form):
    instrument = forms.ChoiceField(label=_("Form"))
    context = forms.ChoiceField(label=_("Why it is being done"), choices=Context.choices)
    assessed_on = DayMonthYearField(
        label=_("Date of assessment"), error_messages={"required": _("Enter the date of the assessment")}
    )

    def __init__(self, *args: Any, instruments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = instruments

    def clean_assessed_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["assessed_on"]
        if day > datetime.date.today():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


def _field(item: Item) -> forms.Field:
    label, help_text = words(item.label), words(item.help)
    if item.type in SCALES:
        return forms.ChoiceField(
            label=label,
            help_text=help_text,
            choices=SCALES[item.type],
            required=False,
            widget=forms.RadioSelect,
        )
    if item.type == "choice":
        return forms.ChoiceField(
            label=label,
            required=False,
            widget=forms.RadioSelect,
            choices=[(c.value, words(c.label)) for c in item.choices or []],
        )
    if item.type == "number":
        return forms.IntegerField(
            label=label,
            help_text=help_text,
            required=False,
            min_value=int(item.min) if item.min is not None else None,
            max_value=int(item.max) if item.max is not None else None,
        )
    if item.type == "date":
        return DayMonthYearField(label=label, required=False)
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswersForm(GovukFormMixin, forms.Form):
    narrative = forms.CharField(
        label=_("Your narrative"), required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 5})
    )
    sources = forms.CharField(
        label=_("Sources of information"),
        required=False,
        max_length=2000,
        help_text=_("Who and what the answers come from: the person, the victim, police records..."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        self.instrument = instrument
        super().__init__(*args, **kwargs)
        for section in instrument.sections:
            for item in section.items:
                if item.type == "presence_recent_past":
                    recent, past = _("recent"), _("past")
                    self.fields[f"{item.id}__recent"] = forms.ChoiceField(
                        label=f"{words(item.label)}: {recent}",
                        choices=SCALES["presence"],
                        required=False,
                        widget=forms.RadioSelect,
                    )
                    self.fields[f"{item.id}__past"] = forms.ChoiceField(
                        label=f"{words(item.label)}: {past}",
                        choices=SCALES["presence"],
                        required=False,
                        widget=forms.RadioSelect,
                    )
                else:
                    self.fields[item.id] = _field(item)
        for item in instrument.judgements:
            self.fields[item.id] = _field(item)

    def sections(self) -> list[dict[str, Any]]:
        groups = []
        for section in self.instrument.sections:
            names = []
            for item in section.items:
                names += (
                    [f"{item.id}__recent", f"{item.id}__past"]
                    if item.type == "presence_recent_past"
                    else [item.id]
                )
            groups.append(
                {
                    "id": section.id,
                    "title": words(section.title),
                    "fields": [self[n] for n in names],
                    "when": section.when,
                }
            )
        if self.instrument.judgements:
            groups.append(
                {
                    "id": "judgements",
                    "title": str(_("Your judgement")),
                    "fields": [self[j.id] for j in self.instrument.judgements],
                    "when": None,
                }
            )
        return groups

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        for section in self.instrument.sections:
            for item in section.items:
                if item.type == "presence_recent_past":
                    pair = {
                        k: data.get(f"{item.id}__{k}")
                        for k in ("recent", "past")
                        if data.get(f"{item.id}__{k}")
                    }
                    if pair:
                        answers[item.id] = pair
                elif data.get(item.id) not in (None, ""):
                    value = data[item.id]
                    answers[item.id] = value.isoformat() if isinstance(value, datetime.date) else value
        for item in self.instrument.judgements:
            if data.get(item.id) not in (None, ""):
                answers[item.id] = data[item.id]
        return answers

    @classmethod
    def initial_from(cls, instrument: Instrument, answers: dict[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for key, value in answers.items():
            if isinstance(value, dict):
                for part, rating in value.items():
                    initial[f"{key}__{part}"] = rating
            else:
                initial[key] = value
        return initial


class CorrectForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why does this assessment need correcting?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
