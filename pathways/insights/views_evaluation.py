"""Information governance's page for evaluation partners: the data-sharing agreements on record, a form to
record one, and the extract produced under each agreement in force."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.core.policy import actor_for
from pathways.insights import evaluation
from pathways.insights.forms import AgreementForm
from pathways.insights.services import AgreementError, agreement_record


@require_http_methods(["GET", "HEAD", "POST"])
def evaluation_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    form = AgreementForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                agreement = agreement_record(actor=actor, data=form.cleaned_data)
            except AgreementError as error:
                form.add_error(error.field, str(error))
            else:
                messages.success(
                    request,
                    _("The agreement %(reference)s is recorded.") % {"reference": agreement.reference},
                )
                return redirect("insights:evaluation")
    today = timezone.localdate()
    agreements = [(a, a.in_force(today)) for a in evaluation.agreements_for(actor=actor)]
    return render(
        request,
        "insights/evaluation.html",
        {
            "form": form,
            "agreements": agreements,
            "case_columns": evaluation.CASE_COLUMNS,
            "referral_columns": evaluation.REFERRAL_COLUMNS,
            "excluded": evaluation.EXCLUDED,
        },
        status=status,
    )


@require_http_methods(["POST"])
def evaluation_extract_view(request: HttpRequest, agreement_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    agreement = evaluation.agreements_for(actor=actor).filter(pk=agreement_id).first()
    if agreement is None:
        raise Http404
    try:
        extract, body = evaluation.extract_produce(actor=actor, agreement=agreement)
    except evaluation.ExtractRefused as refused:
        messages.error(request, str(refused))
        return redirect("insights:evaluation")
    response = HttpResponse(body, content_type="application/zip")
    name = f"evaluation-{agreement.reference}-{extract.produced_at:%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
