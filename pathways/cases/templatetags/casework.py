"""Filters the case pages share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def of(mapping: Mapping[Any, Any] | None, key: Any) -> Any:
    """`{{ measures|of:case.pk }}`: what a page worked out for each row, in one go, for this row."""
    return mapping.get(key) if mapping else None
