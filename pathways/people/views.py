from __future__ import annotations

import uuid

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from pathways.core.policy import actor_for, can_see_sealed
from pathways.people import selectors
from pathways.people.forms import PeopleSearchForm, RevealForm
from pathways.people.models import SEALED_FIELDS, Person
from pathways.people.sealed import markers_by_person, sealed_reveal


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
            "markers": markers_by_person([person.pk]).get(person.pk, []),
            "referrals": selectors.person_referrals(actor=actor, person=person),
        },
    )


def person_search(request: HttpRequest) -> HttpResponse:
    """Find anyone the reader may see, by name, date of birth or a reference: through the access policy,
    so a record the reader may not see is not found, exactly as if it were not there."""
    actor = actor_for(request)
    form = PeopleSearchForm(request.GET or None)
    asked = form.cleaned_data if form.is_valid() else {}
    found = selectors.people_search(
        actor=actor,
        name=asked.get("name", ""),
        date_of_birth=asked.get("date_of_birth"),
        reference=asked.get("reference", ""),
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    shown = selectors.people_by_id(ids=list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/search.html",
        {
            "form": form,
            "page": page,
            "people": shown,
            "asked": bool(asked and any(asked.values())),
            "query": query.urlencode(),
        },
    )
