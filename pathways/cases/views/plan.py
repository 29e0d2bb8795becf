"""The case's plan page: its goals and its activities by kind, with the forms that add to them and mark
their progress; and the plan's part of the case's overview."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.cases import selectors
from pathways.cases.choices import ActivityStatus, CaseStatus
from pathways.cases.forms_plan import ActivityForm, ActivityStatusForm, GoalForm, GoalStatusForm
from pathways.cases.models import Case
from pathways.cases.selectors import plan as plan_selectors
from pathways.cases.services import plan as plan_services
from pathways.cases.services.base import CaseError
from pathways.cases.views.sections import OVERVIEW_PARTS, case_page_context
from pathways.core.policy import Actor, Perm, actor_for, allows

FORMS = ("goal", "activity", "activity_status", "goal_status")


def _plan_path(case: Case) -> str:
    return reverse("cases:plan", kwargs={"case_id": case.pk})


@require_http_methods(["GET", "HEAD", "POST"])
def plan_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    today = timezone.localdate()
    plan = plan_selectors.plan_for(actor=actor, case=case, today=today)
    may_change = allows(actor, Perm.CASE_CHANGE) and case.status == CaseStatus.OPEN
    posted = request.POST if request.method == "POST" else None
    which = posted.get("form", "") if posted is not None else ""
    goal_form = GoalForm(posted if which == "goal" else None)
    activity_form = ActivityForm(
        posted if which == "activity" else None,
        catalogue=plan_selectors.activity_catalogue(case=case),
        owners=plan_selectors.activity_owner_groups(case=case),
        goals=plan.goals,
        goal_markers=plan.goal_markers,
    )
    failed: forms.Form | None = None
    failed_key: Any = None
    if posted is not None:
        failed, failed_key = _posted(request, actor, case, which, goal_form, activity_form)
        if failed is None:
            return redirect(_plan_path(case))
    context = {
        **case_page_context(request, actor=actor, case=case, current="cases:plan"),
        "plan": plan,
        "groups": _groups(plan, failed, failed_key, may_change),
        "goals": _goals(plan, failed, failed_key, may_change),
        "may_change": may_change,
        "goal_form": goal_form,
        "activity_form": activity_form,
        "form": failed,
        "today": today,
    }
    return render(request, "cases/plan.html", context, status=200 if failed is None else 400)


def _posted(
    request: HttpRequest,
    actor: Actor,
    case: Case,
    which: str,
    goal_form: GoalForm,
    activity_form: ActivityForm,
) -> tuple[forms.Form | None, Any]:
    """Makes the change posted; on success (None, None), else the form to show again with its errors."""
    post = request.POST
    form: forms.Form
    key: Any = None
    if which == "activity_status":
        activity = plan_selectors.plan_activity_get(actor=actor, case=case, activity_id=post.get("activity"))
        key = activity.pk
        form = ActivityStatusForm(post, prefix=str(activity.pk))
    elif which == "goal_status":
        goal = plan_selectors.plan_goal_get(actor=actor, case=case, goal_id=post.get("goal_id"))
        key = goal.pk
        form = GoalStatusForm(post, prefix=str(goal.pk))
    elif which == "activity":
        form = activity_form
    else:
        form = goal_form
        if which != "goal":
            # Nothing the page offers was posted: say so rather than change anything.
            form = GoalForm(post)
            form.is_valid()
            form.add_error(None, _("Choose what to change on the plan."))
            return form, key
    if case.status != CaseStatus.OPEN and which != "activity_status":
        form.is_valid()
        form.add_error(None, _("This case is closed: its plan can no longer be changed."))
        return form, key
    if not form.is_valid():
        return form, key
    data = form.cleaned_data
    try:
        if which == "goal":
            plan_services.goal_add(actor=actor, case=case, description=data["description"])
            done = _("Goal added.")
        elif which == "activity":
            assert isinstance(form, ActivityForm)
            plan_services.activity_add(
                actor=actor,
                case=case,
                activity=data["activity"],
                owner=form.chosen_owner(),
                due_on=data["due_on"],
                goal=form.chosen_goal(),
                detail=data["detail"],
            )
            done = _("Activity added.")
        elif which == "activity_status":
            plan_services.activity_update(actor=actor, activity=activity, status=data["status"])
            done = _("Activity updated.")
        else:
            plan_services.goal_update(actor=actor, goal=goal, status=data["status"])
            done = _("Goal updated.")
    except CaseError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))
        return form, key
    messages.success(request, done)
    return None, None


def _groups(
    plan: plan_selectors.Plan, failed: forms.Form | None, key: Any, may_change: bool
) -> list[dict[str, Any]]:
    """Each kind's rows, each with the form that changes its status where the reader may."""
    groups = []
    for group in plan.groups:
        rows = []
        for row in group.rows:
            a = row.activity
            form = None
            if may_change and a.status != ActivityStatus.ENDED_WITH_CASE:
                form = (
                    failed
                    if key == a.pk
                    else ActivityStatusForm(initial={"status": a.status}, prefix=str(a.pk))
                )
            rows.append({"row": row, "form": form})
        groups.append({"kind": group.kind, "label": group.label, "rows": rows})
    return groups


def _goals(
    plan: plan_selectors.Plan, failed: forms.Form | None, key: Any, may_change: bool
) -> list[dict[str, Any]]:
    return [
        {
            "goal": g,
            "form": (
                failed if key == g.pk else GoalStatusForm(initial={"status": g.status}, prefix=str(g.pk))
            )
            if may_change
            else None,
        }
        for g in plan.goals
    ]


def plan_overview(actor: Actor, case: Case) -> dict[str, Any]:
    """The plan's part of the case's overview: open activities per kind and the one due next."""
    return {
        "summary": plan_selectors.plan_summary(actor=actor, case=case, today=timezone.localdate()),
        "href": _plan_path(case),
    }


OVERVIEW_PARTS.append(("cases/_plan_overview.html", plan_overview))
