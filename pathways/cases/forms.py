from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.accounts.models import User
from pathways.core.forms import GovukFormMixin

NOBODY = ""


class AssignForm(GovukFormMixin, forms.Form):
    worker = forms.ChoiceField(label=_("Case worker"))
    manager = forms.ChoiceField(label=_("Case manager"))

    def __init__(self, *args: Any, workers: list[User], managers: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(u.pk): u for u in [*workers, *managers]}
        for name, people in (("worker", workers), ("manager", managers)):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(NOBODY, _("Nobody yet")), *((str(u.pk), str(u)) for u in people)]

    def chosen(self, name: str) -> User | None:
        value = self.cleaned_data.get(name) or NOBODY
        return self.people.get(value)


class CaseloadForm(forms.Form):
    whose = forms.ChoiceField(
        choices=[("mine", _("Your cases")), ("team", _("Your team's cases"))], required=False
    )
