"""The standards pages: the board of every service, a service's reviews, one review as a sheet of items,
rating an item, and two reviews compared."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.core.policy import Actor, Perm, actor_for, allows
from pathways.standards import exports, selectors, services
from pathways.standards.forms import (
    AccreditationForm,
    CompareForm,
    ReviewCompleteForm,
    ReviewItemForm,
    ReviewStartForm,
)
from pathways.standards.models import StandardsReview
from pathways.standards.selectors import shown


def _refused(form: Any, error: services.StandardsError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


@require_http_methods(["GET", "HEAD"])
def board(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    return render(request, "standards/board.html", {"lines": selectors.standards_board(actor=actor)})


@require_http_methods(["GET", "HEAD"])
def board_export(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    chosen = request.GET.get("format", "csv")
    if chosen not in exports.FORMATS:
        raise Http404
    return exports.board_export(actor=actor, lines=selectors.standards_board(actor=actor), chosen=chosen)


def _start_form(actor: Actor, data: Any = None) -> ReviewStartForm | None:
    kinds = services.review_kinds(actor=actor)
    if not kinds:
        return None
    try:
        version = selectors.standards_current()
    except selectors.StandardsNotLoaded:
        return None
    file = selectors.standards_file(version=version)
    checklists = [(c.slug, f"{shown(c.name)}: {shown(c.summary)}") for c in file.checklists]
    return ReviewStartForm(data, checklists=checklists, kinds=kinds)


@require_http_methods(["GET", "HEAD", "POST"])
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_for(request)
    service = selectors.service_get(actor=actor, slug=slug)
    may_review = services.review_kinds(actor=actor) != []
    start = _start_form(actor, request.POST if request.method == "POST" and "start" in request.POST else None)
    accreditation = (
        AccreditationForm(request.POST if request.method == "POST" and "accredit" in request.POST else None)
        if allows(actor, Perm.STANDARDS_ALL)
        else None
    )
    status = 200
    if request.method == "POST":
        status = 400
        if "start" in request.POST and start is not None and start.is_valid():
            try:
                review = services.review_start(
                    actor=actor,
                    service=service,
                    standards=selectors.standards_current(),
                    checklist=start.cleaned_data["checklist"],
                    kind=start.cleaned_data["kind"],
                    reviewer=start.cleaned_data["reviewer"],
                    reviewed_on=start.cleaned_data["reviewed_on"],
                )
            except services.StandardsError as error:
                _refused(start, error)
            else:
                messages.success(request, _("The review is started: rate each item."))
                return redirect(review)
        elif "accredit" in request.POST and accreditation is not None and accreditation.is_valid():
            try:
                services.accreditation_record(
                    actor=actor,
                    service=service,
                    scheme=accreditation.cleaned_data["scheme"],
                    awarded_on=accreditation.cleaned_data["awarded_on"],
                    expires_on=accreditation.cleaned_data["expires_on"],
                )
            except services.StandardsError as error:
                _refused(accreditation, error)
            else:
                messages.success(request, _("The accreditation is recorded."))
                return redirect("standards:service", slug=service.slug)
        elif "start" not in request.POST and "accredit" not in request.POST:
            raise Http404
    reviews = selectors.service_reviews(actor=actor, service=service)
    failed = (
        start
        if start is not None and start.errors
        else accreditation
        if accreditation and accreditation.errors
        else None
    )
    return render(
        request,
        "standards/service.html",
        {
            "service": service,
            "reviews": [(r, selectors.review_counts(review=r)) for r in reviews],
            "accreditations": service.accreditations.order_by("-awarded_on"),
            "start_form": start if may_review else None,
            "accreditation_form": accreditation,
            "failed": failed,
        },
        status=status,
    )


def _review_context(review: StandardsReview) -> dict[str, Any]:
    file = selectors.standards_file(version=review.standards)
    checklist = selectors.review_checklist(review=review)
    return {
        "review": review,
        "file": file,
        "title": shown(file.title),
        "licence": shown(file.licence),
        "checklist_name": shown(checklist.name),
        "sources": {s.slug: shown(s.name) for s in file.evidence_sources},
    }


@require_http_methods(["GET", "HEAD", "POST"])
def review_detail(request: HttpRequest, review_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    review = selectors.review_get(actor=actor, review_id=review_id)
    may_change = services.review_may_change(actor=actor, review=review)
    form = ReviewCompleteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.review_complete(actor=actor, review=review, summary=form.cleaned_data["summary"])
            except services.StandardsError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("The review is completed. Amber items are on the service's Tasks.")
                )
                return redirect(review)
    groups = selectors.review_sheet(review=review, actor=actor)
    return render(
        request,
        "standards/review.html",
        {
            **_review_context(review),
            "groups": groups,
            "counts": selectors.review_counts(review=review),
            "may_change": may_change,
            "form": form if may_change else None,
            "others": [
                r for r in selectors.service_reviews(actor=actor, service=review.service) if r.pk != review.pk
            ],
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def review_item(request: HttpRequest, review_id: uuid.UUID, item: str) -> HttpResponse:
    actor = actor_for(request)
    review = selectors.review_get(actor=actor, review_id=review_id)
    found = next((i for i in selectors.review_checklist(review=review).items if i.id == item), None)
    if found is None:
        raise Http404
    rated = next((r for r in review.items.all() if r.item == item), None)
    file = selectors.standards_file(version=review.standards)
    sources = [(s.slug, shown(s.name)) for s in file.evidence_sources]
    initial = (
        {
            "rating": rated.rating,
            "findings": rated.findings,
            "evidence": rated.evidence,
            "review_by": rated.review_by,
        }
        if rated
        else {}
    )
    form = ReviewItemForm(
        request.POST if request.method == "POST" else None, initial=initial, sources=sources
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.review_item_rate(
                    actor=actor,
                    review=review,
                    item=item,
                    rating=form.cleaned_data["rating"],
                    findings=form.cleaned_data["findings"],
                    evidence=form.cleaned_data["evidence"],
                    review_by=form.cleaned_data["review_by"],
                )
            except services.StandardsError as error:
                _refused(form, error)
            else:
                messages.success(request, _("The rating is saved."))
                return redirect(f"{review.get_absolute_url()}#item-{item}")
    standard = file.standard(found.standard) if found.standard is not None else None
    return render(
        request,
        "standards/review_item.html",
        {
            **_review_context(review),
            "item": found,
            "question": shown(found.question),
            "standard_name": shown(standard.name) if standard else "",
            "evidence": selectors.item_evidence(actor=actor, review=review, item=found),
            "form": form,
            "may_change": services.review_may_change(actor=actor, review=review),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
def compare(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    form = CompareForm(request.GET)
    if not form.is_valid():
        raise Http404
    first = selectors.review_get(actor=actor, review_id=form.cleaned_data["first"])
    second = selectors.review_get(actor=actor, review_id=form.cleaned_data["second"])
    if first.service_id != second.service_id:
        raise Http404
    # The earlier review on the left, whichever was chosen first.
    if (second.reviewed_on, second.created_at) < (first.reviewed_on, first.created_at):
        first, second = second, first
    rows = selectors.reviews_compare(first=first, second=second)
    return render(
        request,
        "standards/compare.html",
        {
            "service": first.service,
            "first": first,
            "second": second,
            "first_counts": selectors.review_counts(review=first),
            "second_counts": selectors.review_counts(review=second),
            "rows": [(row, shown(row.item.question)) for row in rows],
            "changed": sum(1 for row in rows if row.changed),
        },
    )
