from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.accounts.models import User
from pathways.core.forms import GovukFormMixin
from pathways.directory.models import Service

NOBODY = ""


class ServiceChoiceMixin(forms.Form):
    """A form whose `service` field offers the given services, by id, and hands back the one chosen."""

    services: dict[str, Service]

    def services_offer(self, services: Iterable[Service], *, none: str | None = None) -> None:
        """Offer these services (with a first choice of none, labelled `none`, when given)."""
        self.services = {str(s.pk): s for s in services}
        field = self.fields["service"]
        assert isinstance(field, forms.ChoiceField)
        offered = [(pk, s.name) for pk, s in self.services.items()]
        field.choices = [("", none), *offered] if none is not None else offered

    def chosen_service(self) -> Service:
        return self.services[self.cleaned_data["service"]]

    def chosen_service_or_none(self) -> Service | None:
        return self.services.get(self.cleaned_data.get("service") or "")


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


class TransferForm(GovukFormMixin, forms.Form):
    service = forms.ChoiceField(
        label=_("Service to transfer the case to"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the service to transfer the case to.")},
    )
    reason = forms.CharField(
        label=_("Why the case is transferred"),
        help_text=_("The receiving service reads this and the case's history."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Enter why the case is transferred.")},
    )

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services = {s.slug: s for s in services}
        field = self.fields["service"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s.slug, s.name) for s in services]

    def chosen(self) -> Service | None:
        return self.services.get(self.cleaned_data.get("service") or "")
