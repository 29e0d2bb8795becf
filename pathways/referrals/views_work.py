"""Work a service does with the people referred to it: choosing whom to take when places are limited
(screening), and the re-assessments that fall due on the region's schedule."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.assessments.models import ScreeningRound
from pathways.core.policy import Perm, actor_for, get_for_actor, runs_service
from pathways.directory.models import Service
from pathways.people.sealed import markers_by_person
from pathways.referrals import screening, selectors, services
from pathways.referrals.forms import IntakeForm, ScreeningForm


@require_http_methods(["GET", "POST"])
def screening_new(request: HttpRequest, service_slug: str) -> HttpResponse:
    actor = actor_for(request)
    service = Service.objects.filter(slug=service_slug).first()
    if service is None or not runs_service(actor, service):
        raise Http404
    people = screening.candidates(service)
    errors: list[str] = []
    form = ScreeningForm(request.POST or None, initial={"held_on": datetime.date.today()})
    if request.method == "POST":
        if not form.is_valid():
            errors += [str(e) for field_errors in form.errors.values() for e in field_errors]
        else:
            decisions = {
                str(c.referral.pk): (
                    request.POST.get(f"take-{c.referral.pk}") == "on",
                    request.POST.get(f"reason-{c.referral.pk}", "")[:2000],
                )
                for c in people
            }
            try:
                made = screening.record_screening(
                    actor=actor,
                    service=service,
                    places=form.cleaned_data["places"],
                    held_on=form.cleaned_data["held_on"],
                    decisions=decisions,
                    notes=request.POST.get("notes", "")[:4000],
                )
            except screening.ScreeningError as error:
                errors.append(str(error))
            else:
                messages.success(request, _("Screening recorded."))
                return redirect(made)
    return render(
        request,
        "referrals/screening_new.html",
        {
            "service": service,
            "people": people,
            "form": form,
            "markers": markers_by_person([c.referral.person_id for c in people]),
            "errors": errors,
            "post": request.POST,
            "today": datetime.date.today().isoformat(),
        },
    )


def screening_detail(request: HttpRequest, screening_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    record = get_for_actor(
        actor,
        ScreeningRound.objects.select_related("service", "decided_by", "agency"),
        Perm.ASSESSMENT_VIEW,
        pk=screening_id,
    )
    return render(
        request,
        "referrals/screening_detail.html",
        {
            "record": record,
            "candidates": record.candidates.select_related("referral__person"),
        },
    )


def due(request: HttpRequest) -> HttpResponse:
    """The practitioner's task list: re-assessments due under the region's schedule."""
    actor = actor_for(request)
    tasks = selectors.reassessments_due(actor=actor, today=datetime.date.today())
    return render(request, "referrals/due.html", {"tasks": tasks})


@require_http_methods(["GET"])
def intake(request: HttpRequest) -> HttpResponse:
    """The region's intake team's queue: every self-referral and all unmet need, until it records what
    it did."""
    waiting, done = selectors.intake_queue(actor=actor_for(request))
    return render(request, "referrals/intake.html", {"waiting": waiting, "done": done})


@require_http_methods(["POST"])
def intake_record(request: HttpRequest, referral_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    referral = selectors.referral_get(actor=actor, referral_id=referral_id)
    form = IntakeForm(request.POST)
    if form.is_valid():
        try:
            services.referral_intake_record(
                actor=actor,
                referral=referral,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except services.ReferralError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Recorded. The referral has left the intake queue."))
            return redirect("referrals:intake")
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(referral)
