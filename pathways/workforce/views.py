"""The staff pages: an agency's staff (managers), one member's training and skills ratings, and the team
skills profile with its chart (managers for their agency, commissioners for the region)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.accounts.models import User
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.csvexport import TABLE_FORMATS, table_download
from pathways.core.policy import Actor, Perm, actor_for, allows
from pathways.directory.models import Service
from pathways.workforce import selectors, services
from pathways.workforce.chart import totals_chart
from pathways.workforce.forms import NOBODY, RatingForm, StaffForm, SupportForm, TrainingForm
from pathways.workforce.models import TrainingEvent


def _refused(form: Any, error: services.WorkforceError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _staff_form(actor: Actor, data: Any = None) -> StaffForm:
    assert actor.agency is not None
    own = list(Service.objects.filter(agencies=actor.agency).order_by("name_en"))
    users = list(User.objects.filter(memberships__agency=actor.agency, staff_record__isnull=True).distinct())
    return StaffForm(
        data,
        services=[(s.slug, s.name) for s in own],
        users=[(str(u.pk), str(u)) for u in sorted(users, key=str)],
    )


@require_http_methods(["GET", "HEAD", "POST"])
def staff_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    today = timezone.localdate()
    form = _staff_form(actor, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                staff = services.staff_add(
                    actor=actor,
                    full_name=data["full_name"],
                    job_title=data["job_title"],
                    service=Service.objects.filter(slug=data["service"]).first() if data["service"] else None,
                    user=User.objects.filter(pk=data["user"]).first() if data["user"] != NOBODY else None,
                    qualifications=data["qualifications"],
                    mi_days_before=data["mi_days_before"] or Decimal(0),
                )
            except services.WorkforceError as error:
                _refused(form, error)
            else:
                messages.success(request, _("The member of staff is added."))
                return redirect(staff)
    return render(
        request,
        "workforce/staff_list.html",
        {
            "lines": selectors.staff_lines(actor=actor, today=today),
            "form": form if allows(actor, Perm.STAFF_CHANGE) else None,
            "agency": actor.agency,
            "year": today.year,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def staff_detail(request: HttpRequest, staff_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    staff = selectors.staff_get(actor=actor, staff_id=staff_id)
    today = timezone.localdate()
    try:
        instrument = selectors.skills_current()
        file = selectors.skills_file(version=instrument)
    except selectors.SkillsNotLoaded:
        instrument, file = None, None
    posted = request.POST if request.method == "POST" else None
    which = posted.get("form") if posted else None
    training = TrainingForm(posted if which == "training" else None)
    support = SupportForm(
        posted if which == "support" else None,
        initial={"knows_confidential_support": staff.knows_confidential_support},
    )
    rating = RatingForm(posted if which == "rating" else None, file=file) if file else None
    status = 200
    if posted is not None:
        status = 400
        try:
            if which == "training" and training.is_valid():
                data = training.cleaned_data
                services.training_record(
                    actor=actor,
                    staff=staff,
                    kind=data["kind"],
                    topic=data["topic"],
                    title=data["title"],
                    attended_on=data["attended_on"],
                    days=data["days"],
                    refresher_due_on=data["refresher_due_on"],
                )
                messages.success(request, _("The training is recorded."))
                return redirect(staff)
            if which == "support" and support.is_valid():
                services.staff_support_record(
                    actor=actor, staff=staff, knows=support.cleaned_data["knows_confidential_support"]
                )
                messages.success(request, _("Saved."))
                return redirect(staff)
            if which == "rating" and rating is not None and instrument is not None and rating.is_valid():
                services.skills_rating_record(
                    actor=actor,
                    staff=staff,
                    instrument=instrument,
                    rated_on=rating.cleaned_data["rated_on"],
                    rater=rating.cleaned_data["rater"],
                    scores=rating.scores(),
                )
                messages.success(request, _("The skills rating is recorded."))
                return redirect(staff)
            if which not in ("training", "support", "rating"):
                raise Http404
        except services.WorkforceError as error:
            _refused({"training": training, "support": support, "rating": rating}[str(which)], error)
    events = list(TrainingEvent.objects.filter(staff=staff).order_by("-attended_on"))
    career, year = selectors.mi_days(staff=staff, events=events, today=today)
    failed = next((f for f in (training, support, rating) if f is not None and f.errors), None)
    return render(
        request,
        "workforce/staff_detail.html",
        {
            "staff": staff,
            "events": events,
            "mi_career": career,
            "mi_year": year,
            "year": today.year,
            "ratings": list(staff.ratings.order_by("-rated_on")),
            "file": file,
            "may_change": allows(actor, Perm.STAFF_CHANGE),
            "training_form": training,
            "support_form": support,
            "rating_form": rating,
            "failed": failed,
        },
        status=status,
    )


def _profile(actor: Actor, request: HttpRequest) -> tuple[Any, list[Service], Service | None, Any]:
    try:
        file = selectors.skills_file(version=selectors.skills_current())
    except selectors.SkillsNotLoaded:
        return None, [], None, None
    everything = selectors.profile_ratings(actor=actor)
    services_seen = selectors.profile_services(ratings=everything)
    chosen = next((s for s in services_seen if s.slug == request.GET.get("service")), None)
    if request.GET.get("service") and chosen is None:
        raise Http404
    ratings = [r for r in everything if chosen is None or r.staff.service_id == chosen.pk]
    return selectors.skills_profile(ratings=ratings, file=file), services_seen, chosen, file


@require_http_methods(["GET", "HEAD"])
def skills_profile(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    profile, services_seen, chosen, file = _profile(actor, request)
    return render(
        request,
        "workforce/skills.html",
        {
            "profile": profile,
            "services": services_seen,
            "chosen": chosen,
            "chart": totals_chart(profile=profile) if profile and profile.n else "",
            "instrument": selectors.shown(file.name) if file else "",
        },
    )


def _profile_rows(profile: Any) -> list[list[object]]:
    rows: list[list[object]] = [[_("Figure"), _("Value")], [_("Staff rated"), profile.n]]
    if profile.n:
        rows += [
            [_("Lowest total"), profile.lowest],
            [_("Highest total"), profile.highest],
            [_("Mean total"), round(profile.mean, 1)],
            [_("Standard deviation"), round(profile.sd, 1) if profile.sd is not None else ""],
        ]
        rows += [[_("At %(name)s (%(min)s+)") % {"name": n, "min": m}, c] for n, m, c in profile.benchmarks]
        rows += [[_("Mean: %(name)s") % {"name": n}, round(v, 1)] for n, v in profile.subscales]
        rows += [
            [_("Mean total in %(year)s (n = %(n)s)") % {"year": y, "n": n}, round(v, 1)]
            for y, n, v in profile.by_year
        ]
    return rows


@require_http_methods(["GET", "HEAD"])
def skills_export(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    chosen_format = request.GET.get("format", "csv")
    if chosen_format not in TABLE_FORMATS:
        raise Http404
    profile, _services, chosen, _file = _profile(actor, request)
    if profile is None:
        raise Http404
    rows = _profile_rows(profile)
    audit.entry_record(
        action=AuditAction.RECORD_VIEWED,
        actor=actor,
        record_type="skillsprofile",
        details={"export": chosen_format, "service": chosen.slug if chosen else "", "n": profile.n},
    )
    day = timezone.localdate().isoformat()
    return table_download(
        rows=rows, chosen=chosen_format, filename=f"skills-profile-{day}", sheet=_("Skills")
    )
