"""Filters the GOV.UK form components share."""

from __future__ import annotations

from django import template
from django.forms import BoundField

from pathways.core.forms import DATE_PARTS, DayMonthYearField

register = template.Library()


@register.filter
def error_anchor(field: BoundField) -> str:
    """The id an error summary links to: the field's input, a date's first box, a radio group's first
    radio (GOV.UK error summary: each link moves focus to the field)."""
    if field.widget_type in ("radioselect", "checkboxselectmultiple"):
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id or ""


@register.filter
def date_boxes(field: BoundField) -> list[dict[str, object]]:
    """A day/month/year field's three boxes: part, id, name, value, and whether it has the error."""
    assert isinstance(field.field, DayMonthYearField)
    values = field.field.bound_parts(field.value())
    wrong = field.field.error_parts if field.errors else ()
    return [
        {
            "part": part,
            "id": f"{field.auto_id}_{part}",
            "name": f"{field.html_name}_{part}",
            "value": value,
            "error": part in wrong,
            "width": 4 if part == "year" else 2,
        }
        for part, value in zip(DATE_PARTS, values, strict=True)
    ]
