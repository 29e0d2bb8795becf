"""The public self-referral form: no sign-in, English and Welsh, rate-limited (see admit_self_referral).

It never shows anything back except a reference number, and never says whether the person or their
partner is already known; a partner's referral made from it is invisible here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pathways.accounts.models import Agency
from pathways.core.forms import GovukFormMixin
from pathways.core.throttle import address_key, allow, charge, client_address, network_key
from pathways.directory.choices import ReferralRoute
from pathways.directory.models import Area, Region, Service
from pathways.people.choices import GenderIdentity, PreferredLanguage, RelationshipKind
from pathways.people.services import PersonInput
from pathways.referrals import services
from pathways.referrals.choices import Status
from pathways.referrals.models import ReferralEvent
from pathways.referrals.services import PartnerInput, ReferralInput

MIN_SECONDS = 3  # people take longer than this to fill the form in; scripts usually do not
MAX_SECONDS = 4 * 60 * 60
SALT = "pathways.self-referral"

logger = logging.getLogger(__name__)


SOMEWHERE_ELSE = "elsewhere"


class SelfReferralForm(GovukFormMixin, forms.Form):
    given_name = forms.CharField(
        label=gettext_lazy("Your first name"),
        max_length=100,
        error_messages={"required": gettext_lazy("Enter your first name")},
    )
    family_name = forms.CharField(
        label=gettext_lazy("Your last name"),
        max_length=100,
        error_messages={"required": gettext_lazy("Enter your last name")},
    )
    # None of these starts chosen: each decides which services can take the person.
    gender_identity = forms.ChoiceField(
        label=gettext_lazy("Your gender"),
        choices=GenderIdentity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Select your gender")},
    )
    area = forms.ChoiceField(
        label=gettext_lazy("Where you live"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Select where you live")},
    )
    preferred_language = forms.ChoiceField(
        label=gettext_lazy("Language you would like to use"),
        choices=PreferredLanguage.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Select the language you would like to use")},
    )
    phone = forms.RegexField(
        label=gettext_lazy("Your phone number"),
        regex=r"^[0-9 +()-]{6,20}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Enter a phone number using digits, spaces and + only.")},
    )
    email = forms.EmailField(label=gettext_lazy("Your email address"), max_length=254, required=False)
    contact_arrangements = forms.CharField(
        label=gettext_lazy("When and how is it safe to contact you?"),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("For example, text first, or only after 6pm."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
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
            (SOMEWHERE_ELSE, _("Somewhere else"))
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
        area = Area.objects.filter(slug=data["area"]).first() if data.get("area") != SOMEWHERE_ELSE else None
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
                contact_arrangements=data.get("contact_arrangements", ""),
            ),
            partner=partner,
            children_in_family=bool(data.get("has_children")),
        )


HOUR = 60 * 60


@dataclass(frozen=True)
class Admission:
    """Whether a valid self-referral is taken, and if so the note asking staff to check it first."""

    refused: bool = False
    # Why the referral's history asks for a check that it is genuine: which mark was passed.
    review: dict[str, Any] = field(default_factory=dict)


def admit_self_referral(*, address: str) -> Admission:
    """Decide whether a valid self-referral from `address` is taken, counting it if it is.

    Only valid submissions reach this, so junk costs nothing: an empty or automated post is refused by the
    form before any counter moves. Of the counters, only the one that a person spends alone can refuse
    them; a budget shared with strangers would let anyone close the form for everyone else:

    - per address (PATHWAYS_SELF_REFERRALS_PER_ADDRESS an hour; an IPv4 address or an IPv6 /64): past it,
      the referral is refused with 429 and the form comes back with what the person typed. An address is
      shared only by people behind the same router, who can also call the phone line the page gives.
      An address that is not known (a misconfigured proxy header) has no budget of its own to refuse.
    - per network (PATHWAYS_SELF_REFERRALS_PER_NETWORK; an IPv4 /24 or an IPv6 /48) and for everyone
      (PATHWAYS_SELF_REFERRALS_PER_HOUR): past either mark the referral is still taken and sent on as
      usual, but its history asks the service to check that it is genuine before contacting anyone, and
      the first one past a mark in the hour is logged as a warning for the operators. Holding it back
      from triage instead would leave it where no agency can see it (a self-referral belongs only to
      the service it is sent to), which would lose a real referral silently.
    """
    own = address_key(address)
    if own is not None and not allow(
        f"self-referral-address:{own}",
        limit=settings.SELF_REFERRALS_PER_ADDRESS_PER_HOUR,
        window_seconds=HOUR,
    ):
        return Admission(refused=True)
    network = charge(f"self-referral-network:{network_key(address)}", window_seconds=HOUR)
    everyone = charge("self-referral-all", window_seconds=HOUR)
    marks = (
        (everyone, settings.SELF_REFERRALS_PER_HOUR, "all"),
        (network, settings.SELF_REFERRALS_PER_NETWORK_PER_HOUR, "network"),
    )
    for count, mark, where in marks:
        if count > mark:
            if count == mark + 1:
                logger.warning(
                    "More than %d self-referrals %s this hour; the next ones are marked for review.",
                    mark,
                    "from the same network" if where == "network" else "in all",
                )
            return Admission(review={"where": where, "mark": mark})
    return Admission()


@require_http_methods(["GET", "POST"])
def self_referral(request: HttpRequest) -> HttpResponse:
    form = SelfReferralForm(request.POST or None)
    # The region's own name, from its file; a site serving several regions names none.
    regions = list(Region.objects.all()[:2])
    page: dict[str, Any] = {"form": form, "region_name": regions[0].name if len(regions) == 1 else ""}
    if request.method == "POST" and form.is_valid():
        try:
            # Checked before the limits are charged: a refused submission costs the sender nothing.
            services.referral_input_check_sealed(actor=None, data=form.referral_input())
        except services.ReferralError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
            return render(request, "referrals/self_referral.html", page, status=400)
        admission = admit_self_referral(address=client_address(request))
        if admission.refused:
            # The form comes back as it was sent, so that nothing typed is lost.
            response = render(request, "referrals/self_referral.html", {**page, "refused": True}, status=429)
            response["Retry-After"] = str(HOUR - int(time.time()) % HOUR)
            return response
        referral = submit_self_referral(form.referral_input(), review=admission.review)
        # What the confirmation page may say of it: the reference, the service it went to and the team
        # that will contact them, by key, so that the page names them in the language it is read in.
        request.session["self_referral"] = {
            "reference": referral.reference,
            "service": str(referral.service.pk) if referral.service else None,
            "intake": str(referral.intake_agency_id) if referral.intake_agency_id else None,
        }
        return redirect("referrals:self_referral_done")
    return render(request, "referrals/self_referral.html", page)


@transaction.atomic
def submit_self_referral(data: ReferralInput, *, review: dict[str, Any] | None = None) -> services.Referral:
    """Record it and send it to the best-ranked service that takes self-referrals, or record unmet need.
    All or nothing: a failure leaves no half-made referral. A `review` is added to the history of
    the referral and of the partner's referral made with it."""
    referral = services.referral_create(actor=None, data=data)
    try:
        result, _ruleset = services.referral_triage(referral=referral)
        if result.fits:
            referral = services.referral_service_choose(
                actor=None, referral=referral, service_slug=result.fits[0].service
            )
        else:
            referral = services.referral_unmet_need_record(actor=None, referral=referral)
    except services.ReferralError:
        pass  # no triage rules loaded: the referral stays "received" for staff to triage
    # Every self-referral reaches the intake team too, whether or not a service took it.
    services.referral_intake_send(referral=referral)
    if review:
        received = ReferralEvent.objects.filter(
            Q(referral=referral) | Q(referral__linked_referral=referral), status=Status.RECEIVED
        )
        for event in received:
            event.detail = {**event.detail, "review": review}
            event.save(update_fields=["detail"])
    return referral


def self_referral_done(request: HttpRequest) -> HttpResponse:
    """What happens next, truthfully: which service has the request, and who will contact them."""
    sent: dict[str, Any] = request.session.pop("self_referral", None) or {}
    service = Service.objects.filter(pk=sent["service"]).first() if sent.get("service") else None
    team = Agency.objects.filter(pk=sent["intake"]).first() if sent.get("intake") else None
    return render(
        request,
        "referrals/self_referral_done.html",
        {"reference": sent.get("reference"), "service": service, "team": team},
    )
