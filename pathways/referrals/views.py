from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pathways.core.policy import Perm, actor_for, allows, can_see_record, runs_service
from pathways.directory.choices import ServiceStatus
from pathways.directory.models import Service
from pathways.people import selectors as people
from pathways.people.models import Person
from pathways.referrals import selectors, services
from pathways.referrals.choices import Status
from pathways.referrals.forms import AdvanceForm, ChooseServiceForm, ReferralForm, StepForm
from pathways.referrals.models import Referral
from pathways.referrals.reasons import Describer


def referral_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    referrals = selectors.referrals_for(actor=actor).order_by("-created_at")[:200]
    mine = [r for r in referrals if actor.agency and r.referring_agency_id == actor.agency.pk]
    received = [r for r in referrals if r not in mine]
    return render(request, "referrals/list.html", {"mine": mine, "received": received})


@require_http_methods(["GET", "POST"])
def referral_new(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    form = ReferralForm(request.POST or None)
    duplicates: list[Person] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        existing = None
        if data.get("existing_person"):
            existing = people.person_get(actor=actor, person_id=data["existing_person"])
        elif not data.get("not_a_duplicate"):
            person = form.person_input()
            duplicates = people.person_possible_duplicates(
                actor=actor,
                given_name=person.given_name,
                family_name=person.family_name,
                date_of_birth=person.date_of_birth,
                area=person.area,
                police_reference=person.police_reference,
                nhs_number=person.nhs_number,
                social_services_reference=person.social_services_reference,
            )
        if not duplicates:
            referral_input = form.referral_input()
            if existing is not None:
                referral_input.person, referral_input.existing_person = None, existing
            try:
                referral = services.referral_create(actor=actor, data=referral_input)
            except services.ReferralError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                messages.success(
                    request,
                    _("Referral %(reference)s received. Now choose a service.")
                    % {"reference": referral.reference},
                )
                return redirect(referral)
    # Named from the region's data (partner_details_required in region.yaml), never in the template.
    partner_details_services = sorted(
        (
            s.name
            for s in Service.objects.filter(partner_details_required=True).exclude(
                status=ServiceStatus.DECOMMISSIONED
            )
        ),
        key=str.casefold,
    )
    return render(
        request,
        "referrals/new.html",
        {"form": form, "duplicates": duplicates, "partner_details_services": partner_details_services},
    )


def _options(referral: Referral) -> tuple[dict[str, Any] | None, str]:
    """Triage as shown: live for a referral still waiting for a decision, the kept record otherwise."""
    if referral.status == Status.RECEIVED and referral.kind == "perpetrator":
        try:
            result, ruleset = services.referral_triage(referral=referral)
        except services.ReferralError as error:
            return None, str(error)
        return {**result.snapshot(), "rules_version": ruleset.version}, ""
    return (referral.triage or None), ""


def _describe(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
    if not snapshot:
        return None
    describe = Describer()
    names = {
        s.slug: s
        for s in Service.objects.filter(
            slug__in=[
                *(o["service"] for o in snapshot.get("fits", [])),
                *(r["service"] for r in snapshot.get("ruled_out", [])),
            ]
        )
    }
    return {
        **snapshot,
        "fits": [
            {
                **o,
                "name": names[o["service"]].name if o["service"] in names else o["service"],
                "reasons_text": [describe(r) for r in o["reasons"]],
                "cautions_text": [describe(r) for r in o["cautions"]],
            }
            for o in snapshot.get("fits", [])
        ],
        "ruled_out": [
            {
                **r,
                "name": names[r["service"]].name if r["service"] in names else r["service"],
                "reason_text": describe(r["reason"]),
            }
            for r in snapshot.get("ruled_out", [])
        ],
    }


def referral_detail(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    referral = selectors.referral_get(actor=actor, referral_id=referral_id)
    snapshot, triage_error = _options(referral)
    triage = _describe(snapshot)
    choose_form = None
    if (
        referral.status == Status.RECEIVED
        and triage
        and triage["fits"]
        and allows(actor, Perm.REFERRAL_CHANGE)
    ):
        choose_form = ChooseServiceForm(options=[(o["service"], o["name"]) for o in triage["fits"]])
    person = referral.person
    partner = referral.partner
    partner_visible = partner is not None and can_see_record(actor, _with_agencies(partner), Perm.PERSON_VIEW)
    steps = (
        services.referral_next_steps(actor=actor, referral=referral)
        if allows(actor, Perm.REFERRAL_CHANGE)
        else []
    )
    can_step = (
        allows(actor, Perm.REFERRAL_CHANGE)
        and runs_service(actor, referral.service)
        and referral.status in (Status.ACCEPTED, Status.WAITING, Status.STARTED)
    )
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "person": person,
            "person_visible": can_see_record(actor, _with_agencies(person), Perm.PERSON_VIEW),
            "partner": partner if partner_visible else None,
            "partner_referrals": selectors.partner_referrals_summary(referral=referral),
            "markers": services.referral_sealed_markers(referral=referral),
            "events": referral.events.select_related("by", "agency"),
            "triage": triage,
            "triage_error": triage_error,
            "choose_form": choose_form,
            "advance_form": AdvanceForm(initial={"to": steps[0]}) if steps else None,
            "steps": steps,
            "step_form": StepForm() if can_step else None,
            "status_labels": dict(Status.choices),
        },
    )


def _with_agencies(person: Person) -> Person:
    return Person.objects.prefetch_related(Prefetch("agencies")).get(pk=person.pk)


@require_POST
def referral_choose(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    referral = selectors.referral_get(actor=actor, referral_id=referral_id)
    try:
        if request.POST.get("unmet_need"):
            services.referral_unmet_need_record(actor=actor, referral=referral)
            messages.success(request, _("Recorded as unmet need. It now shows on the gap map."))
        else:
            slug = request.POST.get("service", "")[:50]
            if not slug:
                raise services.ReferralError(_("Choose a service."))
            referral = services.referral_service_choose(actor=actor, referral=referral, service_slug=slug)
            messages.success(request, _("Referral sent to %(service)s.") % {"service": referral.service})
    except services.ReferralError as error:
        messages.error(request, str(error))
    return redirect(referral)


@require_POST
def referral_advance(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    referral = selectors.referral_get(actor=actor, referral_id=referral_id)
    form = AdvanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status and keep the note under 2,000 characters."))
        return redirect(referral)
    try:
        services.referral_advance(
            actor=actor, referral=referral, to=form.cleaned_data["to"], note=form.cleaned_data["note"]
        )
        messages.success(request, _("Status updated."))
    except services.ReferralError as error:
        messages.error(request, str(error))
    return redirect(referral)


@require_http_methods(["GET", "POST"])
def referral_step(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    referral = selectors.referral_get(actor=actor, referral_id=referral_id)
    form = StepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.referral_step(actor=actor, referral=referral, **form.cleaned_data)
        except services.ReferralError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(
                request,
                _(
                    "Step referral %(reference)s made. The person stays with this service until "
                    "the next one starts."
                )
                % {"reference": new.reference},
            )
            return redirect(new)
    return render(request, "referrals/step.html", {"form": form, "referral": referral})
