"""The minutes of a meeting, rendered from its record for a reader who holds a seat."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import translation

from pathways.panels import selectors
from pathways.panels.models import (
    Meeting,
)

if TYPE_CHECKING:
    from pathways.core.policy import Actor


def minutes_render(*, meeting: Meeting, language: str, reader: Actor) -> str:
    """The minutes as an HTML fragment in `language` ("en" or "cy"), both from the same record, as `reader`
    may read them."""
    with translation.override(language):
        return render_to_string(
            "panels/minutes_document.html",
            {"minutes": selectors.minutes_get(meeting=meeting, reader=reader), "language": language},
        )
