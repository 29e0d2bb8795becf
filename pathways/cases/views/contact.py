"""The case's contact and consent page: the first-contact gate and its history, whether the partner has a
support worker, the person's consent, the contact log and the region's first-contact target."""

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
from pathways.cases.choices import CaseStatus
from pathways.cases.forms_contact import (
    ALLOW,
    VOICEMAIL_NO,
    VOICEMAIL_YES,
    ConsentForm,
    ContactDecisionForm,
    ContactForm,
    PartnerViewForm,
    SafeContactForm,
)
from pathways.cases.models import Case
from pathways.cases.selectors import contact as contact_selectors
from pathways.cases.services import contact as contact_services
from pathways.cases.services.base import CaseError
from pathways.cases.services.safe_contact import safe_contact_record
from pathways.cases.views.partner import partner_signal_rows
from pathways.cases.views.sections import OVERVIEW_PARTS, case_page_context
from pathways.core.access import Side
from pathways.core.policy import Actor, Perm, actor_for, allows, can_see_sealed
from pathways.people.sealed import (
    SealedDetailError,
    sealed_details_shown,
    sealed_reveal,
)

# Which form a POST is for, and how the service's field names read on it.
FIELDS = {
    "view": {"text": "view_text"},
    "decision": {"reason": "decision_reason"},
    "consent": {"state": "consent", "reason": "consent_reason"},
    "contact": {},
    "safe": {},
}


def _forms(request: HttpRequest, case: Case, which: str) -> dict[str, forms.Form]:
    def data(name: str) -> Any:
        return request.POST if which == name else None

    return {
        "view": PartnerViewForm(data("view"), services=contact_selectors.partner_view_services(case=case)),
        "decision": ContactDecisionForm(data("decision")),
        "consent": ConsentForm(data("consent")),
        "contact": ContactForm(data("contact")),
        "safe": SafeContactForm(data("safe")),
    }


def _save(actor: Actor, case: Case, which: str, form: forms.Form) -> str:
    data = form.cleaned_data
    if which == "view":
        assert isinstance(form, PartnerViewForm)
        contact_services.partner_view_record(
            actor=actor, case=case, service=form.chosen_service(), view=data["view"], text=data["view_text"]
        )
        return _("The support worker's view is recorded.")
    if which == "decision":
        contact_services.contact_decision_record(
            actor=actor, case=case, allowed=data["allowed"] == ALLOW, reason=data["decision_reason"]
        )
        return _("The decision on contact is recorded.")
    if which == "safe":
        latest = contact_selectors.safe_contact_latest(case=case)
        # Someone who may not see the safe word is shown an empty box: leaving it so keeps the word.
        unseen = latest is not None and latest.safe_word is not None and not can_see_sealed(actor, latest)
        safe_contact_record(
            actor=actor,
            case=case,
            safe_times=data["safe_times"],
            channels=data["channels"],
            voicemail=data["voicemail"] == VOICEMAIL_YES,
            safe_word=None if unseen and not data["safe_word"] else data["safe_word"],
            others_may_answer=data["others_may_answer"],
        )
        return _("Her safe-contact arrangements are recorded.")
    if which == "consent":
        contact_services.consent_record(
            actor=actor, case=case, state=data["consent"], reason=data["consent_reason"]
        )
        return _("The person's consent is recorded.")
    contact_services.contact_log(
        actor=actor,
        case=case,
        on=data["on"],
        time=data["time"],
        channel=data["channel"],
        direction=data["direction"],
        outcome=data["outcome"],
        note=data["note"],
    )
    return _("The contact is logged.")


def _shown(text: str, markers: list[Any]) -> str:
    """Free text as shown on the case: withheld if it holds a sealed detail sealed since it was typed."""
    return sealed_details_shown(text, markers)


def _view_required(case: Case) -> bool | None:
    try:
        return selectors.casework_rules_for_case(case=case).file.first_contact.partner_view_required
    except selectors.CaseworkNotLoaded:
        return None


@require_http_methods(["GET", "HEAD", "POST"])
def case_contact_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    which = request.POST.get("form", "") if request.method == "POST" else ""
    if request.method == "POST" and which not in FIELDS:
        which = "contact"
    all_forms = _forms(request, case, which)
    may_change = allows(actor, Perm.CASE_CHANGE) and case.status == CaseStatus.OPEN
    status = 200
    if which:
        status = 400
        form = all_forms[which]
        if may_change and form.is_valid():
            try:
                done = _save(actor, case, which, form)
            except (CaseError, SealedDetailError) as error:
                field = FIELDS[which].get(error.field or "", error.field)
                form.add_error(field if field in form.fields else None, str(error))
            else:
                messages.success(request, done)
                return redirect(reverse("cases:contact", kwargs={"case_id": case.pk}))
        elif not may_change:
            form.add_error(None, _("This case is closed."))
    if case.person.side == Side.VICTIM:
        return _her_contact_page(request, actor, case, all_forms, which, may_change, status)
    markers = selectors.case_sealed_markers(case=case)
    views = contact_selectors.partner_views(actor=actor, case=case)
    decisions = contact_selectors.contact_decisions(actor=actor, case=case)
    consents = contact_selectors.consent_records(actor=actor, case=case)
    logged = contact_selectors.contacts(actor=actor, case=case)
    latest_view = contact_selectors.partner_view_latest(case=case)
    return render(
        request,
        "cases/contact.html",
        {
            **case_page_context(request, actor=actor, case=case, current="cases:contact"),
            **{f"{name}_form": f for name, f in all_forms.items()},
            "form": all_forms[which] if which else None,
            "may_change": may_change,
            "support": contact_selectors.case_partner_support(case=case),
            "view_required": _view_required(case),
            "latest_view_blocks": contact_selectors.partner_view_blocks_contact(latest_view)
            and latest_view is not None,
            "partner_views": [(v, _shown(v.text, markers)) for v in views],
            "signals": partner_signal_rows(actor=actor, case=case),
            "decisions": [(d, _shown(d.reason, markers)) for d in decisions],
            "consents": [(c, _shown(c.reason, markers)) for c in consents],
            "contacts": [(c, _shown(c.note, markers)) for c in logged],
            "measure": contact_selectors.case_first_contact_measure(case=case, today=timezone.localdate()),
            "may_decide_safeguarding": contact_services.may_decide_safeguarding(actor=actor, case=case),
        },
        status=status,
    )


def _her_contact_page(
    request: HttpRequest,
    actor: Actor,
    case: Case,
    all_forms: dict[str, forms.Form],
    which: str,
    may_change: bool,
    status: int,
) -> HttpResponse:
    """The page on her case: her safe-contact arrangements in place of a first-contact gate."""
    arrangements = contact_selectors.safe_contacts(actor=actor, case=case)
    in_force = arrangements[0] if arrangements else None
    safe_word = (
        sealed_reveal(
            actor=actor,
            record=in_force,
            value=in_force.safe_word,
            field="safe_word",
            purpose="her safe-contact arrangements, on her case",
        )
        if in_force is not None
        else None
    )
    safe_form = all_forms["safe"]
    if in_force is not None and not safe_form.is_bound:
        safe_form.initial = {
            "safe_times": in_force.safe_times,
            "channels": in_force.channels,
            "voicemail": VOICEMAIL_YES if in_force.voicemail else VOICEMAIL_NO,
            "safe_word": safe_word or "",
            "others_may_answer": in_force.others_may_answer,
        }
    return render(
        request,
        "cases/contact_victim.html",
        {
            **case_page_context(request, actor=actor, case=case, current="cases:contact"),
            **{f"{name}_form": f for name, f in all_forms.items()},
            "form": all_forms[which] if which else None,
            "may_change": may_change,
            "in_force": in_force,
            "safe_word": safe_word,
            "earlier": arrangements[1:],
            # Her own case: nothing on it is read on his side, so nothing is withheld.
            "consents": [(c, c.reason) for c in contact_selectors.consent_records(actor=actor, case=case)],
            "contacts": [(c, c.note) for c in contact_selectors.contacts(actor=actor, case=case)],
            "measure": contact_selectors.case_first_contact_measure(case=case, today=timezone.localdate()),
            "may_decide_safeguarding": contact_services.may_decide_safeguarding(actor=actor, case=case),
        },
        status=status,
    )


def contact_overview(actor: Actor, case: Case) -> dict[str, Any]:
    """The case overview's part: the gate, the consent and the first-contact target."""
    return {
        "href": reverse("cases:contact", kwargs={"case_id": case.pk}),
        "measure": contact_selectors.case_first_contact_measure(case=case, today=timezone.localdate()),
    }


OVERVIEW_PARTS.append(("cases/contact_overview.html", contact_overview))
