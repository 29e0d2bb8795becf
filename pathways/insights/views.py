from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pathways.directory.choices import Tier
from pathways.insights.choices import Group
from pathways.insights.forms import GapMapFilterForm
from pathways.insights.selectors import gap_map_build
from pathways.standards.selectors import services_latest_counts


def gap_map_view(request: HttpRequest) -> HttpResponse:
    form = GapMapFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    result = gap_map_build(groups=filters.get("group") or [], as_at=filters.get("as_at"))
    template = "insights/_gap_map.html" if request.headers.get("HX-Request") else "insights/gap_map.html"
    tier_labels = dict(Tier.choices)
    table = [
        {"tier": tier, "label": tier_labels[tier], "cells": [cells[i] for _area, cells in result.rows]}
        for i, tier in enumerate(result.tiers)
    ]
    group_labels = [label for value, label in Group.choices if value in result.groups]
    # Each service named on the map carries its latest review's counts against the service standards.
    named = {s.pk: s for _area, cells in result.rows for cell in cells for s in cell.services}
    for service_id, counts in services_latest_counts(services=list(named.values())).items():
        named[service_id].standards_counts = counts  # type: ignore[attr-defined]
    return render(
        request, template, {"form": form, "map": result, "table": table, "group_labels": group_labels}
    )
