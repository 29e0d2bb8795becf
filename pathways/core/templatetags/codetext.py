"""Filters for code shown in running text and tables."""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

# After a slash, a dot or an underscore, and before a bracket: where a path or a field's name may wrap.
BREAKS = re.compile(r"(?<=[/._])|(?=\[)")


@register.filter
def breakable(value: object) -> SafeString:
    """The text, escaped, with places it may wrap, so that a long path or field name in a table fits a
    phone's screen rather than pushing the table past its edge."""
    *parts, last = [part for part in BREAKS.split(str(value)) if part] or [""]
    # format_html_join escapes its separator, so each break goes after its part.
    return format_html("{}{}", format_html_join("", "{}<wbr>", ((part,) for part in parts)), last)
