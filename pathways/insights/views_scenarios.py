"""The commissioner's scenarios: draft a service, see whom it would have taken from the region's past
referrals and how long people would wait at each capacity, saved to read again later."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.core.policy import actor_for
from pathways.core.smallnumbers import Cell, count_shown, suppress
from pathways.directory.choices import ReferralRoute, Tier
from pathways.directory.models import Area, Region, Service
from pathways.insights import charts
from pathways.insights.forms import ScenarioForm
from pathways.insights.models import Scenario
from pathways.insights.scenarios import Draft, ScenarioError, scenario_run, scenarios_for

BREAKDOWNS = ("by_area", "by_route", "by_tier", "drawn_from")


def _region(actor: Any) -> Region | None:
    return Region.objects.filter(areas__agencies=actor.agency).first() if actor.agency is not None else None


@require_http_methods(["GET", "HEAD", "POST"])
def scenarios_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    region = _region(actor)
    areas = [(a.slug, a.name) for a in Area.objects.filter(region=region, in_region=True)] if region else []
    form = ScenarioForm(request.POST if request.method == "POST" else None, areas=areas)
    status = 200
    if request.method == "POST" and region is not None:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            draft = Draft(
                name=data["name"],
                tier=data["tier"],
                areas=data["areas"],
                genders=data["genders"] or None,
                routes=data["routes"],
                formats=data["formats"],
                programme_weeks=data["programme_weeks"],
                patience_weeks=data["patience_weeks"],
                drop_out_during=data["drop_out_during"] / 100,
                capacities=form.capacities(),
            )
            try:
                scenario = scenario_run(
                    actor=actor, region=region, draft=draft, starts=data["starts"], ends=data["ends"]
                )
            except ScenarioError as error:
                form.add_error(error.field, str(error))
            else:
                return redirect("insights:scenario", scenario_id=scenario.pk)
    return render(
        request,
        "insights/scenarios.html",
        {"form": form, "scenarios": list(scenarios_for(actor=actor)), "region": region},
        status=status,
    )


def _labels(key: str) -> dict[str, str]:
    if key == "by_area":
        return {a.slug: a.name for a in Area.objects.all()}
    if key == "by_route":
        return {k: str(v) for k, v in ReferralRoute.choices}
    if key == "by_tier":
        return {k: str(v) for k, v in Tier.choices}
    names = {s.slug: s.name for s in Service.objects.all()}
    found = {
        "unmet_need": _("Nowhere: no service fitted (unmet need)"),
        "declined": _("Nowhere: declined and not placed again"),
        "not_taken_up": _("Nowhere: not taken up"),
    }
    for slug, name in names.items():
        found[slug] = name
        found[f"below_need:{slug}"] = _("%(service)s, below the tier needed") % {"service": name}
    return found


def _tables(results: dict[str, Any]) -> tuple[Cell, list[tuple[str, list[tuple[str, str]]]]]:
    """The counts, under the small-number rule: each breakdown adds up to those taken."""
    taken = Cell("taken", "", "", results["taken"])
    cells: dict[str, Cell] = {"taken": taken}
    groups: list[tuple[str, list[str]]] = []
    for key in BREAKDOWNS:
        parts = []
        for value, n in results[key].items():
            cell = Cell(f"{key}|{value}", "", "", n)
            cells[cell.key] = cell
            parts.append(cell.key)
        groups.append(("taken", parts))
    suppress(cells, groups)
    tables = []
    for key in BREAKDOWNS:
        labels = _labels(key)
        rows = [
            (labels.get(value, value), charts.cell_text(cells[f"{key}|{value}"], suppressed=True))
            for value in results[key]
        ]
        tables.append((key, rows))
    return taken, tables


@require_http_methods(["GET", "HEAD"])
def scenario_view(request: HttpRequest, scenario_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    scenario: Scenario | None = scenarios_for(actor=actor).filter(pk=scenario_id).first()
    if scenario is None:
        raise Http404
    results = scenario.results
    taken, tables = _tables(results)
    simulated = results["simulation"]
    waits = [
        (
            _("%(places)s places") % {"places": r["places"]},
            Cell(str(r["places"]), "", "", r["mean_wait_weeks"], is_rate=True, unit="", suppressible=False),
        )
        for r in simulated
    ]
    titles = {
        "by_area": _("Where they live"),
        "by_route": _("How they were referred"),
        "by_tier": _("The tier they needed"),
        "drawn_from": _("Where they went instead"),
    }
    return render(
        request,
        "insights/scenario.html",
        {
            "scenario": scenario,
            "draft": scenario.draft,
            "results": results,
            "taken": charts.cell_text(taken, suppressed=True),
            "considered": count_shown(results["considered"]),
            "tables": [(titles[key], rows) for key, rows in tables],
            "simulated": simulated,
            "waits_chart": charts.bars(items=waits, suppressed=False),
            "waits_rows": [(label, charts.cell_text(c, suppressed=False)) for label, c in waits],
            "tier_label": dict(Tier.choices).get(scenario.draft["tier"], scenario.draft["tier"]),
            "drop_out_percent": round(scenario.draft["drop_out_during"] * 100),
        },
    )
