from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from pathways.core.dates import birth_date_problem


class GovukFormMixin:
    """Adds GOV.UK Frontend classes and the aria links between a field, its hint and its error."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, DayMonthYearWidget | forms.RadioSelect):
                continue  # components/date.html and components/radios.html mark up their own inputs
            if isinstance(widget, forms.Select):
                css = "govuk-select"
            elif isinstance(widget, forms.Textarea):
                css = "govuk-textarea"
            elif isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "govuk-checkboxes__input"
            else:
                css = "govuk-input"
            widget.attrs.setdefault("class", css)
            described = []
            if field.help_text:
                described.append(f"id_{name}-hint")
            widget.attrs["aria-describedby"] = " ".join(described) if described else None
            if widget.attrs["aria-describedby"] is None:
                del widget.attrs["aria-describedby"]

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        errors = getattr(self, "_errors", None) or {}
        for name in errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                # The error class extends the component's own, the first of a widget's classes
                # ("govuk-input govuk-input--width-4" takes "govuk-input--error").
                base = (attrs.get("class") or "govuk-input").split()[0]
                attrs["class"] = attrs.get("class", "") + f" {base}--error"
                ids = [x for x in [attrs.get("aria-describedby"), f"id_{name}-error"] if x]
                attrs["aria-describedby"] = " ".join(ids)


# Month names a person may type in the month box, in English and Welsh, as GOV.UK advises accepting.
MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan", "ionawr", "ion"),
            ("february", "feb", "chwefror", "chwe"),
            ("march", "mar", "mawrth", "maw"),
            ("april", "apr", "ebrill", "ebr"),
            ("may", "mai"),
            ("june", "jun", "mehefin", "meh"),
            ("july", "jul", "gorffennaf", "gor"),
            ("august", "aug", "awst", "aws"),
            ("september", "sep", "sept", "medi", "med"),
            ("october", "oct", "hydref", "hyd"),
            ("november", "nov", "tachwedd", "tach"),
            ("december", "dec", "rhagfyr", "rhag"),
        ],
        start=1,
    )
    for name in names
}
DATE_PARTS = ("day", "month", "year")
ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


class DayMonthYearWidget(forms.Widget):
    """Three boxes, day, month and year (GOV.UK date input), posted as `<name>_day`, `_month`, `_year`.
    Rendered by components/date.html; the value is the three strings as typed, or a date.

    A link may instead carry the date whole, `<name>=YYYY-MM-DD` (a bookmarked gap map "as at"); it is
    read as the three boxes would be."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> tuple[str, str, str]:
        if not any(f"{name}_{part}" in data for part in DATE_PARTS) and data.get(name):
            whole = str(data.get(name)).strip()
            if not ISO_DATE.match(whole):
                return whole, whole, whole  # read as typed, so that it is "not a real date"
            year, month, day = whole.split("-")
            return day, month, year
        day, month, year = (str(data.get(f"{name}_{part}", "")).strip() for part in DATE_PARTS)
        return day, month, year

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and not any(f"{name}_{part}" in data for part in DATE_PARTS)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_day" if id_ else ""


class DayMonthYearField(forms.Field):
    """A date typed as day, month and year, with GOV.UK's messages, naming the field: "Date of birth
    must include a month", "... must be a real date". `birth` applies the rule for a date of birth
    (core.dates.birth_date_problem); `future` refuses a date before today."""

    widget = DayMonthYearWidget

    def __init__(self, *, birth: bool = False, future: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.birth, self.future = birth, future
        # The parts the last error was about, so that only those boxes are marked.
        self.error_parts: tuple[str, ...] = DATE_PARTS

    def _name(self) -> str:
        return str(self.label or _("The date"))

    def to_python(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):
            return value
        parts = tuple(value) if isinstance(value, list | tuple) else ("", "", "")
        if not any(parts):
            return None
        missing = [part for part, typed in zip(DATE_PARTS, parts, strict=True) if not typed]
        if missing:
            self.error_parts = tuple(missing)
            words = {"day": _("a day"), "month": _("a month"), "year": _("a year")}
            if len(missing) == 1:
                message = _("%(field)s must include %(part)s") % {
                    "field": self._name(),
                    "part": words[missing[0]],
                }
            else:
                message = _("%(field)s must include %(first)s and %(second)s") % {
                    "field": self._name(),
                    "first": words[missing[0]],
                    "second": words[missing[1]],
                }
            raise forms.ValidationError(message, code="incomplete")
        day, month, year = parts
        month_number = MONTH_NAMES.get(month.lower(), month)
        self.error_parts = DATE_PARTS
        try:
            if len(year) != 4:
                raise ValueError(year)
            found = datetime.date(int(year), int(month_number), int(day))
        except (TypeError, ValueError, OverflowError):
            raise forms.ValidationError(
                _("%(field)s must be a real date") % {"field": self._name()}, code="invalid"
            ) from None
        return found

    def validate(self, value: datetime.date | None) -> None:
        if value is None and self.required:
            self.error_parts = DATE_PARTS
            raise forms.ValidationError(
                _("Enter %(field)s") % {"field": self._name().lower()}, code="required"
            )
        if value is not None and self.birth:
            problem = birth_date_problem(value, self._name())
            if problem:
                raise forms.ValidationError(problem, code="birth")
        if value is not None and self.future and value < timezone.localdate():
            raise forms.ValidationError(
                _("%(field)s must be today or in the future") % {"field": self._name()}, code="future"
            )

    def bound_parts(self, value: Any) -> tuple[str, str, str]:
        """The three boxes' contents for `value`: as typed, or from a date."""
        if isinstance(value, datetime.date):
            return str(value.day), str(value.month), str(value.year)
        if isinstance(value, list | tuple) and len(value) == 3:
            return tuple(str(v) for v in value)  # type: ignore[return-value]
        if isinstance(value, str) and value:
            try:
                return self.bound_parts(datetime.date.fromisoformat(value))
            except ValueError:
                pass
        return "", "", ""


YES_NO_NOT_KNOWN = (("yes", _lazy("Yes")), ("no", _lazy("No")), ("not_known", _lazy("Not known")))
ANSWER_OF = {"yes": True, "no": False, "not_known": None}


class YesNoNotKnownField(forms.TypedChoiceField):
    """A question answered yes, no or not known, as radios that start unchosen: True, False or None."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=YES_NO_NOT_KNOWN,
            coerce=lambda value: ANSWER_OF.get(value),
            empty_value=None,
            widget=forms.RadioSelect,
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        # A saved True/False/None shows as the radio it was chosen with.
        return {True: "yes", False: "no"}.get(value, value)


class YesNoField(forms.TypedChoiceField):
    """A yes-or-no question as radios that start unchosen: True or False."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=YES_NO_NOT_KNOWN[:2],
            coerce=lambda value: value == "yes",
            empty_value=None,
            widget=forms.RadioSelect,
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        return {True: "yes", False: "no"}.get(value, value)
