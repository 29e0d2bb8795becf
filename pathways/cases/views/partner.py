"""The safety updates of a case on the side of someone being harmed: what her support worker has sent to
the services working with the man who harms her, and the form to send another. On his case, what reached
it shows on its contact page (see `partner_signal_rows`)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from pathways.cases import selectors
from pathways.cases.choices import CaseStatus
from pathways.cases.forms_partner import SafetyUpdateForm
from pathways.cases.models import Case
from pathways.cases.selectors import partner as partner_selectors
from pathways.cases.services import partner as partner_services
from pathways.cases.services.base import CaseError
from pathways.cases.views.sections import case_page_context
from pathways.core.access import Side
from pathways.core.policy import Actor, Perm, actor_for, allows
from pathways.people.sealed import sealed_details_shown


@require_http_methods(["GET", "HEAD", "POST"])
def safety_updates_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    if case.person.side != Side.VICTIM:
        # His case has no such part: what reached it shows on its contact page.
        raise Http404
    may_change = allows(actor, Perm.CASE_CHANGE) and case.status == CaseStatus.OPEN
    form = SafetyUpdateForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if not may_change:
            form.add_error(None, _("This case is closed."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                update = partner_services.safety_update_send(
                    actor=actor,
                    case=case,
                    risk_change=data["risk_change"],
                    changed_on=data["changed_on"],
                    new_incident=data["new_incident"],
                    contact_increases_risk=data["contact_increases_risk"],
                    message=data["message"],
                    message_confirmed=data["confirm"],
                )
            except CaseError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                messages.success(request, _sent(update.reached))
                return redirect(reverse("cases:safety", kwargs={"case_id": case.pk}))
    return render(
        request,
        "cases/safety.html",
        {
            **case_page_context(request, actor=actor, case=case, current="cases:safety"),
            "form": form if may_change else None,
            "updates": partner_selectors.safety_updates(actor=actor, case=case),
            "his_cases": partner_selectors.his_cases(case=case),
        },
        status=status,
    )


def _sent(reached: int) -> str:
    if not reached:
        return _(
            "The update is kept on her case. No service has an open case with him, so it reached no one."
        )
    return ngettext(
        "The update is sent to the service working with him.",
        "The update is sent to the %(count)s services working with him.",
        reached,
    ) % {"count": reached}


def partner_signal_rows(*, actor: Actor, case: Case) -> list[dict[str, Any]]:
    """What reached his case from his partners' support workers, newest first; a message that has come to
    hold a sealed detail since it was checked is withheld."""
    markers = selectors.case_sealed_markers(case=case)
    rows = []
    for signal in partner_selectors.partner_signals(actor=actor, case=case):
        message = sealed_details_shown(signal.message, markers) if signal.message else ""
        rows.append({"signal": signal, "message": message})
    return rows
