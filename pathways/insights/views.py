from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.csvexport import TABLE_FORMATS, download_refused, table_download
from pathways.core.policy import actor_for
from pathways.core.smallnumbers import figure_shown
from pathways.directory.choices import Tier
from pathways.insights import charts
from pathways.insights.choices import Group
from pathways.insights.forms import GapMapFilterForm
from pathways.insights.selectors import GapMap, gap_map_build
from pathways.standards.selectors import services_latest_counts


def _gap_map_asked(request: HttpRequest) -> tuple[GapMapFilterForm, GapMap]:
    form = GapMapFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, gap_map_build(groups=filters.get("group") or [], as_at=filters.get("as_at"))


def _need_charts(result: GapMap) -> list[dict[str, Any]]:
    """Unmet need and need placed below the tier needed, a bar a tier and area that has any, drawn from
    the figures the map shows, so that a withheld one is withheld in the picture too."""
    tier_labels = dict(Tier.choices)
    drawn = []
    # GOV.UK's red and purple: each at least 3:1 against the page, told apart by the title, not colour.
    for key, colour, title, desc, figure in (
        (
            "unmet-chart",
            "#d4351c",
            _("Unmet need: referrals no service could take"),
            _(
                "For each tier and area with any, the referrals no service could take; the same figures "
                "are in the table below."
            ),
            "unmet_shown",
        ),
        (
            "below-chart",
            "#912b88",
            _("Placed below need: referrals sent to a service below the tier needed"),
            _(
                "For each tier and area with any, the referrals sent to a service below the tier they "
                "needed; the same figures are in the table below."
            ),
            "below_shown",
        ),
    ):
        items = [
            (
                _("%(tier)s, %(area)s") % {"tier": tier_labels[tier], "area": area.name},
                getattr(cells[i], figure),
            )
            for i, tier in enumerate(result.tiers)
            for area, cells in result.rows
            if getattr(cells[i], figure).value
        ]
        if items:
            drawn.append(
                {
                    "id": key,
                    "colour": colour,
                    "title": title,
                    "desc": desc,
                    "chart": charts.bars(items=items, suppressed=True),
                    "rows": [(label, charts.cell_text(c, suppressed=True)) for label, c in items],
                }
            )
    return drawn


def gap_map_view(request: HttpRequest) -> HttpResponse:
    form, result = _gap_map_asked(request)
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
    query = request.GET.urlencode()
    return render(
        request,
        template,
        {
            "form": form,
            "map": result,
            "table": table,
            "group_labels": group_labels,
            "need_charts": _need_charts(result),
            "query": query,
        },
    )


def gap_map_rows(result: GapMap) -> list[list[object]]:
    """The map as an export leaves it: a line an area and tier, need figures under the small-number rule."""
    tier_labels = dict(Tier.choices)

    def names(services: list[Any]) -> str:
        return "; ".join(s.name for s in services)

    rows: list[list[object]] = [
        [
            _("Area"),
            _("Tier"),
            _("Services running"),
            _("Services"),
            _("Not stated"),
            _("Recently closed"),
            _("Unmet need"),
            _("Placed below need"),
            _("Why"),
        ]
    ]
    for i, tier in enumerate(result.tiers):
        for area, cells in result.rows:
            cell = cells[i]
            rows.append(
                [
                    area.name,
                    str(tier_labels[tier]),
                    cell.count,
                    names(cell.services),
                    names(cell.not_stated),
                    names(cell.recently_closed),
                    figure_shown(cell.unmet_shown),
                    figure_shown(cell.below_shown),
                    "; ".join(f"{text}: {f.exported}" for text, f in cell.reasons_shown),
                ]
            )
    return rows


@require_http_methods(["GET", "HEAD"])
def gap_map_export(request: HttpRequest) -> HttpResponse:
    chosen_format = request.GET.get("format", "csv")
    if chosen_format not in TABLE_FORMATS:
        raise Http404
    form, result = _gap_map_asked(request)
    if form.is_bound and not form.is_valid():
        return download_refused(form)
    audit.entry_record(
        action=AuditAction.RECORD_VIEWED,
        actor=actor_for(request),
        record_type="gap_map",
        details={"export": chosen_format, "groups": result.groups, "as_at": result.as_at.isoformat()},
    )
    return table_download(
        rows=gap_map_rows(result),
        chosen=chosen_format,
        filename=f"gap-map-{result.as_at.isoformat()}",
        sheet=_("Gap map"),
    )
