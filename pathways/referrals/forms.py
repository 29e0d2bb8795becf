from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pathways.core.forms import DayMonthYearField, GovukFormMixin, YesNoField, YesNoNotKnownField
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
from pathways.referrals.choices import IntakeOutcome, RiskLevel, Status, Transition
from pathways.referrals.models import Referral
from pathways.referrals.services import PERSON_FIELDS, SEALED_CONTACT, PartnerInput, ReferralInput
from pathways.referrals.triagefile import CASE_FACTS

YES_NO_UNKNOWN = [("", _("Not known")), ("yes", _("Yes")), ("no", _("No"))]
CHILD_SLOTS = 3


if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

AREA_NOT_KNOWN = "not_known"
PHONE = r"^[0-9 +()-]{6,20}$"


def _area_choices() -> list[tuple[str, Any]]:
    # Starts on "Choose": where a person lives decides which services can take them.
    return [
        ("", _("Choose where they live")),
        *((a.slug, a.name) for a in Area.objects.all()),
        (AREA_NOT_KNOWN, _("Not known")),
    ]


def _required(message: StrOrPromise) -> dict[str, StrOrPromise]:
    return {"required": message}


def _area(slug: str | None) -> Area | None:
    return Area.objects.filter(slug=slug).first() if slug and slug != AREA_NOT_KNOWN else None


class PersonFieldsMixin(forms.Form):
    given_name = forms.CharField(
        label=_("First name"), max_length=100, error_messages=_required(_("Enter their first name"))
    )
    family_name = forms.CharField(
        label=_("Last name"), max_length=100, error_messages=_required(_("Enter their last name"))
    )
    known_as = forms.CharField(label=_("Name they want to be called"), max_length=100, required=False)
    pronouns = forms.CharField(label=_("Pronouns"), max_length=50, required=False)
    date_of_birth = DayMonthYearField(
        label=_("Date of birth"), required=False, birth=True, help_text=_("For example, 27 3 1987")
    )
    gender_identity = forms.ChoiceField(
        label=_("Gender"),
        choices=GenderIdentity.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Select their gender, or Not known")),
    )
    gender_self_described = forms.CharField(label=_("Gender, in their words"), max_length=100, required=False)
    area = forms.ChoiceField(
        label=_("Where they live"), error_messages=_required(_("Select where they live, or Not known"))
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=PreferredLanguage.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Select their preferred language")),
    )
    other_language = forms.CharField(label=_("Which language"), max_length=100, required=False)
    interpreter_needed = forms.BooleanField(label=_("Needs an interpreter"), required=False)
    has_disability = forms.ChoiceField(
        label=_("Disabled or has access needs"), choices=YES_NO_UNKNOWN, required=False
    )
    access_needs = forms.CharField(
        label=_("Access needs"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    work_pattern = forms.ChoiceField(
        label=_("Work pattern"),
        choices=WorkPattern.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Select their work pattern, or Not known")),
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
            area=_area(data.get("area")),
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
            contact_arrangements=data.get("contact_arrangements", ""),
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
    phone = forms.RegexField(
        label=_("Their phone"),
        regex=PHONE,
        required=False,
        error_messages={"invalid": _("Enter a phone number using digits, spaces and + only.")},
    )
    email = forms.EmailField(label=_("Their email"), max_length=254, required=False)
    address = forms.CharField(
        label=_("Their address"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    contact_arrangements = forms.CharField(
        label=_("How and when it is safe to contact them"),
        max_length=1000,
        required=False,
        help_text=_("For example, mobile only, after 6pm: his partner opens the post."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    route = forms.ChoiceField(
        label=_("How the referral comes"),
        choices=ReferralRoute.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Select how the referral comes")),
    )
    reason = forms.CharField(
        label=_("Why you are referring"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_required(_("Enter why you are referring")),
    )
    risk_level = forms.ChoiceField(
        label=_("Known risk"),
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        help_text=_("From the latest risk assessment, if there is one."),
        error_messages=_required(_("Select the known risk, or Not known")),
    )
    risk_notes = forms.CharField(
        label=_("What is known of the risk"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    been_to_marac = YesNoField(
        label=_("Has the case been heard at MARAC?"),
        error_messages=_required(_("Select whether the case has been heard at MARAC")),
    )
    entrenched_behaviour = YesNoNotKnownField(
        label=_("Is their behaviour entrenched?"),
        help_text=_("A pattern over time rather than an isolated incident."),
        error_messages=_required(_("Select whether their behaviour is entrenched, or Not known")),
    )
    convictions_or_orders = YesNoNotKnownField(
        label=_("Do they have previous convictions or court orders?"),
        help_text=_(
            "For abuse or violence, including cautions, restraining orders and non-molestation orders."
        ),
        error_messages=_required(
            _("Select whether they have previous convictions or court orders, or Not known")
        ),
    )
    serial_behaviour = YesNoNotKnownField(
        label=_("Have they abused more than one partner?"),
        error_messages=_required(_("Select whether they have abused more than one partner, or Not known")),
    )
    mutual_violence = YesNoNotKnownField(
        label=_("Are there mutual or counter-allegations of violence?"),
        error_messages=_required(
            _("Select whether there are mutual or counter-allegations of violence, or Not known")
        ),
    )
    sexual_harm_concern = YesNoNotKnownField(
        label=_("Are there concerns about sexual harm?"),
        help_text=_("Including someone worried about their own sexual thoughts about children."),
        error_messages=_required(_("Select whether there are concerns about sexual harm, or Not known")),
    )
    consent_to_contact = forms.BooleanField(
        label=_("They agree to be contacted by the service"), required=False
    )
    partner_given_name = forms.CharField(label=_("Partner's first name"), max_length=100, required=False)
    partner_family_name = forms.CharField(label=_("Partner's last name"), max_length=100, required=False)
    partner_gender = forms.ChoiceField(
        label=_("Partner's gender"),
        choices=GenderIdentity.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "Needed when you give the partner's name: some services work only with some relationships."
        ),
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
        regex=PHONE,
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
            self.fields[f"child_{n}_date_of_birth"] = DayMonthYearField(
                label=_("Date of birth"), required=False, birth=True
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
        if partner_named and not data.get("partner_gender"):
            self.add_error("partner_gender", _("Select the partner's gender, or Not known"))
        for n in range(1, CHILD_SLOTS + 1):
            row = [
                data.get(f"child_{n}_{f}") for f in ("given_name", "family_name", "date_of_birth", "school")
            ]
            if any(row) and not (row[0] and row[1]):
                self.add_error(f"child_{n}_given_name", _("Enter the child's first and last name."))
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
            been_to_marac=bool(data.get("been_to_marac")),
            consent_to_contact=data.get("consent_to_contact", False),
            facts={name: data.get(name) for name in CASE_FACTS},
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


# The step form's answer for a step that makes a new referral rather than linking one the person has.
NEW_REFERRAL = "new"


class ExistingReferralField(forms.ChoiceField):
    """Radios for the person's referrals a step may link to, and "Make a new referral". Any referral's id
    is taken as given: whether it may be linked is the service's to say, and one the actor may not see is
    not found, as everywhere else."""

    def valid_value(self, value: str) -> bool:
        if value == NEW_REFERRAL:
            return True
        try:
            uuid.UUID(value)
        except ValueError:
            return False
        return True


def _step_option_label(referral: Referral) -> str:
    return _("%(reference)s, %(service)s: %(status)s") % {
        "reference": referral.reference,
        "service": referral.service.name if referral.service else _("no service chosen yet"),
        "status": referral.get_status_display(),
    }


class StepForm(GovukFormMixin, forms.Form):
    """The step up or down. Given the person's other open referrals the actor may see (`existing`), it
    asks whether the step goes to one of them or makes a new referral, with none chosen to start with."""

    transition = forms.ChoiceField(
        label=_("Step"),
        choices=Transition.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Select step up or step down")),
    )
    existing = ExistingReferralField(
        label=_("Which referral does the step go to?"),
        help_text=_(
            "The person already has these open referrals. Link the step to the one with the service they "
            "are moving to, rather than referring them twice."
        ),
        widget=forms.RadioSelect,
        error_messages=_required(_("Select the referral the step goes to, or Make a new referral")),
    )
    risk_level = forms.ChoiceField(
        label=_("Risk now"),
        choices=RiskLevel.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Select the risk now, or Not known")),
    )
    been_to_marac = YesNoField(
        label=_("Has the case been heard at MARAC?"),
        help_text=_("A service that takes referrals only through MARAC needs this."),
        error_messages=_required(_("Select whether the case has been heard at MARAC")),
    )
    awaiting_court = forms.BooleanField(label=_("They are waiting for a court hearing"), required=False)
    handover_note = forms.CharField(
        label=_("Handover note for the next service"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_required(_("Enter a handover note for the next service")),
    )

    def __init__(self, *args: Any, existing: Sequence[Referral] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if existing:
            field = self.fields["existing"]
            assert isinstance(field, ExistingReferralField)
            field.choices = [
                *((str(r.pk), _step_option_label(r)) for r in existing),
                (NEW_REFERRAL, _("Make a new referral")),
            ]
        else:
            del self.fields["existing"]

    def existing_id(self) -> uuid.UUID | None:
        """The referral the step is to be linked to; None for a new referral."""
        chosen = self.cleaned_data.get("existing") or NEW_REFERRAL
        return None if chosen == NEW_REFERRAL else uuid.UUID(chosen)

    def step_values(self) -> dict[str, Any]:
        """What the step carries, as `referral_step` takes it."""
        return {k: v for k, v in self.cleaned_data.items() if k != "existing"}


class IntakeForm(GovukFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("What was done"),
        choices=IntakeOutcome.choices,
        widget=forms.RadioSelect,
        error_messages=_required(_("Select what was done")),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        max_length=2000,
        required=False,
        help_text=_("For example, which service they were told about. Never a partner's or child's details."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


KEEP_SEALED = _("Leave empty to keep what is recorded.")


class CorrectionForm(ReferralForm):
    """The referral form, filled in with what is recorded, for correcting it: no children (they are
    records of their own), and the partner's details only for an actor who may see her record. Sealed
    contact details are never shown in it: left empty, they stay as they are."""

    def __init__(self, *args: Any, referral: Referral, partner_visible: bool, **kwargs: Any) -> None:
        super().__init__(*args, initial=_recorded(referral, partner_visible), **kwargs)
        for name in [n for n in self.fields if n.startswith("child_")]:
            del self.fields[name]
        del self.fields["existing_person"], self.fields["not_a_duplicate"]
        if not partner_visible or referral.partner is None:
            for name in [n for n in self.fields if n.startswith("partner_")]:
                del self.fields[name]
        for name in ("phone", "email", "address", "partner_phone", "partner_email", "partner_address"):
            if name in self.fields:
                self.fields[name].help_text = KEEP_SEALED

    def child_rows(self) -> list[list[forms.BoundField]]:
        return []

    def person_changes(self) -> dict[str, object]:
        person = self.person_input()
        return {name: getattr(person, name) for name in PERSON_FIELDS + SEALED_CONTACT}

    def partner_changes(self) -> dict[str, object] | None:
        if "partner_given_name" not in self.fields:
            return None
        data = self.cleaned_data
        return {
            "given_name": data.get("partner_given_name", ""),
            "family_name": data.get("partner_family_name", ""),
            "gender_identity": data.get("partner_gender") or GenderIdentity.NOT_KNOWN,
            "phone": data.get("partner_phone", ""),
            "email": data.get("partner_email", ""),
            "address": data.get("partner_address", ""),
        }

    def detail_changes(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "route": data["route"],
            "reason": data["reason"],
            "risk_level": data["risk_level"],
            "risk_notes": data.get("risk_notes", ""),
            "been_to_marac": bool(data.get("been_to_marac")),
            **{name: data.get(name) for name in CASE_FACTS},
        }


def _answer(value: bool | None) -> str:
    """A recorded answer as its radio: nothing recorded is "Not known" (core.forms.ANSWER_OF)."""
    return "not_known" if value is None else "yes" if value else "no"


def _recorded(referral: Referral, partner_visible: bool) -> dict[str, Any]:
    person = referral.person
    initial: dict[str, Any] = {name: getattr(person, name) for name in PERSON_FIELDS if name not in ("area",)}
    initial["area"] = person.area.slug if person.area else AREA_NOT_KNOWN
    initial.update(
        {
            "police_reference": person.police_reference,
            "nhs_number": person.nhs_number,
            "social_services_reference": person.social_services_reference,
            "route": referral.route,
            "reason": referral.reason,
            "risk_level": referral.risk_level,
            "risk_notes": referral.risk_notes,
            "been_to_marac": referral.been_to_marac,
            "consent_to_contact": referral.consent_to_contact,
            # Left unchosen, a "Not known" would have to be answered again before anything could be saved.
            **{name: _answer(getattr(referral, name)) for name in CASE_FACTS},
        }
    )
    partner = referral.partner
    if partner_visible and partner is not None:
        initial.update(
            {
                "partner_given_name": partner.given_name,
                "partner_family_name": partner.family_name,
                "partner_gender": partner.gender_identity,
            }
        )
    return initial


class ReferralSearchForm(GovukFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Name or reference"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *Status.choices]
    )
    service = forms.ChoiceField(label=_("Service"), required=False)
    whose = forms.ChoiceField(
        label=_("Whose"),
        required=False,
        choices=[
            ("", _("All you may see")),
            ("received", _("Sent to your services")),
            ("mine", _("Made by your agency")),
        ],
    )

    def __init__(self, *args: Any, services: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Any service")), *((s.slug, s.name) for s in services)]


class ScreeningForm(GovukFormMixin, forms.Form):
    """The places a service has and the day it chose whom to take; who is taken is posted per referral."""

    places = forms.IntegerField(
        label=_("Places available"),
        min_value=0,
        max_value=1000,
        error_messages=_required(_("Enter the number of places available")),
        widget=forms.NumberInput(attrs={"class": "govuk-input govuk-input--width-4"}),
    )
    held_on = DayMonthYearField(label=_("Date"), error_messages=_required(_("Enter the date")))
