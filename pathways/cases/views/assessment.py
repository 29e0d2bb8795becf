"""The case's assessments and risk: when the next assessment is due, starting one in the assessments app
and coming back, the assessments the case counts at each stage, other agencies' views, and the risk over
time as a chart with its table."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pathways.assessments import selectors as assessments
from pathways.assessments.forms import words
from pathways.assessments.models import AssessmentStatus, Context
from pathways.cases import selectors
from pathways.cases.choices import AgencyRisk, CaseStatus
from pathways.cases.forms_assessment import AgencyViewForm, AssessmentLinkForm
from pathways.cases.models import Case
from pathways.cases.selectors.assessment import (
    RISK_STEPS,
    CaseAssessmentRow,
    RiskPoint,
    agency_view_agencies,
    case_agency_views,
    case_assessments,
    case_reassessment_due,
    case_risk_over_time,
)
from pathways.cases.services import CaseError
from pathways.cases.services.assessment import agency_view_record, case_assessment_link
from pathways.cases.views.sections import OVERVIEW_PARTS, case_page_context
from pathways.core.policy import Actor, Perm, actor_for, allows

# The chart's colours: GOV.UK's green, orange and red for the three levels, its dark grey for "not known".
RISK_COLOURS = {"standard": "#00703c", "medium": "#f47738", "high": "#d4351c", "not_known": "#505a5f"}
STEP_HEIGHT, BAR_WIDTH, BAR_GAP, LEFT, TOP, BOTTOM = 40, 28, 14, 84, 12, 40


def _option(row: CaseAssessmentRow) -> str:
    risk = AgencyRisk(row.risk).label if row.risk in AgencyRisk.values else _("no risk level")
    return f"{date_format(row.assessment.assessed_on, 'j M Y')}, {row.instrument} ({risk})"


def risk_chart(points: list[RiskPoint]) -> dict[str, Any]:
    """The geometry of a bar chart of the points, oldest on the left: one bar a point, as high as its
    level, an agency's view drawn hollow, "not known" as a short dashed bar. Drawn on the server as SVG;
    the table beside it carries the same figures in words."""
    base = TOP + 3 * STEP_HEIGHT
    bars = []
    for n, point in enumerate(points):
        height = point.step * STEP_HEIGHT or STEP_HEIGHT // 4
        x = LEFT + BAR_GAP + n * (BAR_WIDTH + BAR_GAP)
        bars.append(
            {
                "x": x,
                "y": base - height,
                "height": height,
                "colour": RISK_COLOURS.get(point.risk, RISK_COLOURS["not_known"]),
                "hollow": point.from_agency,
                "dashed": point.step == 0,
                "label_x": x + BAR_WIDTH // 2,
                "label": date_format(point.on, "j M"),
            }
        )
    levels = [
        {"y": base - step * STEP_HEIGHT, "label": AgencyRisk(level).label}
        for level, step in RISK_STEPS.items()
    ]
    return {
        "width": LEFT + BAR_GAP + max(len(points), 1) * (BAR_WIDTH + BAR_GAP),
        "height": base + BOTTOM,
        "base": base,
        "left": LEFT,
        "bar_width": BAR_WIDTH,
        "bars": bars,
        "levels": levels,
    }


def _context(
    request: HttpRequest,
    *,
    actor: Actor,
    case: Case,
    rows: list[CaseAssessmentRow] | None = None,
    view_form: AgencyViewForm | None = None,
    link_form: AssessmentLinkForm | None = None,
) -> dict[str, Any]:
    rows = case_assessments(actor=actor, case=case) if rows is None else rows
    views = case_agency_views(actor=actor, case=case)
    points = case_risk_over_time(actor=actor, case=case, rows=rows, views=views)
    may_change = allows(actor, Perm.CASE_CHANGE) and case.status == CaseStatus.OPEN
    completed = [
        (str(r.assessment.pk), _option(r)) for r in rows if r.assessment.status == AssessmentStatus.COMPLETED
    ]
    linked = [(str(r.assessment.pk), _option(r)) for r in rows if r.link is not None]
    if may_change:
        view_form = view_form or AgencyViewForm(agencies=agency_view_agencies(case=case), assessments=linked)
        link_form = link_form or AssessmentLinkForm(assessments=completed)
    # The assessments app comes back here once the assessment is done.
    here = reverse("cases:assessments", kwargs={"case_id": case.pk})
    may_assess = allows(actor, Perm.ASSESSMENT_CHANGE) and case.status == CaseStatus.OPEN
    failed = next((f for f in (view_form, link_form) if f is not None and f.errors), None)
    return {
        **case_page_context(request, actor=actor, case=case, current="cases:assessments"),
        "form": failed,
        "rows": rows,
        "views": views,
        "points": points,
        "chart": risk_chart(points) if points else None,
        "due": case_reassessment_due(case=case, today=timezone.localdate()),
        "view_form": view_form if may_change else None,
        "link_form": link_form if may_change and completed else None,
        "start": {
            "action": reverse("assessments:start", kwargs={"person_id": case.person_id}),
            "next": here,
            "instruments": [
                (v.instrument, words(v.definition["name"])) for v in assessments.instruments_current()
            ],
            "contexts": [
                (Context.INTAKE, _("Start an intake assessment")),
                (Context.REVIEW, _("Start a review assessment")),
                (Context.CLOSURE, _("Start a closure assessment")),
            ],
        }
        if may_assess
        else None,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def case_assessments_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    if request.method != "POST":
        return render(request, "cases/assessments.html", _context(request, actor=actor, case=case))
    rows = case_assessments(actor=actor, case=case)
    linked = {str(r.assessment.pk): r for r in rows if r.link is not None}
    form = AgencyViewForm(
        request.POST,
        agencies=agency_view_agencies(case=case),
        assessments=[(pk, _option(r)) for pk, r in linked.items()],
    )
    if form.is_valid():
        agency = form.chosen_agency()
        chosen = linked.get(form.cleaned_data.get("assessment") or "")
        assessment = chosen.assessment if chosen is not None else None
        try:
            if agency is None:
                raise CaseError(_("Select the agency whose view it is."), "agency")
            agency_view_record(
                actor=actor,
                case=case,
                agency=agency,
                risk=form.cleaned_data["risk"],
                summary=form.cleaned_data["summary"],
                given_on=form.cleaned_data["given_on"],
                assessment=assessment,
            )
        except CaseError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("The agency's view is recorded."))
            return redirect("cases:assessments", case_id=case.pk)
    return render(
        request,
        "cases/assessments.html",
        _context(request, actor=actor, case=case, rows=rows, view_form=form),
        status=400,
    )


@require_POST
def case_assessment_link_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    found = case_assessments(actor=actor, case=case)
    rows = {str(r.assessment.pk): r for r in found}
    completed = [
        (pk, _option(r)) for pk, r in rows.items() if r.assessment.status == AssessmentStatus.COMPLETED
    ]
    form = AssessmentLinkForm(request.POST, assessments=completed)
    if form.is_valid():
        try:
            case_assessment_link(
                actor=actor,
                case=case,
                assessment=rows[form.cleaned_data["assessment"]].assessment,
                stage=form.cleaned_data["stage"],
            )
        except CaseError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, _("The assessment counts in the case."))
            return redirect("cases:assessments", case_id=case.pk)
    return render(
        request,
        "cases/assessments.html",
        _context(request, actor=actor, case=case, rows=found, link_form=form),
        status=400,
    )


def _overview(actor: Actor, case: Case) -> dict[str, Any]:
    level = selectors.case_risk_latest(case=case)
    return {
        "risk": AgencyRisk(level).label if level in AgencyRisk.values else level,
        "due": case_reassessment_due(case=case, today=timezone.localdate()),
    }


OVERVIEW_PARTS.append(("cases/_assessment_overview.html", _overview))
