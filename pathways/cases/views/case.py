from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from pathways.cases import selectors, services
from pathways.cases.choices import FirstContactState
from pathways.cases.forms import AssignForm, CaseloadForm
from pathways.cases.selectors import contact as contact_selectors
from pathways.cases.selectors.contact import FirstContactMeasure
from pathways.cases.selectors.next import NextAction, caseload_next_actions
from pathways.cases.views.sections import case_page_context, overview_parts
from pathways.core.policy import Perm, actor_for, allows


@dataclass(frozen=True)
class CaseloadLine:
    """One caseload row, worked out before the page is drawn: a page of fifty rows is drawn in a blink
    when each cell is text, where the template language doing the sums would take most of the request."""

    url: str
    name: str
    reference: str
    service: str
    opened: str
    worker: str
    manager: str
    # The first-contact tag (empty: no target) and its colour.
    contact: str
    contact_colour: str
    next_action: str
    overdue: bool


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "j M Y")


def _first_contact_tag(measure: FirstContactMeasure | None) -> tuple[str, str]:
    if measure is None:
        return "", ""
    if measure.state == FirstContactState.MET:
        return measure.state_label, "green"
    if measure.state == FirstContactState.DUE:
        return _("Due by %(due)s") % {"due": formats.date_format(measure.due_on, "j M")}, "blue"
    if measure.state == FirstContactState.OVERDUE:
        over = measure.days_over
        return ngettext("Overdue by %(over)s day", "Overdue by %(over)s days", over) % {"over": over}, "red"
    return measure.state_label, "red"


def _next_action_text(action: NextAction | None) -> str:
    if action is None:
        return ""
    if action.due_on is None:
        return action.what
    return f"{action.what}, " + _("due %(when)s") % {"when": _day(action.due_on)}


def caseload_lines(
    *,
    rows: list[selectors.CaseRow],
    first_contact: dict[uuid.UUID, FirstContactMeasure],
    next_actions: dict[uuid.UUID, NextAction],
) -> list[CaseloadLine]:
    nobody = _("Nobody yet")
    lines = []
    for row in rows:
        case = row.case
        contact, colour = _first_contact_tag(first_contact.get(case.pk))
        action = next_actions.get(case.pk)
        lines.append(
            CaseloadLine(
                url=case.get_absolute_url(),
                name=row.name or _("Case"),
                reference=case.referral.reference if case.referral else "-",
                service=case.service.name,
                opened=_day(timezone.localdate(case.opened_at)),
                worker=str(case.worker) if case.worker else nobody,
                manager=str(case.manager) if case.manager else nobody,
                contact=contact,
                contact_colour=colour,
                next_action=_next_action_text(action),
                overdue=bool(action and action.overdue),
            )
        )
    return lines


@require_http_methods(["GET", "HEAD"])
def caseload_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    form = CaseloadForm(request.GET)
    whose = (form.cleaned_data.get("whose") if form.is_valid() else "") or "mine"
    counts = selectors.caseload_counts(actor=actor)
    rows, page = selectors.caseload(
        actor=actor, whose=whose, page=request.GET.get("page"), count=counts[whose]
    )
    cases = [row.case for row in rows]
    first_contact = contact_selectors.caseload_first_contact(
        actor=actor, cases=cases, caseload=selectors.caseload_cases(actor=actor, whose=whose)
    )
    next_actions = caseload_next_actions(actor=actor, cases=cases, today=timezone.localdate())
    return render(
        request,
        "cases/caseload.html",
        {
            "lines": caseload_lines(
                rows=rows, first_contact=first_contact["first_contact"], next_actions=next_actions
            ),
            "page": page,
            "whose": whose,
            "counts": counts,
            "first_contact_figures": first_contact["first_contact_figures"],
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
