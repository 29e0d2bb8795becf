"""The case's ending page: the region's rules for each way of ending, whether the case may close now, what
other agencies have taken on or said, the ending itself, and after it the outcome, who was told and the
attempts to bring back someone who dropped out. Also the overview's parts for the ending and for new
police records."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.cases import selectors
from pathways.cases.choices import CaseStatus
from pathways.cases.forms_ending import AgencyInputForm, EndForm, ManagementForm, ReEngagementForm
from pathways.cases.models import Case
from pathways.cases.selectors.alerts import alerts_open
from pathways.cases.selectors.ending import case_closure, ending_name, ending_other_agencies, ending_page
from pathways.cases.selectors.ending import risk_shown as risk_label
from pathways.cases.selectors.rules import CaseworkNotLoaded, Rules, casework_rules_for_case, name_shown
from pathways.cases.services import ending as services
from pathways.cases.services.base import CaseError
from pathways.cases.views.sections import OVERVIEW_PARTS, case_page_context
from pathways.core.policy import Actor, Perm, actor_for, allows


def _rules(case: Case) -> Rules | None:
    try:
        return casework_rules_for_case(case=case)
    except CaseworkNotLoaded:
        return None


def _forms(data: Any, *, action: str, case: Case, rules: Rules, agencies: list[Any]) -> dict[str, forms.Form]:
    """Every form of the page, the one posted bound to what was posted."""

    def given(name: str) -> Any:
        return data if name == action else None

    endings = [(e.state, name_shown(e.name)) for e in rules.file.endings]
    return {
        "management": ManagementForm(given("management"), agencies=agencies),
        "input": AgencyInputForm(given("input"), agencies=agencies),
        "end": EndForm(given("end"), endings=endings),
        "attempt": ReEngagementForm(given("attempt")),
    }


def _save(action: str, form: forms.Form, *, actor: Actor, case: Case) -> str:
    """Call the service for the posted form; the message to show once it is done."""
    data = form.cleaned_data
    if action == "management":
        assert isinstance(form, ManagementForm)
        services.management_accept(
            actor=actor,
            case=case,
            agency=form.chosen_agency(),
            accepted_by=data["accepted_by"],
            accepted_on=data["accepted_on"],
            note=data.get("note", ""),
        )
        return _("Management of the case by another agency is recorded.")
    if action == "input":
        assert isinstance(form, AgencyInputForm)
        services.agency_input_record(
            actor=actor, case=case, agency=form.chosen_agency(), summary=data["summary"]
        )
        return _("The agency's input is recorded.")
    if action == "end":
        services.case_end(
            actor=actor, case=case, state=data["state"], reason=data["reason"], ended_on=data["ended_on"]
        )
        return _("The case has ended.")
    services.re_engagement_log(
        actor=actor, case=case, on=data["on"], channel=data["channel"], outcome=data["outcome"]
    )
    return _("The re-engagement attempt is logged.")


@require_http_methods(["GET", "HEAD", "POST"])
def case_ending_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    context = case_page_context(request, actor=actor, case=case, current="cases:ending")
    rules = _rules(case)
    if rules is None:
        status = 400 if request.method == "POST" else 200
        return render(request, "cases/ending.html", {**context, "no_rules": True}, status=status)
    may_change = allows(actor, Perm.CASE_CHANGE)
    agencies = list(ending_other_agencies(case=case)) if case.status == CaseStatus.OPEN else []
    action = request.POST.get("action", "") if request.method == "POST" else ""
    page_forms = _forms(request.POST, action=action, case=case, rules=rules, agencies=agencies)
    posted = page_forms.get(action)
    status = 200
    if request.method == "POST":
        status = 400
        if posted is None:
            messages.error(request, _("Choose what to record."))
        elif not may_change:
            posted.add_error(None, _("Your role does not let you change this case."))
        elif posted.is_valid():
            try:
                done = _save(action, posted, actor=actor, case=case)
            except CaseError as error:
                posted.add_error(error.field if error.field in posted.fields else None, str(error))
            else:
                messages.success(request, done)
                return redirect(reverse("cases:ending", kwargs={"case_id": case.pk}))
    page = ending_page(actor=actor, case=case, rules=rules)
    is_open = case.status == CaseStatus.OPEN
    return render(
        request,
        "cases/ending.html",
        {
            **context,
            "form": posted,
            "page": page,
            "risk": risk_label(page.closure.risk),
            "high_risk": [risk_label(level) for level in rules.file.closure.high_risk],
            "tell": list(rules.file.closure.tell),
            "police_months": rules.file.outcomes.police_months,
            "risk_at_start": risk_label(page.outcome.risk_at_start) if page.outcome else "",
            "risk_at_end": risk_label(page.outcome.risk_at_end) if page.outcome else "",
            "forms": page_forms if may_change else {},
            "is_open": is_open,
            "can_record_attempt": may_change and not is_open and page.dropped_out,
        },
        status=status,
    )


# --- the overview's parts -------------------------------------------------------------------------------


def ending_overview(actor: Actor, case: Case) -> dict[str, Any]:
    """The latest risk and whether the case may close now; or, once it has ended, how."""
    rules = _rules(case)
    if rules is None:
        return {"no_rules": True}
    if case.status != CaseStatus.OPEN:
        ended = getattr(case, "ending", None)
        return {"ended": ended, "ending_name": ending_name(rules=rules, state=ended.state) if ended else ""}
    closure = case_closure(case=case, rules=rules)
    return {
        "risk": risk_label(closure.risk),
        "blocked_by_risk": closure.blocked_by_risk,
        "accepted": closure.accepted,
    }


def alerts_overview(actor: Actor, case: Case) -> dict[str, Any]:
    rows = []
    for task in alerts_open(actor=actor, case=case):
        occurred = str(task.detail.get("occurred_on") or "")
        rows.append(
            {"task": task, "occurred_on": datetime.date.fromisoformat(occurred) if occurred else None}
        )
    return {"alerts": rows}


OVERVIEW_PARTS.append(("cases/parts/alerts.html", alerts_overview))
OVERVIEW_PARTS.append(("cases/parts/ending.html", ending_overview))
