"""The sessions pages: a case's progress through its programme, its sessions and follow-ups; a service's
groups, each with its roster, facilitators and sessions."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.cases import selectors
from pathways.cases.choices import CaseStatus, SessionStatus
from pathways.cases.forms_sessions import (
    FacilitatorsForm,
    FollowUpForm,
    GroupForm,
    GroupSessionForm,
    RosterAddForm,
    SessionForm,
)
from pathways.cases.models import Group
from pathways.cases.selectors import sessions as reads
from pathways.cases.services import sessions as writes
from pathways.cases.services.base import CaseError
from pathways.cases.views.sections import case_page_context
from pathways.core.policy import Actor, Perm, actor_for, allows


class _Problem(forms.Form):
    # The error summary links a form's own errors to its first field: here, the session form's first.
    step = forms.CharField(required=False)


def _problem(message: str) -> forms.Form:
    """A form holding only a refusal, for the page's error summary when what was posted is no form's."""
    form = _Problem(data={})
    form.full_clean()
    form.add_error(None, message)
    return form


def _refused(form: forms.Form, error: CaseError) -> None:
    """The service's refusal on the field it names, or on the form when the form has no such field."""
    form.add_error(error.field if error.field in form.fields else None, str(error))


@require_http_methods(["GET", "HEAD", "POST"])
def case_sessions_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    may_change = allows(actor, Perm.CASE_CHANGE)
    programme = reads.case_programme(case=case)
    follow_ups = reads.case_follow_ups(case=case)
    posted = request.POST if request.method == "POST" else None
    which = posted.get("form") if posted is not None else None
    session_form = SessionForm(
        posted if which == "session" else None,
        steps=reads.programme_steps(programme=programme, format="one_to_one"),
    )
    follow_up_form = FollowUpForm(posted if which == "follow_up" else None, due=follow_ups.due)
    status = 200
    problem = None
    if posted is not None:
        status = 400
        if may_change and which == "session" and session_form.is_valid():
            data = session_form.cleaned_data
            attendance = {}
            if data["status"] == SessionStatus.HELD:
                attendance = {case.pk: writes.Attended(data["attendance"], data.get("reason") or "")}
            try:
                writes.session_record(
                    actor=actor,
                    case=case,
                    step=session_form.chosen_step,
                    held_on=data["held_on"],
                    starts_at=data.get("starts_at"),
                    status=data["status"],
                    attendance=attendance,
                )
            except CaseError as error:
                _refused(session_form, error)
            else:
                messages.success(request, _("The session is recorded."))
                return redirect("cases:sessions", case_id=case.pk)
        elif may_change and which == "follow_up" and follow_up_form.is_valid():
            data = follow_up_form.cleaned_data
            task = next((d.task for d in follow_ups.due if str(d.task.pk) == data["task"]), None)
            try:
                if task is None:
                    raise CaseError(_("Choose a follow-up that is due on this case."), "task")
                writes.follow_up_record(
                    actor=actor,
                    case=case,
                    task=task,
                    done_on=data["done_on"],
                    with_whom=data["with_whom"],
                    learned=data["learned"],
                    detail=data.get("detail") or "",
                )
            except CaseError as error:
                _refused(follow_up_form, error)
            else:
                messages.success(request, _("The follow-up is recorded."))
                return redirect("cases:sessions", case_id=case.pk)
        elif which not in ("session", "follow_up"):
            problem = _problem(_("Choose what to record."))
    progress = reads.case_programme_progress(case=case)
    shown_follow_ups = reads.case_follow_ups(case=case) if status == 200 else follow_ups
    reads.sealed_withhold(
        rows=[
            *((case.pk, s.attendance, "reason") for s in progress.steps),
            *((case.pk, row.attendance, "reason") for row in progress.ad_hoc),
            *((case.pk, row.follow_up, "detail") for row in shown_follow_ups.done),
        ]
    )
    return render(
        request,
        "cases/sessions.html",
        {
            **case_page_context(request, actor=actor, case=case, current="cases:sessions"),
            "progress": progress,
            "follow_ups": shown_follow_ups,
            "session_form": session_form
            if may_change and (case.status == CaseStatus.OPEN or session_form.errors)
            else None,
            "follow_up_form": follow_up_form
            if may_change and (follow_ups.due or follow_up_form.errors)
            else None,
            # The case header's error summary: the form that was posted.
            "form": problem or (follow_up_form if which == "follow_up" else session_form),
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def groups_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    may_change = allows(actor, Perm.CASE_CHANGE)
    services = reads.group_services(actor=actor)
    form = GroupForm(request.POST if request.method == "POST" else None, services=services)
    status = 200
    if request.method == "POST":
        status = 400
        if may_change and services and form.is_valid():
            service = form.chosen_service()
            staff = reads.service_staff(service=service)
            try:
                group = writes.group_create(
                    actor=actor,
                    service=service,
                    name=form.cleaned_data["name"],
                    starts_on=form.cleaned_data["starts_on"],
                    facilitators=[actor.user] if actor.user in staff else [],
                )
            except CaseError as error:
                _refused(form, error)
            else:
                messages.success(request, _("The group is set up. Add the cases on its roster."))
                return redirect("cases:group_detail", group_id=group.pk)
    return render(
        request,
        "cases/groups.html",
        {"groups": list(reads.groups_for(actor=actor)), "form": form if may_change and services else None},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def group_detail_view(request: HttpRequest, group_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    group = reads.group_get(actor=actor, group_id=group_id)
    may_change = allows(actor, Perm.CASE_CHANGE) and group.is_active
    roster = reads.group_roster(actor=actor, group=group)
    staff = reads.service_staff(service=group.service)
    programme = reads.group_programme(group=group)
    posted = request.POST if request.method == "POST" else None
    action = posted.get("action") if posted is not None else None
    attending = [r for r in roster if r.case.status == CaseStatus.OPEN]
    add_form = RosterAddForm(
        posted if action == "add" else None, cases=reads.group_cases_to_add(actor=actor, group=group)
    )
    facilitators_form = FacilitatorsForm(
        posted if action == "facilitators" else None,
        staff=staff,
        initial={"facilitators": [str(u.pk) for u in group.facilitators.all()]},
    )
    session_form = GroupSessionForm(
        posted if action == "session" else None,
        steps=reads.programme_steps(programme=programme, format="group"),
        members=attending,
        staff=staff,
        initial={"facilitators": [str(u.pk) for u in group.facilitators.all()]},
    )
    status = 200
    problem = None
    if posted is not None:
        status = 400
        done, refusal = _group_post(
            request, actor, group, action, roster, add_form, facilitators_form, session_form
        )
        if done:
            return redirect("cases:group_detail", group_id=group.pk)
        problem = _problem(refusal) if refusal else None
    sessions = reads.group_sessions(actor=actor, group=group, labels={r.case.pk: r.label for r in roster})
    reads.sealed_withhold(rows=[(a.case_id, a, "reason") for row in sessions for _label, a in row.attendance])
    return render(
        request,
        "cases/group_detail.html",
        {
            "group": group,
            "roster": roster,
            "sessions": sessions,
            "may_change": may_change,
            "add_form": add_form if may_change else None,
            "facilitators_form": facilitators_form if may_change else None,
            "session_form": session_form if may_change and attending else None,
            "form": problem
            or {"add": add_form, "facilitators": facilitators_form}.get(action or "", session_form),
            "programme_name": selectors.name_shown(programme.name) if programme else "",
        },
        status=status,
    )


def _group_post(
    request: HttpRequest,
    actor: Actor,
    group: Group,
    action: str | None,
    roster: list[reads.RosterRow],
    add_form: RosterAddForm,
    facilitators_form: FacilitatorsForm,
    session_form: GroupSessionForm,
) -> tuple[bool, str | None]:
    """Carry out what the group page posted: whether it was done, and a refusal that is no form's."""
    if not allows(actor, Perm.CASE_CHANGE):
        return False, None
    if not group.is_active:
        return False, _("This group has ended.")
    try:
        if action == "add":
            if not add_form.is_valid():
                return False, None
            writes.group_roster_add(
                actor=actor, group=group, case=add_form.cases[add_form.cleaned_data["case"]]
            )
            messages.success(request, _("The case is on the roster."))
        elif action == "remove":
            case = next((r.case for r in roster if str(r.case.pk) == request.POST.get("case")), None)
            if case is None:
                return False, _("This case is not on the group's roster.")
            writes.group_roster_remove(actor=actor, group=group, case=case)
            messages.success(request, _("The case is off the roster."))
        elif action == "end":
            writes.group_end(actor=actor, group=group)
            messages.success(request, _("The group has ended. Its roster and sessions stay on the record."))
        elif action == "facilitators":
            if not facilitators_form.is_valid():
                return False, None
            writes.group_facilitators_set(actor=actor, group=group, facilitators=facilitators_form.chosen())
            messages.success(request, _("The facilitators are saved."))
        elif action == "session":
            if not session_form.is_valid():
                return False, None
            data = session_form.cleaned_data
            held = data["status"] == SessionStatus.HELD
            writes.session_record(
                actor=actor,
                group=group,
                step=session_form.chosen_step,
                held_on=data["held_on"],
                starts_at=data.get("starts_at"),
                status=data["status"],
                attendance={
                    case_id: writes.Attended(state, reason)
                    for case_id, (state, reason) in session_form.attendance().items()
                }
                if held
                else {},
                facilitators=session_form.chosen_facilitators(),
            )
            messages.success(request, _("The session is recorded."))
        else:
            return False, _("Choose what to record.")
    except CaseError as error:
        form = {"add": add_form, "facilitators": facilitators_form}.get(action or "", session_form)
        _refused(form, error)
        return False, None
    return True, None
