from __future__ import annotations

from typing import Any

from django import forms


class GovukFormMixin:
    """Adds GOV.UK Frontend classes and the aria links between a field, its hint and its error."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
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
                attrs["class"] = attrs.get("class", "") + f" {attrs.get('class', 'govuk-input')}--error"
                ids = [x for x in [attrs.get("aria-describedby"), f"id_{name}-error"] if x]
                attrs["aria-describedby"] = " ".join(ids)
