"""The commissioner's scenarios: draft a service, see whom it would have taken from the region's past
referrals and how long people would wait at each capacity, saved to read again later."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.csvexport import TABLE_FORMATS, table_download
from pathways.core.policy import Actor, actor_for
from pathways.core.smallnumbers import Cell, figure_shown
from pathways.directory.models import Area, Region
from pathways.insights import charts
from pathways.insights.forms import ScenarioForm
from pathways.insights.models import Scenario
from pathways.insights.scenarios import (
    BREAKDOWNS,
    ScenarioError,
    ScenarioFigures,
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


def _scenario_read(request: HttpRequest, scenario_id: uuid.UUID) -> Scenario:
    scenario: Scenario | None = (
        scenarios_for(actor=actor_for(request))
        .select_related("region", "triage_rules")
        .filter(pk=scenario_id)
        .first()
    )
    if scenario is None:
        raise Http404
    return scenario


def _scenario_tables(
    scenario: Scenario,
) -> tuple[ScenarioFigures, list[tuple[str, list[tuple[str, str]]]], bool]:
    """The scenario's figures, whom it took as tables of (label, text) under the small-number rule, and
    whether its simulation is withheld: it starts from those taken a week, so with them withheld its
    figures could be run back to the number."""
    figures = scenario_figures(scenario=scenario)
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
    return figures, tables, bool(figures.taken.suppressed)


@require_http_methods(["GET", "HEAD"])
def scenario_view(request: HttpRequest, scenario_id: uuid.UUID) -> HttpResponse:
    scenario = _scenario_read(request, scenario_id)
    results = scenario.results
    figures, tables, withheld = _scenario_tables(scenario)
    simulated = [] if withheld else results["simulation"]
    waits = [
        (
            _("%(places)s places") % {"places": r["places"]},
            Cell(str(r["places"]), "", "", r["mean_wait_weeks"], is_rate=True, unit="", suppressible=False),
        )
        for r in simulated
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


SIMULATED = (
    ("mean_wait_weeks", gettext_lazy("Mean wait (weeks)")),
    ("p90_wait_weeks", gettext_lazy("90th percentile wait (weeks)")),
    ("occupancy", gettext_lazy("Places in use")),
    ("started", gettext_lazy("Started")),
    ("gave_up_waiting", gettext_lazy("Gave up waiting")),
    ("dropped_out", gettext_lazy("Dropped out")),
    ("completed", gettext_lazy("Completed")),
    ("waiting_at_end", gettext_lazy("Still waiting at the end")),
)


def scenario_rows(scenario: Scenario) -> list[list[object]]:
    """The scenario as an export leaves it: its draft, whom it would have taken and each capacity's
    simulated figures, a line a figure, under the same rule as the page."""
    figures, tables, withheld = _scenario_tables(scenario)
    labels = draft_labels(draft=scenario.draft)
    draft = scenario.draft
    rows: list[list[object]] = [[_("Table"), _("Row"), _("Figure")]]
    the_draft = _("The draft")
    rows += [
        [the_draft, _("Name"), scenario.name],
        [the_draft, _("Tier"), labels.tier.label],
        [the_draft, _("Areas"), ", ".join(a.label for a in labels.areas)],
        [
            the_draft,
            _("Who it is for"),
            ", ".join(g.label for g in labels.genders) if labels.genders else _("Everyone"),
        ],
        [the_draft, _("Ages"), labels.ages],
        [the_draft, _("Families"), labels.families],
        [the_draft, _("Referral routes"), ", ".join(r.label for r in labels.routes)],
        [the_draft, _("Formats"), ", ".join(f.label for f in labels.formats)],
        [the_draft, _("Programme length, in weeks"), draft["programme_weeks"]],
        [
            the_draft,
            _("Weeks people wait for a place, on average, before giving up"),
            draft["patience_weeks"],
        ],
        [the_draft, _("Drop-out during the programme, in per cent"), round(draft["drop_out_during"] * 100)],
        [the_draft, _("Past referrals from"), scenario.starts_on.isoformat()],
        [the_draft, _("Past referrals to"), scenario.ends_on.isoformat()],
        [the_draft, _("Triage rules"), scenario.triage_rules.version],
    ]
    taken = _("Whom it would have taken")
    rows.append([taken, _("Referrals considered"), figures.considered])
    rows.append([taken, _("Taken"), figure_shown(figures.taken)])
    for title, lines in tables:
        rows += [[title, label, text] for label, text in lines]
    if not withheld:
        for r in scenario.results["simulation"]:
            table = _("Simulation: %(places)s places") % {"places": r["places"]}
            rows += [[table, str(label), r[key]] for key, label in SIMULATED]
    return rows


@require_http_methods(["GET", "HEAD"])
def scenario_export(request: HttpRequest, scenario_id: uuid.UUID) -> HttpResponse:
    chosen_format = request.GET.get("format", "csv")
    if chosen_format not in TABLE_FORMATS:
        raise Http404
    scenario = _scenario_read(request, scenario_id)
    audit.entry_record(
        action=AuditAction.RECORD_VIEWED,
        actor=actor_for(request),
        record_type="scenario",
        record_id=scenario.pk,
        details={"export": chosen_format},
    )
    return table_download(
        rows=scenario_rows(scenario),
        chosen=chosen_format,
        filename=f"scenario-{scenario.created_at.date().isoformat()}",
        sheet=_("Scenario"),
    )
