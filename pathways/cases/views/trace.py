"""Tracing: at a support service, the people it is tracing because a man its linked service works with has
harmed them, each marked as far as tracing has got; on his case's overview, how far that has got for each
(the crossing "victim_trace"), never who they are."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pathways.cases.choices import TraceStatus
from pathways.cases.forms import ServiceChoiceMixin
from pathways.cases.models import Case
from pathways.cases.selectors import trace as trace_selectors
from pathways.cases.services import trace as trace_services
from pathways.cases.services.base import CaseError
from pathways.cases.views.sections import OVERVIEW_PARTS
from pathways.core.access import Side
from pathways.core.forms import GovukFormMixin
from pathways.core.policy import Actor, Perm, actor_for, allows
from pathways.directory.choices import ServiceKind
from pathways.directory.models import Service


class TraceForm(GovukFormMixin, ServiceChoiceMixin):
    status = forms.ChoiceField(
        label=gettext_lazy("How far has tracing her got?"),
        choices=TraceStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose how far tracing her has got.")},
    )
    service = forms.ChoiceField(
        label=gettext_lazy("Service supporting her (if she was offered support)"), required=False
    )

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services_offer(services, none=_("None named"))


def _support_services() -> list[Service]:
    return list(Service.objects.filter(kind=ServiceKind.VICTIM_SUPPORT).order_by("name_en"))


@require_http_methods(["GET", "HEAD", "POST"])
def tracing_view(request: HttpRequest) -> HttpResponse:
    """The people the agency's services are tracing, with a form on each."""
    actor = actor_for(request)
    services = _support_services()
    may_change = allows(actor, Perm.CASE_CHANGE)
    failed: tuple[Any, TraceForm] | None = None
    if request.method == "POST" and may_change:
        trace = trace_selectors.trace_get(actor=actor, trace_id=request.POST.get("trace"))
        form = TraceForm(request.POST, prefix=str(trace.pk), services=services)
        if form.is_valid():
            try:
                trace_services.victim_trace_update(
                    actor=actor,
                    trace=trace,
                    status=form.cleaned_data["status"],
                    supported_by=form.chosen_service_or_none(),
                )
            except CaseError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                messages.success(request, _("Tracing is updated."))
                return redirect("cases:tracing")
        failed = (trace.pk, form)
    rows = trace_selectors.service_traces(actor=actor)
    items = [
        {
            "row": row,
            "form": failed[1]
            if failed is not None and failed[0] == row.trace.pk
            else TraceForm(
                prefix=str(row.trace.pk),
                services=services,
                initial={"status": row.trace.status, "service": row.trace.supported_by_id or ""},
            ),
        }
        for row in rows
    ]
    return render(
        request,
        "cases/tracing.html",
        {
            "items": items,
            "counts": trace_selectors.trace_counts(actor=actor),
            "may_change": may_change,
            "form": failed[1] if failed is not None else None,
            "agency": actor.agency,
        },
        status=400 if failed is not None else 200,
    )


def victims_overview(actor: Actor, case: Case) -> dict[str, Any]:
    """The overview's part on his case: everyone he has harmed that a service is tracing."""
    if case.person.side != Side.PERPETRATOR:
        return {"shown": False}
    traces = trace_selectors.case_victim_traces(case=case)
    return {
        "shown": True,
        "traces": traces,
        "untraced": sum(t.untraced for t in traces),
        "tracer": case.service.partner_support_service,
    }


OVERVIEW_PARTS.append(("cases/parts/victims.html", victims_overview))
