from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.core.forms import GovukFormMixin
from pathways.directory.choices import ReferralRoute
from pathways.directory.models import Area
from pathways.people.choices import (
    Ethnicity,
    GenderIdentity,
    PreferredLanguage,
    RelationshipKind,
    SexualOrientation,
    WorkPattern,
)
from pathways.people.services import PersonInput
from pathways.referrals.choices import RiskLevel, Status, Transition
from pathways.referrals.services import PartnerInput, ReferralInput

YES_NO_UNKNOWN = [("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))]
CHILD_SLOTS = 3


def _past_date(value: datetime.date | None) -> datetime.date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(_("The date of birth must be in the past."))
    if value is not None and value.year < 1900:
        raise forms.ValidationError(_("Enter a real date of birth."))
    return value


def _area_choices() -> list[tuple[str, Any]]:
    return [("", _("Not known"))] + [(a.slug, a.name) for a in Area.objects.all()]


class PersonFieldsMixin(forms.Form):
    given_name = forms.CharField(label=_("First name"), max_length=100)
    family_name = forms.CharField(label=_("Last name"), max_length=100)
    known_as = forms.CharField(label=_("Name they want to be called"), max_length=100, required=False)
    pronouns = forms.CharField(label=_("Pronouns"), max_length=50, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        help_text=_("For example, 1987-03-27"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    gender_identity = forms.ChoiceField(label=_("Gender"), choices=GenderIdentity.choices)
    gender_self_described = forms.CharField(label=_("Gender, in their words"), max_length=100, required=False)
    area = forms.ChoiceField(label=_("Where they live"), required=False)
    preferred_language = forms.ChoiceField(label=_("Preferred language"), choices=PreferredLanguage.choices)
    other_language = forms.CharField(label=_("Which language"), max_length=100, required=False)
    interpreter_needed = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    has_disability = forms.ChoiceField(
        label=_("Disabled or has access needs"), choices=YES_NO_UNKNOWN, required=False
    )
    access_needs = forms.CharField(
        label=_("Access needs"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    work_pattern = forms.ChoiceField(
        label=_("Work pattern"), choices=WorkPattern.choices, initial=WorkPattern.NOT_KNOWN
    )
    ethnicity = forms.ChoiceField(
        label=_("Ethnic group"),
        choices=Ethnicity.choices,
        initial=Ethnicity.NOT_KNOWN,
        required=False,
        help_text=_("Only if they are willing to say."),
    )
    sexual_orientation = forms.ChoiceField(
        label=_("Sexual orientation"),
        choices=SexualOrientation.choices,
        initial=SexualOrientation.NOT_KNOWN,
        required=False,
        help_text=_("Only if they are willing to say."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = _area_choices()

    def clean_date_of_birth(self) -> datetime.date | None:
        return _past_date(self.cleaned_data.get("date_of_birth"))

    def person_input(self) -> PersonInput:
        data = self.cleaned_data
        return PersonInput(
            given_name=data["given_name"],
            family_name=data["family_name"],
            known_as=data.get("known_as", ""),
            pronouns=data.get("pronouns", ""),
            date_of_birth=data.get("date_of_birth"),
            gender_identity=data["gender_identity"],
            gender_self_described=data.get("gender_self_described", ""),
            area=Area.objects.filter(slug=data.get("area")).first() if data.get("area") else None,
            preferred_language=data["preferred_language"],
            other_language=data.get("other_language", ""),
            interpreter_needed=data.get("interpreter_needed", False),
            has_disability={"yes": True, "no": False}.get(data.get("has_disability") or ""),
            access_needs=data.get("access_needs", ""),
            work_pattern=data.get("work_pattern") or WorkPattern.NOT_KNOWN,
            ethnicity=data.get("ethnicity") or Ethnicity.NOT_KNOWN,
            sexual_orientation=data.get("sexual_orientation") or SexualOrientation.NOT_KNOWN,
            police_reference=data.get("police_reference", ""),
            nhs_number=data.get("nhs_number", ""),
            social_services_reference=data.get("social_services_reference", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            address=data.get("address", ""),
        )


class ReferralForm(GovukFormMixin, PersonFieldsMixin):
    police_reference = forms.CharField(label=_("Police reference"), max_length=50, required=False)
    nhs_number = forms.RegexField(
        label=_("NHS number"),
        regex=r"^\s*\d{3}\s?\d{3}\s?\d{4}\s*$",
        required=False,
        error_messages={"invalid": _("Enter the NHS number as 10 digits, like 485 777 3456.")},
    )
    social_services_reference = forms.CharField(
        label=_("Social services reference"), max_length=50, required=False
    )
    route = forms.ChoiceField(label=_("How the referral comes"), choices=ReferralRoute.choices)
    reason = forms.CharField(
        label=_("Why you are referring"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    risk_level = forms.ChoiceField(
        label=_("Known risk"),
        choices=RiskLevel.choices,
        initial=RiskLevel.NOT_KNOWN,
        help_text=_("From the latest risk assessment, if there is one."),
    )
    risk_notes = forms.CharField(
        label=_("What is known of the risk"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    been_to_marac = forms.BooleanField(label=_("The case has been heard at MARAC"), required=False)
    consent_to_contact = forms.BooleanField(
        label=_("They agree to be contacted by the service"), required=False
    )
    partner_given_name = forms.CharField(label=_("Partner's first name"), max_length=100, required=False)
    partner_family_name = forms.CharField(label=_("Partner's last name"), max_length=100, required=False)
    partner_gender = forms.ChoiceField(
        label=_("Partner's gender"), choices=GenderIdentity.choices, required=False
    )
    partner_relationship = forms.ChoiceField(
        label=_("Relationship"),
        required=False,
        choices=[
            (RelationshipKind.CURRENT_PARTNER, _("Current partner")),
            (RelationshipKind.EX_PARTNER, _("Ex-partner")),
        ],
    )
    partner_phone = forms.RegexField(
        label=_("Partner's phone"),
        regex=r"^[0-9 +()-]{6,20}$",
        required=False,
        error_messages={"invalid": _("Enter a phone number using digits, spaces and + only.")},
    )
    partner_email = forms.EmailField(label=_("Partner's email"), max_length=254, required=False)
    partner_address = forms.CharField(
        label=_("Partner's address"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    existing_person = forms.UUIDField(required=False, widget=forms.HiddenInput)
    not_a_duplicate = forms.BooleanField(label=_("This is someone else: create a new record"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, CHILD_SLOTS + 1):
            self.fields[f"child_{n}_given_name"] = forms.CharField(
                label=_("First name"), max_length=100, required=False
            )
            self.fields[f"child_{n}_family_name"] = forms.CharField(
                label=_("Last name"), max_length=100, required=False
            )
            self.fields[f"child_{n}_date_of_birth"] = forms.DateField(
                label=_("Date of birth"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date", "class": "govuk-input"}),
            )
            self.fields[f"child_{n}_school"] = forms.CharField(
                label=_("School or nursery"), max_length=200, required=False
            )

    def child_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"child_{n}_{f}"] for f in ("given_name", "family_name", "date_of_birth", "school")]
            for n in range(1, CHILD_SLOTS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        partner_contact = any(data.get(f) for f in ("partner_phone", "partner_email", "partner_address"))
        partner_named = data.get("partner_given_name") or data.get("partner_family_name")
        if partner_contact and not partner_named:
            self.add_error(
                "partner_given_name", _("Enter the partner's name as well as their contact details.")
            )
        if partner_named and not (data.get("partner_given_name") and data.get("partner_family_name")):
            self.add_error("partner_family_name", _("Enter the partner's first and last name."))
        for n in range(1, CHILD_SLOTS + 1):
            row = [
                data.get(f"child_{n}_{f}") for f in ("given_name", "family_name", "date_of_birth", "school")
            ]
            if any(row) and not (row[0] and row[1]):
                self.add_error(f"child_{n}_given_name", _("Enter the child's first and last name."))
            try:
                _past_date(row[2])
            except forms.ValidationError as error:
                self.add_error(f"child_{n}_date_of_birth", error)
        return data

    def referral_input(self) -> ReferralInput:
        data = self.cleaned_data
        partner = None
        if data.get("partner_given_name"):
            partner = PartnerInput(
                person=PersonInput(
                    given_name=data["partner_given_name"],
                    family_name=data["partner_family_name"],
                    gender_identity=data.get("partner_gender") or GenderIdentity.NOT_KNOWN,
                    area=self.person_input().area,
                    phone=data.get("partner_phone", ""),
                    email=data.get("partner_email", ""),
                    address=data.get("partner_address", ""),
                ),
                relationship=data.get("partner_relationship") or RelationshipKind.CURRENT_PARTNER,
            )
        children = [
            PersonInput(
                given_name=data[f"child_{n}_given_name"],
                family_name=data[f"child_{n}_family_name"],
                date_of_birth=data.get(f"child_{n}_date_of_birth"),
                school=data.get(f"child_{n}_school", ""),
                area=self.person_input().area,
            )
            for n in range(1, CHILD_SLOTS + 1)
            if data.get(f"child_{n}_given_name")
        ]
        return ReferralInput(
            route=data["route"],
            reason=data["reason"],
            risk_level=data["risk_level"],
            risk_notes=data.get("risk_notes", ""),
            been_to_marac=data.get("been_to_marac", False),
            consent_to_contact=data.get("consent_to_contact", False),
            person=self.person_input(),
            partner=partner,
            children=children,
        )


class ChooseServiceForm(GovukFormMixin, forms.Form):
    service = forms.ChoiceField(label=_("Send the referral to"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, options: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = options


class AdvanceForm(GovukFormMixin, forms.Form):
    to = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    note = forms.CharField(
        label=_("Reason or note"),
        max_length=2000,
        required=False,
        help_text=_("Needed when the referral is declined or withdrawn."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StepForm(GovukFormMixin, forms.Form):
    transition = forms.ChoiceField(label=_("Step"), choices=Transition.choices, widget=forms.RadioSelect)
    risk_level = forms.ChoiceField(label=_("Risk now"), choices=RiskLevel.choices)
    handover_note = forms.CharField(
        label=_("Handover note for the next service"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
