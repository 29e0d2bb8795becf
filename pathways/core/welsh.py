# ruff: noqa: RUF001 - Django's own msgids use the typographic apostrophe
"""Django's own strings whose Welsh in Django's catalogue is wrong or missing, so that they are in ours
(which Django reads first, LOCALE_PATHS) with the right Welsh. Never called: `makemessages` finds them
here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

OVERRIDDEN = (
    gettext_lazy("Enter a valid date."),  # Django: "Rhif ddyddiad dilys."
    gettext_lazy("Enter a whole number."),  # Django: "Rhowch cyfanrif." (no mutation)
    gettext_lazy("July"),  # Django: "Gorffenaf"
    pgettext_lazy("alt. month", "July"),
)

# The password rules (django.contrib.auth.password_validation) and the password change form's messages,
# which Django's Welsh catalogue leaves in English.
MISSING = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    gettext_lazy("The password is too similar to the %(verbose_name)s."),
    gettext_lazy("Your password can’t be too similar to your other personal information."),
    gettext_lazy("This password is too common."),
    gettext_lazy("Your password can’t be a commonly used password."),
    gettext_lazy("This password is entirely numeric."),
    gettext_lazy("Your password can’t be entirely numeric."),
    gettext_lazy("The two password fields didn’t match."),
    gettext_lazy("Enter the same password as before, for verification."),
    gettext_lazy("Your old password was entered incorrectly. Please enter it again."),
    # django-axes' names for the lockouts the admin shows.
    gettext_lazy("access attempt"),
    gettext_lazy("access attempts"),
    gettext_lazy("Failed Logins"),
    gettext_lazy("Attempt Time"),
)
