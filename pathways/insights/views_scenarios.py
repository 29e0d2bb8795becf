"""The commissioner's scenarios: draft a service, see whom it would have taken from the region's past
referrals and how long people would wait at each capacity, saved to read again later."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.core.policy import Actor, actor_for
from pathways.core.smallnumbers import Cell
from pathways.directory.models import Area, Region
from pathways.insights import charts
from pathways.insights.forms import ScenarioForm
from pathways.insights.models import Scenario
from pathways.insights.scenarios import (
    BREAKDOWNS,
    ScenarioError,
    draft_labels,
    scenario_figures,
    scenario_region,
    scenario_run,
    scenarios_for,
)


def scenario_asked(
    *, data: Mapping[str, Any] | None, actor: Actor
) -> tuple[ScenarioForm, Region | None, Scenario | None]:
    """The scenario form, the actor's region and, when the form came valid, the scenario drafted and run
    from it; otherwise None, with the reasons on the form. The page and the API draft through this one
    form, so that both refuse the same inputs with the same words."""
    region = scenario_region(actor=actor)
    areas = [(a.slug, a.name) for a in Area.objects.filter(region=region, in_region=True)] if region else []
    form = ScenarioForm(data, areas=areas)
    if data is None or region is None or not form.is_valid():
        return form, region, None
    try:
        scenario = scenario_run(
            actor=actor,
            region=region,
            draft=form.draft(),
            starts=form.cleaned_data["starts"],
            ends=form.cleaned_data["ends"],
        )
    except ScenarioError as error:
        form.add_error(error.field, str(error))
        return form, region, None
    return form, region, scenario


@require_http_methods(["GET", "HEAD", "POST"])
def scenarios_view(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request)
    posted = request.method == "POST"
    form, region, scenario = scenario_asked(data=request.POST if posted else None, actor=actor)
    if scenario is not None:
        return redirect("insights:scenario", scenario_id=scenario.pk)
    return render(
        request,
        "insights/scenarios.html",
        {"form": form, "scenarios": list(scenarios_for(actor=actor)), "region": region},
        status=400 if posted and region is not None else 200,
    )


@require_http_methods(["GET", "HEAD"])
def scenario_view(request: HttpRequest, scenario_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    scenario: Scenario | None = (
        scenarios_for(actor=actor).select_related("region", "triage_rules").filter(pk=scenario_id).first()
    )
    if scenario is None:
        raise Http404
    results = scenario.results
    figures = scenario_figures(scenario=scenario)
    # The simulation starts from those taken a week: with them withheld, its figures could be run back
    # to the number, so they are withheld too.
    withheld = bool(figures.taken.suppressed)
    simulated = [] if withheld else results["simulation"]
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
        "by_group": _("The groups services leave out they are in (a person may be in several)"),
        "drawn_from": _("Where they went instead"),
    }
    tables = [
        (
            titles[key],
            [(row.label, charts.cell_text(row.cell, suppressed=True)) for row in figures.breakdowns[key]],
        )
        for key in BREAKDOWNS
    ]
    labels = draft_labels(draft=scenario.draft)
    return render(
        request,
        "insights/scenario.html",
        {
            "scenario": scenario,
            "draft": scenario.draft,
            "labels": {
                "tier": labels.tier.label,
                "areas": [a.label for a in labels.areas],
                "genders": [g.label for g in labels.genders] if labels.genders is not None else None,
                "routes": [r.label for r in labels.routes],
                "formats": [f.label for f in labels.formats],
                "ages": labels.ages,
                "families": labels.families,
            },
            "results": results,
            "taken": charts.cell_text(figures.taken, suppressed=True),
            "considered": figures.considered,
            "arrivals_withheld": bool(figures.arrivals_per_week.suppressed),
            "tables": tables,
            "simulated": simulated,
            "simulation_withheld": withheld,
            "nobody_taken": not withheld and results["taken"] == 0,
            "waits_chart": charts.bars(items=waits, suppressed=False),
            "waits_rows": [(label, charts.cell_text(c, suppressed=False)) for label, c in waits],
            "drop_out_percent": round(scenario.draft["drop_out_during"] * 100),
        },
    )
