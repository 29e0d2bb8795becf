from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from pathways.core.forms import GovukFormMixin


class LoginForm(GovukFormMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"), max_length=128, strip=False, widget=forms.PasswordInput(render_value=False)
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class CodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "class": "govuk-input govuk-input--width-10",
            }
        )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).lower()
        if not code.isalnum():
            raise forms.ValidationError(_("Enter the code using only numbers and letters."))
        return code


class EnrolForm(CodeForm):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=6,
        min_length=6,
        help_text=_("Enter the 6-digit code your app shows for Pathways."),
    )

    def clean_code(self) -> str:
        code = super().clean_code()
        if not code.isdigit():
            raise forms.ValidationError(_("Enter the 6-digit code, numbers only."))
        return code


class MembershipChoiceForm(GovukFormMixin, forms.Form):
    membership = forms.ChoiceField(label=_("Which role are you working in?"), widget=forms.RadioSelect)

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["membership"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        field.widget.attrs["class"] = "govuk-radios__input"


class GovukPasswordChangeForm(GovukFormMixin, PasswordChangeForm):
    pass
