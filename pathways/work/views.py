from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.cases.selectors import tasks as case_tasks
from pathways.cases.services import plan as plan_services
from pathways.cases.services.base import CaseError
from pathways.cases.services.tasks import case_task_done
from pathways.core.policy import Actor, Perm, actor_for, allows
from pathways.referrals import selectors as referrals
from pathways.standards import selectors as standards_selectors
from pathways.standards import services as standards_services
from pathways.work.forms import ActivityMarkForm
from pathways.work.selectors import work_for
from pathways.workforce import selectors as workforce_selectors


def home(request: HttpRequest) -> HttpResponse:
    """Your work: the first page for practitioners and managers."""
    today = timezone.localdate()
    return render(
        request, "work/home.html", {"work": work_for(actor=actor_for(request), today=today), "today": today}
    )


@require_http_methods(["GET", "HEAD", "POST"])
def tasks(request: HttpRequest) -> HttpResponse:
    """The agency's Tasks: re-assessments due, the plan activities it does on cases, and the tasks cases
    have sent it, each marked from here."""
    actor = actor_for(request)
    failed: forms.Form | None = None
    key: Any = None
    if request.method == "POST":
        failed, key = _mark(request, actor)
        if failed is None:
            return redirect("work:tasks")
    today = timezone.localdate()
    activities, activity_count = case_tasks.agency_activities(actor=actor, today=today)
    tasks, task_count = case_tasks.agency_tasks(actor=actor, today=today)
    context = {
        "reassessments": referrals.reassessments_due(actor=actor, today=today)
        if allows(actor, Perm.ASSESSMENT_CHANGE)
        else None,
        "panel_actions": allows(actor, Perm.PANEL_CASE_VIEW),
        "activities": [
            {
                "row": row,
                "form": failed
                if key == row.activity.pk
                else ActivityMarkForm(prefix=str(row.activity.pk), initial={"status": _next(row)}),
            }
            for row in activities
        ],
        "activity_count": activity_count,
        "markers": case_tasks.agency_activity_markers(rows=activities),
        "tasks": tasks,
        "task_count": task_count,
        "refreshers": workforce_selectors.refreshers_due(actor=actor, today=today),
        "standards_tasks": [
            (task, standards_selectors.task_item_question(task=task))
            for task in standards_selectors.agency_standards_tasks(actor=actor)
        ],
        "may_mark": allows(actor, Perm.TASK_CHANGE),
        # A review's tasks are done by those who review the service, its managers.
        "may_mark_standards": allows(actor, Perm.TASK_CHANGE) and allows(actor, Perm.STANDARDS_REVIEW),
        "agency": actor.agency,
        "form": failed,
        "today": today,
    }
    return render(request, "work/tasks.html", context, status=200 if failed is None else 400)


def _next(row: case_tasks.AgencyActivity) -> str:
    return "done" if row.activity.status == "in_progress" else "in_progress"


def _mark(request: HttpRequest, actor: Actor) -> tuple[forms.Form | None, Any]:
    """Marks what was posted; (None, None) when done, else the form to show again with its errors. A task
    or activity that is not the agency's is not found (404), as one that does not exist."""
    post = request.POST
    if "standards_task" in post:
        done = standards_selectors.agency_standards_task_get(actor=actor, task_id=post.get("standards_task"))
        try:
            standards_services.standards_task_done(actor=actor, task=done)
        except standards_services.StandardsError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Task marked as done."))
        return None, None
    if "task" in post:
        task = case_tasks.agency_task_get(actor=actor, task_id=post.get("task"))
        try:
            case_task_done(actor=actor, task=task)
        except CaseError as error:  # someone there marked it a moment before
            messages.error(request, str(error))
        else:
            messages.success(request, _("Task marked as done."))
        return None, None
    activity = case_tasks.agency_activity_get(actor=actor, activity_id=post.get("activity"))
    form = ActivityMarkForm(post, prefix=str(activity.pk))
    if form.is_valid():
        try:
            plan_services.activity_update(actor=actor, activity=activity, status=form.cleaned_data["status"])
        except CaseError as error:
            form.add_error("status" if error.field in (None, "status") else None, str(error))
        else:
            messages.success(request, _("Activity updated."))
            return None, None
    return form, activity.pk
