"""Pages for information at the table (an item's papers and what each agency shares) and the MARAC return."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from pathways.accounts.models import Agency
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.forms import GovukFormMixin
from pathways.core.policy import Perm, actor_for, may_see_exact_return_figures
from pathways.panels import returns, selectors
from pathways.panels.choices import LawfulBasis, MeetingStatus
from pathways.panels.models import AgendaItem
from pathways.panels.papers import GUIDING_QUESTION, papers_get
from pathways.panels.services import disclosures
from pathways.people.forms import RevealForm

QUARTERS_OFFERED = 8


class DisclosureForm(GovukFormMixin, forms.Form):
    agency = forms.ChoiceField(label=gettext_lazy("Shared by"))
    information = forms.CharField(
        label=gettext_lazy("What your agency shares"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "Only what is relevant and proportionate to the risk. Never a victim's or partner's address, "
            "postcode, phone number or email: those are sealed and shown only to those who need them."
        ),
    )
    lawful_basis = forms.ChoiceField(
        label=gettext_lazy("Lawful basis for sharing"),
        choices=LawfulBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose the lawful basis the information is shared on.")},
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(a.pk), a.name) for a in agencies]
        self.only = str(agencies[0].pk) if len(agencies) == 1 else ""
        if self.only:
            # Sharing for one's own agency: nothing to choose.
            field.initial = self.only
            field.required = False
            field.widget = forms.HiddenInput()

    def clean_agency(self) -> str:
        return str(self.cleaned_data.get("agency") or self.only)


def _item(request: HttpRequest, item_id: uuid.UUID) -> AgendaItem:
    return selectors.agenda_item_get(actor=actor_for(request), item_id=item_id, perm=Perm.PANEL_CONTRIBUTE)


@require_http_methods(["GET", "POST"])
def disclose(request: HttpRequest, item_id: uuid.UUID) -> HttpResponse:
    """An item's papers as the actor's agency sees them, and the form to record what it shares.

    Two forms post here: the disclosure, and (on a MARAC, for roles with a stated need) the purpose given
    to see the victim's contact details, which are then in this one response only."""
    actor = actor_for(request)
    item = _item(request, item_id)
    agencies = disclosures.disclosure_agencies(item=item, actor=actor)
    revealing = request.method == "POST" and "reveal-purpose" in request.POST
    reveal_form = RevealForm(request.POST if revealing else None, prefix="reveal")
    posted = request.POST if request.method == "POST" and not revealing else None
    form = DisclosureForm(posted, agencies=agencies)
    if posted is not None and form.is_valid():
        chosen = next(a for a in agencies if str(a.pk) == form.cleaned_data["agency"])
        try:
            disclosures.disclosure_record(
                item=item,
                agency=chosen,
                information=form.cleaned_data["information"],
                lawful_basis=form.cleaned_data["lawful_basis"],
                actor=actor,
            )
        except disclosures.SharingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("What %(agency)s shared is recorded.") % {"agency": chosen.name})
            return redirect("panels:disclose", item_id=item.pk)
    purpose = reveal_form.cleaned_data["purpose"] if revealing and reveal_form.is_valid() else ""
    papers = papers_get(item=item, actor=actor, reveal_purpose=purpose)
    return render(
        request,
        "panels/disclose.html",
        {
            "item": item,
            "meeting": item.meeting,
            "panel": item.meeting.panel,
            "papers": papers,
            "form": form,
            "reveal_form": reveal_form,
            "is_open": item.meeting.status != MeetingStatus.CLOSED,
            "may_share": bool(agencies),
            "guiding_question": GUIDING_QUESTION,
        },
        status=400 if form.errors or reveal_form.errors else 200,
    )


class QuarterForm(GovukFormMixin, forms.Form):
    quarter = forms.ChoiceField(label=gettext_lazy("Quarter"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        latest = returns.Quarter.containing(timezone.localdate())
        offered = [latest]
        while len(offered) < QUARTERS_OFFERED:
            offered.append(offered[-1].previous())
        # An older quarter asked for by address (a saved link, say) is offered too; a future one is not.
        try:
            asked = returns.Quarter.parse(str(self.data.get("quarter", "")))
        except returns.ReturnError:
            asked = None
        if asked is not None and asked < offered[-1]:
            offered.append(asked)
        field = self.fields["quarter"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (
                str(q),
                _("%(start)s to %(end)s")
                % {"start": date_format(q.start, "F Y"), "end": date_format(q.end, "F Y")},
            )
            for q in offered
        ]
        # The last quarter that has ended: the one a return is made for.
        field.initial = str(latest.previous())

    def chosen(self) -> returns.Quarter:
        if self.is_bound and self.is_valid():
            return returns.Quarter.parse(self.cleaned_data["quarter"])
        return returns.Quarter.parse(str(self.fields["quarter"].initial))


@require_GET
def marac_return(request: HttpRequest, panel_id: uuid.UUID) -> HttpResponse:
    """The quarter's MARAC return: exact figures on the page for the coordinator, with the cells that are
    withheld on export marked; `?format=csv` downloads the suppressed return. Both are audited."""
    actor = actor_for(request)
    panel = selectors.marac_get(actor=actor, panel_id=panel_id, perm=Perm.PANEL_RETURN_VIEW)
    form = QuarterForm(request.GET if "quarter" in request.GET else None)
    quarter = form.chosen()
    result = returns.marac_return(panel, quarter)
    export = request.GET.get("format") == "csv" and not form.errors
    audit.entry_record(
        action=AuditAction.RECORD_VIEWED,
        actor=actor,
        record_type="marac_return",
        record_id=panel.pk,
        details={
            "quarter": str(quarter),
            "export": "csv" if export else "",
            "suppressed": result.any_suppressed,
        },
    )
    if export:
        response = HttpResponse(result.to_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="marac-return-{panel.slug or "panel"}-{quarter}.csv"'
        )
        return response
    return render(
        request,
        "panels/marac_return.html",
        {
            "panel": panel,
            "form": form,
            "result": result,
            "quarter": quarter,
            # The exact figures are for the coordinator who makes the return; everyone else sees what leaves.
            "exact": may_see_exact_return_figures(actor),
        },
        status=400 if form.errors else 200,
    )
