from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pathways.core.policy import Perm, actor_for, allows, can_see_record, runs_service
from pathways.directory.choices import ServiceStatus, Tier
from pathways.directory.models import Service
from pathways.people import selectors as people
from pathways.people.models import Person
from pathways.referrals import selectors, services
from pathways.referrals.choices import Status
from pathways.referrals.forms import (
    AdvanceForm,
    ChooseServiceForm,
    CorrectionForm,
    IntakeForm,
    ReferralForm,
    ReferralSearchForm,
    StepForm,
)
from pathways.referrals.models import Referral
from pathways.referrals.reasons import Describer

PAGE_SIZE = 50


def referral_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    search = ReferralSearchForm(request.GET or None, services=selectors.services_seen(actor=actor))
    wanted = search.cleaned_data if search.is_valid() else {}
    whose = wanted.get("whose") or ""
    found = selectors.referral_search(
        actor=actor,
        query=wanted.get("q", ""),
        status=wanted.get("status", ""),
        service=wanted.get("service", ""),
        mine={"mine": True, "received": False}.get(whose),
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    intake_team = selectors.agency_is_intake_team(agency=actor.agency)
    waiting = selectors.intake_queue(actor=actor)[0] if intake_team else []
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/list.html",
        {
            "search": search,
            "page": page,
            "rows": selectors.referral_rows(actor=actor, referrals=list(page.object_list)),
            "query": query.urlencode(),
            "intake_team": intake_team,
            "intake_waiting": len(waiting),
            # Only a role that may refer is offered the button: the rest would meet a refusal.
            "may_refer": allows(actor, Perm.REFERRAL_CHANGE),
            "to_screen": selectors.services_to_screen(actor=actor),
        },
    )


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
                "reasons_text": [describe(reason) for reason in r["reasons"]],
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
    step_from, steps_to = selectors.referral_step_links(referral=referral)
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
            "case_facts": selectors.referral_case_facts(referral=referral),
            "tier_needed": dict(Tier.choices).get((triage or {}).get("tier_needed") or referral.tier_needed),
            "choose_form": choose_form,
            "advance_form": AdvanceForm(initial={"to": steps[0]}) if steps else None,
            "steps": steps,
            "step_form": StepForm() if can_step else None,
            "may_correct": allows(actor, Perm.REFERRAL_CHANGE)
            and referral.status not in (Status.WITHDRAWN, Status.MOVED_ON),
            "corrections": selectors.referral_corrections(actor=actor, referral=referral),
            "step_from": step_from,
            "steps_to": steps_to,
            "intake_form": IntakeForm(initial={"outcome": referral.intake_outcome or None})
            if actor.agency is not None
            and referral.intake_agency_id == actor.agency.pk
            and allows(actor, Perm.REFERRAL_CHANGE)
            else None,
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
    options = selectors.referral_step_options(actor=actor, referral=referral)
    form = StepForm(request.POST or None, existing=options)
    if request.method == "POST" and form.is_valid():
        chosen = form.existing_id()
        # A referral the actor may not see is not found, as it would be anywhere else.
        existing = selectors.referral_get(actor=actor, referral_id=chosen) if chosen else None
        try:
            target = services.referral_step(
                actor=actor, referral=referral, existing=existing, **form.step_values()
            )
        except services.ReferralError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _step_done(referral=referral, target=target, linked=existing))
            return redirect(target)
    return render(
        request, "referrals/step.html", {"form": form, "referral": referral, "has_options": bool(options)}
    )


def _step_done(*, referral: Referral, target: Referral, linked: Referral | None) -> str:
    if linked is None:
        return _(
            "Step referral %(reference)s made. The person stays with this service until the next one starts."
        ) % {"reference": target.reference}
    referral.refresh_from_db(fields=["status"])
    if referral.status == Status.MOVED_ON:
        return _(
            "The step is recorded on referral %(reference)s, which has started: %(from)s is marked as "
            "moved to that service."
        ) % {"reference": target.reference, "from": referral.reference}
    return _(
        "The step is recorded on referral %(reference)s. The person stays with this service until that "
        "one starts."
    ) % {"reference": target.reference}


@require_http_methods(["GET", "POST"])
def referral_correct(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    """Correct what was recorded: the person's details, the partner's where the actor may see her record,
    and the referral's own; triage runs again and the page says what that changed."""
    actor = actor_for(request)
    referral = selectors.referral_get(actor=actor, referral_id=referral_id)
    partner = referral.partner
    partner_visible = partner is not None and can_see_record(actor, _with_agencies(partner), Perm.PERSON_VIEW)
    form = CorrectionForm(request.POST or None, referral=referral, partner_visible=partner_visible)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.referral_correct(
                actor=actor,
                referral=referral,
                person=form.person_changes(),
                partner=form.partner_changes(),
                details=form.detail_changes(),
            )
        except services.ReferralError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("Corrections saved."))
            for line in _triage_change_lines(changes):
                messages.info(request, line)
            return redirect(referral)
    return render(request, "referrals/new.html", {"form": form, "referral": referral})


def _triage_change_lines(changes: list[services.TriageChange]) -> list[str]:
    names = dict(
        Service.objects.filter(
            slug__in={s for c in changes for s in (*c.fits_before, *c.fits_after)}
        ).values_list("slug", "name_en")
    )
    tiers = dict(Tier.choices)
    lines = []
    for change in changes:
        if not change.changed:
            lines.append(_("Triage ran again for %(ref)s: nothing changed.") % {"ref": change.reference})
            continue
        listed = [names.get(s, s) for s in change.fits_after]
        before = [names.get(s, s) for s in change.fits_before]
        lines.append(
            _("Triage ran again for %(ref)s. Services that could take them: %(now)s (before: %(before)s).")
            % {
                "ref": change.reference,
                "now": ", ".join(listed) or _("none"),
                "before": ", ".join(before) or _("none"),
            }
        )
        if change.tier_before != change.tier_after:
            lines.append(
                _("Tier needed: %(now)s (before: %(before)s).")
                % {"now": tiers.get(change.tier_after, "-"), "before": tiers.get(change.tier_before, "-")}
            )
        if change.returned:
            lines.append(_("It was unmet need; a service can take it now, so choose one."))
        if change.chosen_ruled_out:
            lines.append(
                _("%(service)s, which it was sent to, can no longer take it: tell them, or withdraw it.")
                % {"service": change.chosen_ruled_out}
            )
    return lines
