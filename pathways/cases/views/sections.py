"""The case page's sections: one page each, under one header, so that a long case stays readable and each
part of the work has its own address. Each section's module adds itself here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pathways.cases import selectors
from pathways.cases.models import Case
from pathways.cases.selectors.sessions import sessions_overview
from pathways.core.access import Side
from pathways.core.policy import Actor


@dataclass(frozen=True)
class Section:
    url_name: str
    label: str | Promise
    # The side of a family whose cases have the section (None: every case).
    side: str | None = None


# In the order they show. The overview's parts are below.
SECTIONS: list[Section] = [
    Section("cases:detail", _("Overview")),
    Section("cases:contact", _("Contact and consent")),
    Section("cases:safety", _("Safety updates"), side=Side.VICTIM),
    Section("cases:plan", _("Plan")),
    Section("cases:sessions", _("Sessions")),
    Section("cases:assessments", _("Assessments and risk")),
    Section("cases:notes", _("Notes")),
    Section("cases:reviews", _("Reviews")),
    Section("cases:ending", _("Ending")),
]

# What the overview shows of each section: a template and the function giving its context
# (actor, case) -> dict. Each section's module adds its own.
OVERVIEW_PARTS: list[tuple[str, Callable[[Actor, Case], dict[str, Any]]]] = [
    ("cases/_sessions_overview.html", sessions_overview),
]


# The order the overview shows them in: what needs acting on first, then the work in the sections' order.
OVERVIEW_ORDER = [
    "cases/parts/alerts.html",
    "cases/contact_overview.html",
    "cases/parts/victims.html",
    "cases/_plan_overview.html",
    "cases/_sessions_overview.html",
    "cases/_assessment_overview.html",
    "cases/parts/notes.html",
    "cases/parts/reviews.html",
    "cases/parts/ending.html",
]


def overview_parts() -> list[tuple[str, Callable[[Actor, Case], dict[str, Any]]]]:
    rank = {template: n for n, template in enumerate(OVERVIEW_ORDER)}
    return sorted(OVERVIEW_PARTS, key=lambda part: rank.get(part[0], len(rank)))


def case_page_context(request: HttpRequest, *, actor: Actor, case: Case, current: str) -> dict[str, Any]:
    """What every section's page needs for the case's header and the sections' navigation."""
    return {
        "case": case,
        "name": selectors.caseload_name(actor=actor, case=case),
        "sections": [
            {
                "label": s.label,
                "href": reverse(s.url_name, kwargs={"case_id": case.pk}),
                "current": s.url_name == current,
            }
            for s in SECTIONS
            if s.side is None or s.side == case.person.side
        ],
    }
