from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.cases import selectors, services
from pathways.cases.choices import CaseStatus
from pathways.cases.forms import TransferForm
from pathways.cases.views.sections import case_page_context
from pathways.core.policy import actor_for


@require_http_methods(["GET", "HEAD", "POST"])
def case_transfer_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    choices = services.transfer_services(case=case) if case.status == CaseStatus.OPEN else []
    form = TransferForm(request.POST if request.method == "POST" else None, services=choices)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                new = services.case_transfer(
                    actor=actor, case=case, to_service=form.chosen(), reason=form.cleaned_data["reason"]
                )
            except services.CaseError as error:
                form.add_error(error.field, str(error))
            else:
                messages.success(
                    request,
                    _("The case is transferred to %(service)s, with his consent and the case's history.")
                    % {"service": new.service.name},
                )
                return redirect(case)
    return render(
        request,
        "cases/transfer.html",
        {**case_page_context(request, actor=actor, case=case, current="cases:detail"), "form": form},
        status=status,
    )
