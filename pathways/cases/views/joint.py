"""Joint case meetings: the series the agency's services take part in and when each is next due, and a
meeting's agenda, minutes and actions, each read through the reader's side's rules."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pathways.cases.choices import JointMeetingStatus
from pathways.cases.forms import ServiceChoiceMixin
from pathways.cases.models import JointItem, JointMeeting
from pathways.cases.selectors import joint as joint_selectors
from pathways.cases.services import joint as joint_services
from pathways.cases.services.base import CaseError
from pathways.core.forms import DayMonthYearField, GovukFormMixin
from pathways.core.policy import Perm, actor_for, allows
from pathways.directory.models import Service
from pathways.people.sealed import SealedDetailError


class PlanForm(GovukFormMixin, forms.Form):
    held_on = DayMonthYearField(
        label=gettext_lazy("Date of the meeting"), help_text=gettext_lazy("For example, 14 12 2026")
    )


class MinuteForm(GovukFormMixin, forms.Form):
    shared_minute = forms.CharField(
        label=gettext_lazy("Minute both services read"),
        help_text=gettext_lazy(
            "Never her address, phone number, email, where she lives or her children's school."
        ),
        max_length=joint_services.TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    support_minute = forms.CharField(
        label=gettext_lazy("Minute for the support service only"),
        help_text=gettext_lazy("Stays on her side: the service working with him never reads it."),
        max_length=joint_services.TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ActionForm(GovukFormMixin, ServiceChoiceMixin):
    text = forms.CharField(
        label=gettext_lazy("Action"),
        max_length=joint_services.ACTION_MAX,
        error_messages={"required": gettext_lazy("Say what is to be done.")},
    )
    service = forms.ChoiceField(label=gettext_lazy("For"), widget=forms.RadioSelect)
    due_on = DayMonthYearField(label=gettext_lazy("Due"), help_text=gettext_lazy("For example, 28 12 2026"))

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.services_offer(services)


@require_http_methods(["GET", "HEAD", "POST"])
def joint_meetings_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    today = timezone.localdate()
    series = joint_selectors.joint_series(actor=actor, today=today)
    may_change = allows(actor, Perm.CASE_CHANGE)
    failed: tuple[str, PlanForm] | None = None
    if request.method == "POST" and may_change:
        chosen = next((s for s in series if s.rule.slug == request.POST.get("series")), None)
        if chosen is None:
            raise Http404
        form = PlanForm(request.POST, prefix=chosen.rule.slug)
        if form.is_valid():
            try:
                meeting = joint_services.joint_meeting_plan(
                    actor=actor,
                    rule=chosen.rule,
                    region_id=chosen.perpetrator_service.region_id,
                    held_on=form.cleaned_data["held_on"],
                )
            except CaseError as error:
                form.add_error("held_on", str(error))
            else:
                messages.success(request, _("The meeting is planned, with its agenda."))
                return redirect(reverse("cases:joint_meeting", kwargs={"joint_meeting_id": meeting.pk}))
        failed = (chosen.rule.slug, form)
    rows = [
        {
            "series": s,
            "overdue": s.overdue(today),
            "form": failed[1]
            if failed is not None and failed[0] == s.rule.slug
            else PlanForm(prefix=s.rule.slug, initial={"held_on": max(s.next_due, today)}),
        }
        for s in series
    ]
    return render(
        request,
        "cases/joint_meetings.html",
        {"rows": rows, "may_change": may_change, "form": failed[1] if failed else None, "today": today},
        status=400 if failed is not None else 200,
    )


def _item(meeting: JointMeeting, request: HttpRequest, actor: Any) -> JointItem:
    try:
        item_id = uuid.UUID(str(request.POST.get("item", "")))
    except ValueError as error:
        raise Http404 from error
    row = next(
        (r for r in joint_selectors.joint_agenda(actor=actor, meeting=meeting) if r.item.pk == item_id), None
    )
    if row is None:
        raise Http404
    return row.item


@require_http_methods(["GET", "HEAD", "POST"])
def joint_meeting_view(request: HttpRequest, joint_meeting_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    meeting = joint_selectors.joint_meeting_get(actor=actor, meeting_id=joint_meeting_id)
    reader = joint_selectors.joint_reader(actor=actor, meeting=meeting)
    may_change = allows(actor, Perm.CASE_CHANGE) and (reader.his_side or reader.her_side)
    services = [meeting.perpetrator_service, meeting.support_service]
    failed: tuple[Any, str, forms.Form] | None = None
    page_error = ""
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        which = request.POST.get("form", "")
        if which in ("held", "agenda"):
            try:
                if which == "held":
                    joint_services.joint_meeting_held(actor=actor, meeting=meeting)
                    messages.success(request, _("The meeting is recorded as held."))
                else:
                    added = joint_services.joint_agenda_update(actor=actor, meeting=meeting)
                    messages.success(request, _("The agenda is up to date: %(n)s added.") % {"n": added})
            except CaseError as error:
                page_error = str(error)
            else:
                return redirect(request.path)
        else:
            item = _item(meeting, request, actor)
            form = _item_post(request, actor, item, which, services, her_side=reader.her_side)
            if form is None:
                return redirect(f"{request.path}#item-{item.pk}")
            failed = (item.pk, "action" if which == "action" else "minute", form)
    agenda = joint_selectors.joint_agenda(actor=actor, meeting=meeting)
    items = []
    for row in agenda:
        pk = row.item.pk
        minute = MinuteForm(
            prefix=f"m-{pk}",
            initial={
                # A minute withheld as shown is not put back in the box either.
                "shared_minute": row.shared_minute if row.shared_minute == row.item.shared_minute else "",
                "support_minute": row.her.support_minute if row.her else "",
            },
        )
        if not reader.her_side:
            del minute.fields["support_minute"]
        action = ActionForm(prefix=f"a-{pk}", services=services)
        if failed is not None and failed[0] == pk:
            if failed[1] == "minute":
                minute = failed[2]  # type: ignore[assignment]
            else:
                action = failed[2]  # type: ignore[assignment]
        items.append({"row": row, "minute_form": minute, "action_form": action})
    return render(
        request,
        "cases/joint_meeting.html",
        {
            "meeting": meeting,
            "reader": reader,
            "items": items,
            "may_change": may_change,
            "planned": meeting.status == JointMeetingStatus.PLANNED,
            "form": failed[2] if failed is not None else None,
            "page_error": page_error,
            "series_name": _series_name(meeting),
        },
        status=400 if failed is not None or page_error else 200,
    )


def _item_post(
    request: HttpRequest, actor: Any, item: JointItem, which: str, services: list[Service], *, her_side: bool
) -> forms.Form | None:
    """Save an item's minute or a new action: None when saved, else the form with its errors."""
    form: forms.Form
    if which == "action":
        form = ActionForm(request.POST, prefix=f"a-{item.pk}", services=services)
    else:
        form = MinuteForm(request.POST, prefix=f"m-{item.pk}")
        if not her_side:
            del form.fields["support_minute"]
    if not form.is_valid():
        return form
    data = form.cleaned_data
    try:
        if isinstance(form, ActionForm):
            joint_services.joint_action_add(
                actor=actor,
                item=item,
                text=data["text"],
                service=form.chosen_service(),
                due_on=data["due_on"],
            )
            messages.success(request, _("The action is agreed and on the Tasks of the service doing it."))
        else:
            joint_services.joint_minute_record(
                actor=actor,
                item=item,
                shared_minute=data["shared_minute"],
                support_minute=data.get("support_minute") if her_side else None,
            )
            messages.success(request, _("The minute is saved."))
    except (CaseError, SealedDetailError) as error:
        field = error.field
        form.add_error(field if field in form.fields else None, str(error))
        return form
    return None


def _series_name(meeting: JointMeeting) -> str:
    rule = joint_selectors.joint_rule_get(service=meeting.perpetrator_service, slug=meeting.slug)
    return joint_selectors.name_shown(rule.name) if rule is not None else ""
