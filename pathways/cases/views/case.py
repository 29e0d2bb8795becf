from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.cases import selectors, services
from pathways.cases.forms import AssignForm, CaseloadForm
from pathways.cases.selectors import contact as contact_selectors
from pathways.cases.selectors.next import caseload_next_actions
from pathways.cases.views.sections import case_page_context, overview_parts
from pathways.core.policy import Perm, actor_for, allows


@require_http_methods(["GET", "HEAD"])
def caseload_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    form = CaseloadForm(request.GET)
    whose = (form.cleaned_data.get("whose") if form.is_valid() else "") or "mine"
    rows, page = selectors.caseload(actor=actor, whose=whose, page=request.GET.get("page"))
    return render(
        request,
        "cases/caseload.html",
        {
            "rows": rows,
            "page": page,
            "whose": whose,
            "counts": selectors.caseload_counts(actor=actor),
            **contact_selectors.caseload_first_contact(
                actor=actor,
                cases=[row.case for row in rows],
                caseload=selectors.caseload_cases(actor=actor, whose=whose),
            ),
            "next_actions": caseload_next_actions(
                actor=actor, cases=[row.case for row in rows], today=timezone.localdate()
            ),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def case_detail_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    workers, managers = selectors.case_staff(case=case)
    may_change = allows(actor, Perm.CASE_CHANGE)
    initial = {"worker": str(case.worker_id or ""), "manager": str(case.manager_id or "")}
    form = AssignForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        workers=workers,
        managers=managers,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if may_change and form.is_valid():
            try:
                services.case_assign(
                    actor=actor, case=case, worker=form.chosen("worker"), manager=form.chosen("manager")
                )
            except services.CaseError as error:
                form.add_error(error.field, str(error))
            else:
                messages.success(request, _("The case worker and manager are saved."))
                return redirect(case)
    parts = [(template, part(actor, case)) for template, part in overview_parts()]
    return render(
        request,
        "cases/detail.html",
        {
            **case_page_context(request, actor=actor, case=case, current="cases:detail"),
            "events": selectors.case_events(actor=actor, case=case),
            "form": form if may_change and case.status == "open" else None,
            "parts": parts,
        },
        status=status,
    )
