"""The public self-referral form: no sign-in, English and Welsh, rate-limited.

It never shows anything back except a reference number, and never says whether the person or their
partner is already known; a partner's referral made from it is invisible here.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pathways.core.forms import GovukFormMixin
from pathways.core.throttle import allow, client_address
from pathways.directory.choices import ReferralRoute
from pathways.directory.models import Area
from pathways.people.choices import GenderIdentity, PreferredLanguage, RelationshipKind
from pathways.people.services import PersonInput
from pathways.referrals import services
from pathways.referrals.services import PartnerInput, ReferralInput

MIN_SECONDS = 3  # people take longer than this to fill the form in; scripts usually do not
MAX_SECONDS = 4 * 60 * 60
SALT = "pathways.self-referral"


class SelfReferralForm(GovukFormMixin, forms.Form):
    given_name = forms.CharField(label=gettext_lazy("Your first name"), max_length=100)
    family_name = forms.CharField(label=gettext_lazy("Your last name"), max_length=100)
    gender_identity = forms.ChoiceField(label=gettext_lazy("Your gender"), choices=GenderIdentity.choices)
    area = forms.ChoiceField(label=gettext_lazy("Where you live"))
    preferred_language = forms.ChoiceField(
        label=gettext_lazy("Language you would like to use"), choices=PreferredLanguage.choices
    )
    phone = forms.RegexField(
        label=gettext_lazy("Your phone number"),
        regex=r"^[0-9 +()-]{6,20}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Enter a phone number using digits, spaces and + only.")},
    )
    email = forms.EmailField(label=gettext_lazy("Your email address"), max_length=254, required=False)
    reason = forms.CharField(
        label=gettext_lazy("What would you like help with?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("For example, what happens when you get angry with your partner."),
    )
    has_children = forms.BooleanField(
        label=gettext_lazy("I have children, or children live with me"), required=False
    )
    partner_given_name = forms.CharField(
        label=gettext_lazy("Your partner's or ex-partner's first name"), max_length=100, required=False
    )
    partner_family_name = forms.CharField(
        label=gettext_lazy("Their last name"), max_length=100, required=False
    )
    partner_phone = forms.RegexField(
        label=gettext_lazy("Their phone number"),
        regex=r"^[0-9 +()-]{6,20}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Enter a phone number using digits, spaces and + only.")},
    )
    consent = forms.BooleanField(label=gettext_lazy("I agree that a service may contact me"))
    # Left empty by people (it is hidden); automated submitters tend to fill every field.
    website = forms.CharField(required=False, max_length=200, label=gettext_lazy("Leave this empty"))
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ChoiceField)
        area.choices = [(a.slug, a.name) for a in Area.objects.filter(in_region=True)] + [
            ("", _("Somewhere else"))
        ]
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        if not self.is_bound:
            self.initial["started"] = signing.dumps(time.time(), salt=SALT)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            started = float(signing.loads(self.data.get("started", ""), salt=SALT, max_age=MAX_SECONDS))
        except (signing.BadSignature, ValueError, TypeError):
            started = None
        if data.get("website") or started is None or time.time() - started < MIN_SECONDS:
            raise forms.ValidationError(
                _("Sorry, the form could not be sent. Please check it and send it again.")
            )
        if not (data.get("phone") or data.get("email")):
            self.add_error(
                "phone", _("Give a phone number or an email address so that a service can contact you.")
            )
        if (data.get("partner_phone") or data.get("partner_family_name")) and not data.get(
            "partner_given_name"
        ):
            self.add_error("partner_given_name", _("Enter their first name as well."))
        return data

    def referral_input(self) -> ReferralInput:
        data = self.cleaned_data
        area = Area.objects.filter(slug=data["area"]).first() if data.get("area") else None
        partner = None
        if data.get("partner_given_name"):
            partner = PartnerInput(
                person=PersonInput(
                    given_name=data["partner_given_name"],
                    family_name=data.get("partner_family_name", ""),
                    area=area,
                    phone=data.get("partner_phone", ""),
                ),
                relationship=RelationshipKind.CURRENT_PARTNER,
            )
        return ReferralInput(
            route=ReferralRoute.SELF,
            reason=data["reason"],
            consent_to_contact=True,
            person=PersonInput(
                given_name=data["given_name"],
                family_name=data["family_name"],
                gender_identity=data["gender_identity"],
                area=area,
                preferred_language=data["preferred_language"],
                phone=data.get("phone", ""),
                email=data.get("email", ""),
            ),
            partner=partner,
            children_in_family=bool(data.get("has_children")),
        )


@require_http_methods(["GET", "POST"])
def self_referral(request: HttpRequest) -> HttpResponse:
    form = SelfReferralForm(request.POST or None)
    if request.method == "POST":
        address = client_address(request)
        if not (
            allow(
                f"self-referral:{address}",
                limit=settings.SELF_REFERRALS_PER_ADDRESS_PER_HOUR,
                window_seconds=3600,
            )
            and allow("self-referral:all", limit=settings.SELF_REFERRALS_PER_HOUR, window_seconds=3600)
        ):
            return render(request, "referrals/self_referral_busy.html", status=429)
        if form.is_valid():
            referral = submit_self_referral(form.referral_input())
            request.session["self_referral_reference"] = referral.reference
            return redirect("referrals:self_referral_done")
    return render(request, "referrals/self_referral.html", {"form": form})


@transaction.atomic
def submit_self_referral(data: ReferralInput) -> services.Referral:
    """Record it and send it to the best-ranked service that takes self-referrals, or record unmet need.
    All or nothing: a failure leaves no half-made referral."""
    referral = services.create_referral(actor=None, data=data)
    try:
        result, _ruleset = services.triage_referral(referral)
        if result.fits:
            services.choose_service(actor=None, referral=referral, service_slug=result.fits[0].service)
        else:
            services.record_unmet_need(actor=None, referral=referral)
    except services.ReferralError:
        pass  # no triage rules loaded: the referral stays "received" for staff to triage
    return referral


def self_referral_done(request: HttpRequest) -> HttpResponse:
    reference = request.session.pop("self_referral_reference", None)
    return render(request, "referrals/self_referral_done.html", {"reference": reference})
