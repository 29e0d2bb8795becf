"""`{% checked text markers %}`: typed text as a page shows it, checked again for sealed details.

A detail may be sealed on a record after the text that holds it was typed; the text is then withheld
wherever it would be shown. `markers` is a list of markers, or a mapping with `key` choosing the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from pathways.people.sealed import sealed_details_withhold, withheld_message

register = template.Library()


@register.simple_tag
def checked(text: Any, markers: Any, key: Any = None) -> Any:
    if text is not None and not isinstance(text, str):
        return text  # a rating or a number: nothing typed to check
    chosen = markers.get(key, []) if isinstance(markers, Mapping) else (markers or [])
    shown = sealed_details_withhold(text or "", list(chosen))
    return withheld_message() if shown is None else shown
