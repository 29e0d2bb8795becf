from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from pathways.accounts.choices import ChangeKind
from pathways.accounts.models import Agency, User
from pathways.core.access import Role
from pathways.core.forms import GovukFormMixin
from pathways.core.policy import API_CLIENT_ROLES, API_SCOPES


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


class AccountChangeForm(GovukFormMixin, forms.Form):
    """Asking for a change that another administrator approves."""

    username = forms.CharField(label=_("Username of the account"), max_length=150)
    kind = forms.ChoiceField(
        label=_("What should change?"), choices=ChangeKind.choices, widget=forms.RadioSelect
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        empty_label="",
        help_text=_("Only when giving a role."),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", ""), *Role.choices],
        required=False,
        help_text=_("Only when giving a role. It replaces any role the account has at that agency."),
    )
    reason = forms.CharField(
        label=_("Why is this change needed?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The administrator who decides will read this. Say who asked for it and how you checked. "
            "Write nothing about the people agencies work with."
        ),
    )

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("There is no account with that username."))
        return user

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("kind") == ChangeKind.GRANT_ROLE:
            if not data.get("agency") and "agency" not in self.errors:
                self.add_error("agency", _("Choose the agency the role is at."))
            if not data.get("role") and "role" not in self.errors:
                self.add_error("role", _("Choose the role to give."))
        return data


class DecisionForm(GovukFormMixin, forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject")), ("withdraw", _("Withdraw"))],
        error_messages={"required": _("Choose whether to approve or reject the change.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the decision, for example why you rejected it."),
    )


class ApiClientForm(GovukFormMixin, forms.Form):
    """Registering another agency's system; its role waits for a second administrator."""

    name = forms.CharField(
        label=_("System name"),
        max_length=200,
        help_text=_("As the agency calls it, for example South Wales Police case system."),
        error_messages={"required": _("Enter the system's name")},
    )
    agency = forms.ModelChoiceField(
        label=_("Agency it acts for"),
        queryset=Agency.objects.filter(is_active=True),
        empty_label=_("Choose the agency"),
        error_messages={"required": _("Choose the agency the system acts for")},
    )
    role = forms.ChoiceField(
        label=_("Role it acts under"),
        choices=[(r.value, r.label) for r in API_CLIENT_ROLES],
        widget=forms.RadioSelect,
        help_text=_("What the role may see and do is what the system may, within its tokens' scopes."),
        error_messages={"required": _("Select the role the system acts under")},
    )
    contact = forms.CharField(
        label=_("Who runs it"),
        max_length=200,
        help_text=_("A team and an email address to call when the system misbehaves."),
        error_messages={"required": _("Enter who runs the system")},
    )
    reason = forms.CharField(
        label=_("Why does it need access?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The administrator who approves the role will read this."),
        error_messages={"required": _("Enter why the system needs access")},
    )


class ApiTokenForm(GovukFormMixin, forms.Form):
    scopes = forms.MultipleChoiceField(
        label=_("What may the token do?"),
        choices=[(str(p), label) for p, label in API_SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Give only what the system needs. Its role limits it whatever is chosen here."),
        error_messages={"required": _("Select what the token may do")},
    )
    days = forms.IntegerField(
        label=_("Days until it expires"),
        min_value=1,
        max_value=365,
        help_text=_("From 1 to 365. Issue a new token before this one expires."),
        error_messages={
            "required": _("Enter the number of days until the token expires"),
            "min_value": _("A token lasts at least 1 day"),
            "max_value": _("A token lasts at most 365 days"),
            "invalid": _("Enter the number of days as a whole number, like 90"),
        },
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].widget.attrs.update(
            {"class": "govuk-input govuk-input--width-3", "inputmode": "numeric"}
        )
