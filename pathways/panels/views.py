"""Panel pages: panels, meetings, attendance, agenda, decisions, actions and minutes.

Every record is looked up through the access policy with the path to the panel's member agencies, so an
agency without a seat gets 404, exactly as for a record that does not exist. The rules are in services.py
and selectors.py; a broken rule comes back as PanelError and is shown to the user with nothing changed.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pathways.core.policy import Actor, Perm, actor_for, allows, visible_to
from pathways.panels import protected, selectors, services
from pathways.panels.choices import ActionStatus, MeetingStatus, PanelKind
from pathways.panels.forms import (
    ActionForm,
    ActionStatusForm,
    AttendanceForm,
    DecisionForm,
    MeetingForm,
    NominationForm,
)
from pathways.panels.models import (
    Action,
    AgendaItem,
    Decision,
    Meeting,
    Panel,
)
from pathways.panels.papers import papers_get
from pathways.panels.services import base as panels_base
from pathways.people import selectors as people

MINUTES_LANGUAGES = {"en": "English", "cy": "Cymraeg"}


# --- looking records up -----------------------------------------------------------------------------


def _panel(actor: Actor, panel_id: uuid.UUID) -> Panel:
    return selectors.panel_get(actor=actor, panel_id=panel_id)


def _meeting(actor: Actor, meeting_id: uuid.UUID) -> Meeting:
    return selectors.meeting_get(actor=actor, meeting_id=meeting_id)


def _item(actor: Actor, item_id: uuid.UUID) -> AgendaItem:
    return selectors.agenda_item_get(actor=actor, item_id=item_id)


def _action(actor: Actor, action_id: uuid.UUID) -> Action:
    return selectors.action_get(actor=actor, action_id=action_id)


def _posted(request: HttpRequest) -> QueryDict | None:
    """The submitted form, even an empty one (which must show its errors, not a fresh form)."""
    return request.POST if request.method == "POST" else None


# --- panels -----------------------------------------------------------------------------------------


def panel_list(request: HttpRequest) -> HttpResponse:
    """The panels the actor's agency has a seat on, each with its next meeting."""
    actor = actor_for(request)
    panels = list(selectors.panels_for(actor=actor).select_related("region").order_by("kind", "name_en"))
    today = datetime.date.today()
    upcoming = selectors.meetings_next(panels=panels, today=today)
    rows = [{"panel": p, "next": upcoming.get(p.pk)} for p in panels]
    return render(request, "panels/list.html", {"rows": rows})


def panel_detail(request: HttpRequest, panel_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    panel = _panel(actor, panel_id)
    waiting = selectors.nominations_waiting(actor=actor, panel=panel)
    return render(
        request,
        "panels/panel_detail.html",
        {
            "panel": panel,
            "areas": list(panel.areas.all()),
            "members": selectors.panel_members(panel=panel),
            "meetings": list(panel.meetings.order_by("-held_on")[:24]),
            "nominations": list(waiting),
            "can_change": allows(actor, Perm.PANEL_CASE_CHANGE),
            "can_contribute": allows(actor, Perm.PANEL_CONTRIBUTE),
            "can_see_returns": allows(actor, Perm.PANEL_RETURN_VIEW) and panel.kind == PanelKind.MARAC,
            "has_rfg": panel.kind == PanelKind.MATAC,
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest, panel_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    panel = _panel(actor, panel_id)
    form = MeetingForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(
                panel=panel, held_on=form.cleaned_data["held_on"], actor=actor
            )
        except services.PanelError as error:
            form.add_error("held_on", error.message)
        else:
            messages.success(
                request, _("Meeting scheduled for %(date)s.") % {"date": _long_date(meeting.held_on)}
            )
            return redirect("panels:meeting_detail", meeting_id=meeting.pk)
    return render(request, "panels/meeting_new.html", {"panel": panel, "form": form})


@require_http_methods(["GET", "POST"])
def nominate(request: HttpRequest, panel_id: uuid.UUID) -> HttpResponse:
    """A partner agency refers someone it works with in for the panel's next agenda."""
    actor = actor_for(request)
    panel = _panel(actor, panel_id)
    # Only people in the role the panel discusses: a victim is never offered for a perpetrator panel.
    candidates = (
        people.people_for(actor=actor)
        .filter(side=PanelKind.side_discussed(panel.kind))
        .order_by("family_name", "given_name")
    )
    form = NominationForm(_posted(request), people=candidates)
    if request.method == "POST" and form.is_valid():
        assert actor.agency is not None  # the policy lets no one without an agency this far
        try:
            services.nomination_create(
                panel=panel,
                person=form.cleaned_data["person"],
                agency=actor.agency,
                reason=form.cleaned_data["reason"],
                actor=actor,
            )
        except services.PanelError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Referred in for the panel's next meeting."))
            return redirect("panels:panel_detail", panel_id=panel.pk)
    return render(request, "panels/nominate.html", {"panel": panel, "form": form})


# --- meetings ---------------------------------------------------------------------------------------


def _meeting_page(
    request: HttpRequest, actor: Actor, meeting: Meeting, errors: list[str] | None = None
) -> HttpResponse:
    items = list(
        selectors.agenda_items_for(actor=actor, meeting=meeting)
        .select_related("person", "decision", "rfg_score", "referring_agency")
        .order_by("position")
    )
    can_change = allows(actor, Perm.PANEL_CASE_CHANGE)
    return render(
        request,
        "panels/meeting_detail.html",
        {
            "meeting": meeting,
            "panel": meeting.panel,
            "items": items,
            "quorum": selectors.meeting_quorum(meeting=meeting),
            "attendance_recorded": meeting.attendance.exists(),
            "has_started": meeting.held_on <= panels_base.today(),
            "decided": sum(1 for i in items if _decision(i) is not None),
            "is_open": meeting.status != MeetingStatus.CLOSED,
            "can_change": can_change,
            "errors": errors or [],
        },
    )


def _decision(item: AgendaItem) -> Decision | None:
    """The item's decision, or None (the reverse one-to-one raises an AttributeError when there is none)."""
    return getattr(item, "decision", None)


def meeting_detail(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    return _meeting_page(request, actor, _meeting(actor, meeting_id))


@require_POST
def agenda_build(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    meeting = _meeting(actor, meeting_id)
    try:
        items = services.agenda_build(meeting=meeting, actor=actor)
    except services.PanelError as error:
        return _meeting_page(request, actor, meeting, [error.message])
    messages.success(request, _("Agenda built: %(count)s items.") % {"count": len(items)})
    return redirect("panels:meeting_detail", meeting_id=meeting.pk)


@require_http_methods(["GET", "POST"])
def attendance(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    meeting = _meeting(actor, meeting_id)
    form = AttendanceForm(
        _posted(request),
        members=selectors.panel_members(panel=meeting.panel),
        recorded=meeting.attendance.all(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_attendance_record(meeting=meeting, attendance=form.attendance(), actor=actor)
        except services.PanelError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            quorum = selectors.meeting_quorum(meeting=meeting)
            if quorum.quorate:
                messages.success(request, _("Attendance recorded. The meeting is quorate."))
            else:
                messages.warning(
                    request,
                    _("Attendance recorded. The meeting is not quorate: %(needed)s agencies are needed.")
                    % {"needed": quorum.needed},
                )
            return redirect("panels:meeting_detail", meeting_id=meeting.pk)
    return render(
        request, "panels/attendance.html", {"meeting": meeting, "panel": meeting.panel, "form": form}
    )


@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """Issue the minutes, after a page that says what cannot change afterwards."""
    actor = actor_for(request)
    meeting = _meeting(actor, meeting_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.meeting_close(meeting=meeting, actor=actor)
        except services.PanelError as error:
            errors.append(error.message)
        else:
            messages.success(request, _("Minutes issued. Only the panel's members can read them."))
            return redirect("panels:minutes", meeting_id=meeting.pk)
    items = list(meeting.items.select_related("decision"))
    return render(
        request,
        "panels/close.html",
        {
            "meeting": meeting,
            "panel": meeting.panel,
            "items": len(items),
            "undecided": sum(1 for i in items if _decision(i) is None),
            "quorum": selectors.meeting_quorum(meeting=meeting),
            "errors": errors,
        },
    )


def minutes(request: HttpRequest, meeting_id: uuid.UUID) -> HttpResponse:
    """The minutes in English or Welsh (`?lang=cy`), generated from the record; members only."""
    actor = actor_for(request)
    meeting = _meeting(actor, meeting_id)
    asked = request.GET.get("lang", "")
    language = asked if asked in MINUTES_LANGUAGES else (get_language() or "en")[:2]
    if language not in MINUTES_LANGUAGES:
        language = "en"
    # render_minutes renders a template with autoescaping, so its HTML is safe to place in the page.
    document = mark_safe(services.minutes_render(meeting=meeting, language=language, reader=actor))  # noqa: S308
    return render(
        request,
        "panels/minutes.html",
        {
            "meeting": meeting,
            "panel": meeting.panel,
            "document": document,
            "language": language,
            "languages": list(MINUTES_LANGUAGES.items()),
            "draft": meeting.status != MeetingStatus.CLOSED,
        },
    )


# --- agenda items -----------------------------------------------------------------------------------


def item_detail(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    item = _item(actor, item_id)
    meeting = item.meeting
    # The person's own record (and so their assessments) opens only for agencies working with them.
    person_visible = (
        item.person_id is not None and people.people_for(actor=actor).filter(pk=item.person_id).exists()
    )
    decision = _decision(item)
    actions = list(item.actions.select_related("agency", "owner").order_by("due_on"))
    overdue = set(
        selectors.actions_overdue(today=datetime.date.today())
        .filter(pk__in=[a.pk for a in actions])
        .values_list("pk", flat=True)
    )
    context: dict[str, Any] = {
        "item": item,
        "meeting": meeting,
        "panel": meeting.panel,
        "other_reasons": item.reason_labels()[1:],
        "decision": decision,
        "decided_by": [a.name for a in decision.decided_by.all()] if decision is not None else [],
        "actions": actions,
        "overdue": overdue,
        "person_link": person_visible,
        "assessment_link": person_visible and allows(actor, Perm.ASSESSMENT_VIEW),
        "is_open": meeting.status != MeetingStatus.CLOSED,
        "can_change": allows(actor, Perm.PANEL_CASE_CHANGE),
        "can_contribute": allows(actor, Perm.PANEL_CONTRIBUTE),
        "papers": papers_get(item=item, actor=actor),
        "markers": protected.protected_markers(item=item),
    }
    return render(request, "panels/item_detail.html", context)


@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    item = _item(actor, item_id)
    earlier = _decision(item)
    initial = (
        {
            "outcome": earlier.outcome,
            "reasons": earlier.reasons,
            "review_on": earlier.review_on,
            "screening": earlier.screening_id,
        }
        if earlier is not None
        else {}
    )
    form = DecisionForm(
        _posted(request),
        initial=initial,
        screenings=selectors.item_screening_rounds(item=item),
        outcomes=item.meeting.panel.outcome_choices(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.decision_record(
                item=item,
                outcome=data["outcome"],
                reasons=data["reasons"],
                review_on=data.get("review_on"),
                screening=data.get("screening"),
                actor=actor,
            )
        except services.PanelError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The panel's decision is recorded."))
            return redirect("panels:item_detail", item_id=item.pk)
    return render(
        request,
        "panels/decide.html",
        {"item": item, "meeting": item.meeting, "panel": item.meeting.panel, "form": form},
    )


@require_http_methods(["GET", "POST"])
def action_new(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    item = _item(actor, item_id)
    agencies = selectors.panel_member_agencies(panel=item.meeting.panel)
    owners = selectors.action_owners(agencies=agencies)
    form = ActionForm(_posted(request), agencies=agencies, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_create(
                item=item,
                description=data["description"],
                agency=data["agency"],
                owner=data.get("owner"),
                due_on=data["due_on"],
                actor=actor,
            )
        except services.PanelError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Action added."))
            return redirect("panels:item_detail", item_id=item.pk)
    return render(
        request,
        "panels/action_new.html",
        {"item": item, "meeting": item.meeting, "panel": item.meeting.panel, "form": form},
    )


# --- actions ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def action_update(request: HttpRequest, action_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    action = _action(actor, action_id)
    form = ActionStatusForm(_posted(request), initial={"status": action.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.action_update(action=action, status=form.cleaned_data["status"], actor=actor)
        except services.PanelError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Action updated."))
            if actor.agency is not None and action.agency_id == actor.agency.pk:
                return redirect("panels:actions")
            return redirect("panels:item_detail", item_id=action.item_id)
    overdue = selectors.actions_overdue(today=datetime.date.today()).filter(pk=action.pk).exists()
    case_visible = bool(selectors.visible_item_ids(actor=actor, item_ids={action.item_id}))
    return render(
        request,
        "panels/action_update.html",
        {
            "action": action,
            "item": action.item,
            "form": form,
            "overdue": overdue,
            "case_visible": case_visible,
            "markers": protected.protected_markers(item=action.item),
        },
    )


def actions(request: HttpRequest) -> HttpResponse:
    """The agency's task list from panels: its open actions, overdue ones first and marked."""
    actor = actor_for(request)
    assert actor.agency is not None  # the policy lets no one without an agency this far
    today = datetime.date.today()
    own = visible_to(actor, selectors.actions_for_agency(agency=actor.agency), Perm.PANEL_CONTRIBUTE).filter(
        status=ActionStatus.OPEN
    )
    rows = list(own.select_related("item__meeting__panel", "item__person", "owner"))
    cases = selectors.visible_item_ids(actor=actor, item_ids={a.item_id for a in rows})
    overdue = set(
        selectors.actions_overdue(today=today, agency=actor.agency)
        .filter(pk__in=[a.pk for a in rows])
        .values_list("pk", flat=True)
    )
    rows.sort(key=lambda a: (a.pk not in overdue, a.due_on))
    return render(
        request,
        "panels/actions.html",
        {
            "rows": [
                {"action": a, "overdue": a.pk in overdue, "case_visible": a.item_id in cases} for a in rows
            ],
            "overdue": len(overdue),
            "markers": protected.protected_markers_by_item(items=[a.item for a in rows]),
            "agency": actor.agency,
            "may_update": allows(actor, Perm.PANEL_CONTRIBUTE),
            "can_see_due": allows(actor, Perm.ASSESSMENT_CHANGE),
        },
    )


def _long_date(day: datetime.date) -> str:
    return date_format(day, "j F Y")
