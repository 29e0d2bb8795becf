"""The case's reviews: what is due, what was held (who attended and advised, what it found and decided),
and the form to record a review held."""

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
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pathways.accounts.models import Agency
from pathways.cases import selectors
from pathways.cases.choices import AdviserRole, CaseStatus, ReviewDecision, ReviewKind
from pathways.cases.models import Case
from pathways.cases.models.reviews import OUTCOME_MAX
from pathways.cases.selectors.reviews import (
    SCHEDULED_KINDS,
    case_reviews_due,
    case_reviews_held,
    case_reviews_waiting,
    review_agencies,
    reviews_summary,
)
from pathways.cases.services.base import CaseError
from pathways.cases.services.reviews import (
    ADVISER_ROWS,
    ADVISER_TEXT_MAX,
    AdviserInput,
    case_review_hold,
    case_review_schedule,
)
from pathways.cases.views.sections import OVERVIEW_PARTS, case_page_context
from pathways.core.forms import DayMonthYearField, GovukFormMixin
from pathways.core.policy import Actor, Perm, actor_for, allows


class HoldReviewForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of review"),
        choices=[(k.value, k.label) for k in SCHEDULED_KINDS],
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose the kind of review"),
            "invalid_choice": gettext_lazy("Choose the kind of review"),
        },
    )
    held_on = DayMonthYearField(
        label=gettext_lazy("Date held"),
        error_messages={"required": gettext_lazy("Enter the date the review was held")},
    )
    agencies = forms.MultipleChoiceField(
        label=gettext_lazy("Agencies attending"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": gettext_lazy("Choose agencies from the list")},
    )
    outcome = forms.CharField(
        label=gettext_lazy("What the review found"),
        max_length=OUTCOME_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Never write a partner's or child's address, phone number, email or school."),
        error_messages={"required": gettext_lazy("Enter what the review found")},
    )
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=ReviewDecision.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose what the review decided"),
            "invalid_choice": gettext_lazy("Choose what the review decided"),
        },
    )

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        self.agency_by_pk = {str(a.pk): a for a in agencies}
        super().__init__(*args, **kwargs)
        field = self.fields["agencies"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(a.pk), a.name) for a in agencies]
        for n in range(1, ADVISER_ROWS + 1):
            self.fields[f"adviser_{n}_name"] = forms.CharField(
                label=_("Adviser %(n)s: name") % {"n": n}, max_length=ADVISER_TEXT_MAX, required=False
            )
            self.fields[f"adviser_{n}_role"] = forms.ChoiceField(
                label=_("Adviser %(n)s: role") % {"n": n},
                choices=[("", _("Choose a role")), *AdviserRole.choices],
                required=False,
                error_messages={"invalid_choice": _("Choose the adviser's role")},
            )
            self.fields[f"adviser_{n}_organisation"] = forms.CharField(
                label=_("Adviser %(n)s: organisation") % {"n": n}, max_length=ADVISER_TEXT_MAX, required=False
            )
        # GovukFormMixin styles the fields it finds when made: the adviser rows are added after it.
        for name, added in self.fields.items():
            if name.startswith("adviser_"):
                css = "govuk-select" if isinstance(added.widget, forms.Select) else "govuk-input"
                added.widget.attrs.setdefault("class", css)

    def adviser_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"adviser_{n}_{part}"] for part in ("name", "role", "organisation")]
            for n in range(1, ADVISER_ROWS + 1)
        ]

    def advisers(self) -> list[AdviserInput]:
        data = self.cleaned_data
        return [
            AdviserInput(
                name=data.get(f"adviser_{n}_name") or "",
                role=data.get(f"adviser_{n}_role") or "",
                organisation=data.get(f"adviser_{n}_organisation") or "",
            )
            for n in range(1, ADVISER_ROWS + 1)
        ]

    def chosen_agencies(self) -> list[Agency]:
        return [self.agency_by_pk[pk] for pk in self.cleaned_data.get("agencies") or []]


@require_http_methods(["GET", "HEAD", "POST"])
def reviews_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    writable = allows(actor, Perm.CASE_CHANGE) and case.status == CaseStatus.OPEN
    if writable and request.method != "POST":
        # The next reviews are put on the case worker's tasks as soon as anyone opens the page.
        case_review_schedule(case=case, actor=actor)
    form = HoldReviewForm(
        request.POST if request.method == "POST" else None, agencies=review_agencies(case=case)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                case_review_hold(
                    actor=actor,
                    case=case,
                    kind=form.cleaned_data["kind"],
                    held_on=form.cleaned_data["held_on"],
                    agencies=form.chosen_agencies(),
                    advisers=form.advisers(),
                    outcome=form.cleaned_data["outcome"],
                    decision=form.cleaned_data["decision"],
                )
            except CaseError as error:
                form.add_error(error.field if error.field in form.fields else None, str(error))
            else:
                messages.success(request, _("The review is recorded and the next one is scheduled."))
                return redirect("cases:reviews", case_id=case.pk)
    return render(
        request,
        "cases/reviews.html",
        {
            **case_page_context(request, actor=actor, case=case, current="cases:reviews"),
            "due": case_reviews_due(case=case, today=timezone.localdate()),
            "waiting": [
                r
                for r in case_reviews_waiting(actor=actor, case=case)
                if r.kind == ReviewKind.POST_INTERVENTION
            ],
            "held": case_reviews_held(actor=actor, case=case),
            # What the review found and who advised it, withheld where it holds a detail sealed since.
            "markers": selectors.case_sealed_markers(case=case),
            "form": form if writable or request.method == "POST" else None,
        },
        status=status,
    )


def reviews_overview(actor: Actor, case: Case) -> dict[str, Any]:
    return {
        "summary": reviews_summary(case=case, today=timezone.localdate()),
        "href": reverse("cases:reviews", kwargs={"case_id": case.pk}),
    }


OVERVIEW_PARTS.append(("cases/parts/reviews.html", reviews_overview))
