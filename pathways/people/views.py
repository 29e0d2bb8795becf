from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from pathways.core.policy import actor_for, can_see_sealed
from pathways.people import selectors
from pathways.people.forms import RevealForm
from pathways.people.models import SEALED_FIELDS, Person
from pathways.people.sealed import sealed_reveal


@require_http_methods(["GET", "POST"])
def person_detail(request: HttpRequest, person_id: uuid.UUID, reveal: bool = False) -> HttpResponse:
    """A person's record. Sealed details show only after a POST that gives a purpose, and only for roles with
    a stated need; the revealed values are in that one response and never stored in the session."""
    actor = actor_for(request)
    person = selectors.person_get(actor=actor, person_id=person_id)
    may_reveal = can_see_sealed(actor, person)
    form = RevealForm(request.POST if reveal and request.method == "POST" else None)
    revealed: dict[str, str | None] = {}
    if reveal and request.method == "POST" and may_reveal and form.is_valid():
        for name in SEALED_FIELDS:
            revealed[name] = sealed_reveal(
                actor=actor,
                record=person,
                value=getattr(person, name),
                field=name,
                purpose=form.cleaned_data["purpose"],
            )
    labels = {f.name: f.verbose_name for f in Person._meta.fields}
    sealed = [(name, labels[name], getattr(person, name) is not None) for name in SEALED_FIELDS]
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "sealed": sealed,
            "may_reveal": may_reveal,
            "revealed": revealed,
            "form": form,
            "relationships": selectors.relationships_for(actor=actor, person=person),
            "referrals": selectors.person_referrals(actor=actor, person=person),
        },
    )
