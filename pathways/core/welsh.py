"""Django's own strings whose Welsh in Django's catalogue is wrong, so that they are in ours (which Django
reads first, LOCALE_PATHS) with the right Welsh. Never called: `makemessages` finds them here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

OVERRIDDEN = (
    gettext_lazy("Enter a valid date."),  # Django: "Rhif ddyddiad dilys."
    gettext_lazy("Enter a whole number."),  # Django: "Rhowch cyfanrif." (no mutation)
    gettext_lazy("July"),  # Django: "Gorffenaf"
    pgettext_lazy("alt. month", "July"),
)
