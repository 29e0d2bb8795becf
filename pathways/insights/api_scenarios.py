"""Scenarios through the API: a commissioner's draft services, read as the scenario page shows them (each
input with its label, the counts under the small-number rule, the simulated waits at each capacity), and
drafted and run through the page's own form, so that the API refuses what the page refuses."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pathways.core.api import IDEMPOTENCY_PARAMETER, ApiError, idempotent_create
from pathways.core.policy import Actor, actor_for
from pathways.insights.forms import ScenarioForm
from pathways.insights.models import Scenario
from pathways.insights.scenarios import (
    ADULTS_FROM,
    BREAKDOWNS,
    Labelled,
    draft_labels,
    figure,
    scenario_figures,
    scenarios_for,
)
from pathways.insights.views_scenarios import scenario_asked

FIGURE_HELP = gettext_lazy(
    'A count; "<5" for a count from 1 to 4, or "[c]" for one from which a withheld count could be worked out.'
)
# The form asks for up to three capacities, one box each; the API takes them as one list.
CAPACITY_FIELDS = ("capacity_1", "capacity_2", "capacity_3")
FORM_FIELDS = (
    "name",
    "tier",
    "areas",
    "genders",
    "age_min",
    "age_max",
    "children_required",
    "routes",
    "formats",
    "programme_weeks",
    "patience_weeks",
    "drop_out_during",
    "starts",
    "ends",
)


def _form_field(name: str) -> Any:
    return ScenarioForm.base_fields[name]


def _bounds(name: str) -> dict[str, Any]:
    """The limits the form puts on a number, for the schema to document them."""
    field = cast(forms.IntegerField, _form_field(name))
    return {"min_value": field.min_value, "max_value": field.max_value}


def _choices(name: str) -> list[tuple[str, str]]:
    return list(cast(forms.ChoiceField, _form_field(name)).choices)  # type: ignore[arg-type]


class ScenarioLabelledOut(serializers.Serializer[Any]):
    key = serializers.CharField(help_text=gettext_lazy("The value as the API takes it."))
    name = serializers.CharField(help_text=gettext_lazy("Its label, in the reader's language."))


class ScenarioSummaryOut(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField(help_text=gettext_lazy("The username of the commissioner who ran it."))
    starts = serializers.DateField(help_text=gettext_lazy("The first day of the past referrals tried."))
    ends = serializers.DateField(help_text=gettext_lazy("The last day of the past referrals tried."))
    rules_version = serializers.IntegerField(
        help_text=gettext_lazy("The version of the region's triage rules in force when it was run.")
    )


class ScenarioInputsOut(serializers.Serializer[Any]):
    tier = ScenarioLabelledOut()
    areas = ScenarioLabelledOut(many=True)
    genders = ScenarioLabelledOut(
        many=True, allow_null=True, help_text=gettext_lazy("Null: it takes everyone.")
    )
    age_min = serializers.IntegerField()
    age_max = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("Null: no upper age."))
    children_required = serializers.BooleanField(help_text=gettext_lazy("True: only families with children."))
    routes = ScenarioLabelledOut(many=True)
    formats = ScenarioLabelledOut(many=True)
    programme_weeks = serializers.IntegerField()
    patience_weeks = serializers.IntegerField()
    drop_out_during = serializers.IntegerField(help_text=gettext_lazy("In per cent."))
    capacities = serializers.ListField(child=serializers.IntegerField())


class ScenarioBreakdownRowOut(serializers.Serializer[Any]):
    key = serializers.CharField(
        help_text=gettext_lazy(
            "An area's id, a referral route, a tier, or where they went instead: a service's id, "
            "below_need:<service id>, unmet_need, declined or not_taken_up."
        )
    )
    name = serializers.CharField(help_text=gettext_lazy("What the key reads as, in the reader's language."))
    count = serializers.JSONField(help_text=FIGURE_HELP)


class ScenarioBreakdownsOut(serializers.Serializer[Any]):
    by_area = ScenarioBreakdownRowOut(many=True, help_text=gettext_lazy("Where they live."))
    by_route = ScenarioBreakdownRowOut(many=True, help_text=gettext_lazy("How they were referred."))
    by_tier = ScenarioBreakdownRowOut(many=True, help_text=gettext_lazy("The tier they needed."))
    by_group = ScenarioBreakdownRowOut(
        many=True,
        help_text=gettext_lazy(
            "The groups services leave out they are in: the groups overlap, so they do not add up to those "
            "taken. Disability is not counted: triage does not ask."
        ),
    )
    drawn_from = ScenarioBreakdownRowOut(many=True, help_text=gettext_lazy("Where they went instead."))


class ScenarioSimulatedOut(serializers.Serializer[Any]):
    places = serializers.IntegerField()
    mean_wait_weeks = serializers.FloatField(
        help_text=gettext_lazy("Mean weeks waited by those who started.")
    )
    p90_wait_weeks = serializers.FloatField()
    occupancy = serializers.FloatField(help_text=gettext_lazy("Share of the places in use, from 0 to 1."))
    started = serializers.FloatField()
    gave_up_waiting = serializers.FloatField()
    dropped_out = serializers.FloatField()
    completed = serializers.FloatField()
    waiting_at_end = serializers.FloatField()


class ScenarioResultsOut(serializers.Serializer[Any]):
    considered = serializers.JSONField(help_text=gettext_lazy('The referrals tried again; "<5" for 1 to 4.'))
    taken = serializers.JSONField(help_text=FIGURE_HELP)
    weeks = serializers.FloatField(help_text=gettext_lazy("The weeks the period of past referrals spans."))
    arrivals_per_week = serializers.JSONField(
        help_text=gettext_lazy('Those taken a week, which the simulation starts from; "[c]" when withheld.')
    )
    breakdowns = ScenarioBreakdownsOut()
    simulation_weeks = serializers.IntegerField()
    simulation_runs = serializers.IntegerField()
    simulation_seed = serializers.IntegerField()
    simulation = ScenarioSimulatedOut(
        many=True,
        help_text=gettext_lazy(
            "At each capacity, the means of the runs: the same inputs give the same figures. Empty when "
            "the number taken is withheld, since the figures would show it."
        ),
    )
    simulation_withheld = serializers.BooleanField()


class ScenarioOut(ScenarioSummaryOut):
    inputs = ScenarioInputsOut()
    results = ScenarioResultsOut()


class ScenarioIn(serializers.Serializer[Any]):
    """The scenario form's fields, for the schema: the form itself checks what is sent."""

    name = serializers.CharField(max_length=_form_field("name").max_length)
    tier = serializers.ChoiceField(_choices("tier"))
    areas = serializers.ListField(
        child=serializers.SlugField(),
        help_text=gettext_lazy("The ids of the region's areas it serves (see /api/v1/areas/)."),
    )
    genders = serializers.ListField(
        child=serializers.ChoiceField(_choices("genders")),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Leave out, or empty, for everyone."),
    )
    age_min = serializers.IntegerField(
        **_bounds("age_min"), required=False, help_text=gettext_lazy("Leave out for 18.")
    )
    age_max = serializers.IntegerField(
        **_bounds("age_max"),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("Leave out for no upper age."),
    )
    children_required = serializers.BooleanField(
        required=False, help_text=gettext_lazy("True: only families with children.")
    )
    routes = serializers.ListField(child=serializers.ChoiceField(_choices("routes")))
    formats = serializers.ListField(child=serializers.ChoiceField(_choices("formats")))
    programme_weeks = serializers.IntegerField(**_bounds("programme_weeks"))
    patience_weeks = serializers.IntegerField(
        **_bounds("patience_weeks"), help_text=gettext_lazy("0 if nobody gives up while waiting.")
    )
    drop_out_during = serializers.IntegerField(
        **_bounds("drop_out_during"), help_text=gettext_lazy("In per cent.")
    )
    capacities = serializers.ListField(
        child=serializers.IntegerField(**_bounds("capacity_1")),
        min_length=1,
        max_length=len(CAPACITY_FIELDS),
        help_text=gettext_lazy("The places to simulate it at, each run side by side."),
    )
    starts = serializers.DateField(help_text=gettext_lazy("The first day of the past referrals to try."))
    ends = serializers.DateField(
        help_text=gettext_lazy("The last day: the same as or after the first, at most 5 years on.")
    )


def _labelled(item: Labelled) -> dict[str, str]:
    return {"key": item.value, "name": item.label}


def _summary(scenario: Scenario) -> dict[str, Any]:
    return {
        "id": scenario.pk,
        "name": scenario.name,
        "created_at": scenario.created_at,
        "created_by": scenario.created_by.username,
        "starts": scenario.starts_on,
        "ends": scenario.ends_on,
        "rules_version": scenario.triage_rules.version,
    }


def scenario_out(scenario: Scenario) -> dict[str, Any]:
    draft = scenario.draft
    labels = draft_labels(draft=draft)
    results = scenario.results
    figures = scenario_figures(scenario=scenario)
    assumptions = results["assumptions"]
    return {
        **_summary(scenario),
        "inputs": {
            "tier": _labelled(labels.tier),
            "areas": [_labelled(a) for a in labels.areas],
            "genders": [_labelled(g) for g in labels.genders] if labels.genders is not None else None,
            "age_min": draft.get("age_min", ADULTS_FROM),
            "age_max": draft.get("age_max"),
            "children_required": bool(draft.get("children_required")),
            "routes": [_labelled(r) for r in labels.routes],
            "formats": [_labelled(f) for f in labels.formats],
            "programme_weeks": draft["programme_weeks"],
            "patience_weeks": draft["patience_weeks"],
            "drop_out_during": round(draft["drop_out_during"] * 100),
            "capacities": draft["capacities"],
        },
        "results": {
            "considered": figures.considered,
            "taken": figure(figures.taken),
            "weeks": results["weeks"],
            "arrivals_per_week": figure(figures.arrivals_per_week),
            "breakdowns": {
                key: [
                    {"key": row.value, "name": row.label, "count": figure(row.cell)}
                    for row in figures.breakdowns[key]
                ]
                for key in BREAKDOWNS
            },
            "simulation_weeks": assumptions["weeks"],
            "simulation_runs": assumptions["runs"],
            "simulation_seed": assumptions["seed"],
            # As on the page, without the simulated arrivals: they are those taken, scaled to the weeks run.
            "simulation": []
            if figures.taken.suppressed
            else [{k: v for k, v in r.items() if k != "arrived"} for r in results["simulation"]],
            "simulation_withheld": bool(figures.taken.suppressed),
        },
    }


def _readable(actor: Actor) -> Any:
    return scenarios_for(actor=actor).select_related("created_by", "region", "triage_rules")


def _form_data(body: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The body as the form would have it posted, with what is wrong in its shape."""
    data = {name: body[name] for name in FORM_FIELDS if body.get(name) is not None}
    # Left out, it takes adults of any age, as the form starts.
    data.setdefault("age_min", _form_field("age_min").initial)
    problems: dict[str, list[str]] = {}
    if "name" in data and not isinstance(data["name"], str):
        problems["name"] = [_("Enter the name as text")]
    capacities = body.get("capacities")
    if capacities is not None:
        if not isinstance(capacities, list) or len(capacities) > len(CAPACITY_FIELDS):
            problems["capacities"] = [
                _("Give from 1 to %(most)d capacities, as a list of numbers") % {"most": len(CAPACITY_FIELDS)}
            ]
        else:
            data.update(zip(CAPACITY_FIELDS, capacities, strict=False))
    return data, problems


def _api_field(name: str) -> str:
    if name in CAPACITY_FIELDS:
        return "capacities"
    return "non_field_errors" if name == "__all__" else name


class ScenarioListCreate(APIView):
    @extend_schema(
        summary=gettext_lazy("List scenarios"),
        description=gettext_lazy(
            "The scenarios drafted for your region, newest first: each draft service's name, when and by "
            "whom it was run, the period of past referrals it was tried against and the triage rules' "
            "version it was run under."
        ),
        responses={200: ScenarioSummaryOut(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response([_summary(s) for s in _readable(actor_for(request))])

    @extend_schema(
        summary=gettext_lazy("Draft and run a scenario"),
        description=gettext_lazy(
            "Drafts a service that does not exist yet, triages your region's past referrals of people who "
            "use abuse in the period again with it added, simulates its waiting list at each capacity, saves "
            "it and answers with it, as GET on the scenario would. The live region is never changed. The "
            "inputs are checked as the scenario page's form checks them: anything wrong is refused (400), "
            "naming the field, and nothing is saved."
        ),
        request=ScenarioIn,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: ScenarioOut,
            400: ApiError,
            409: OpenApiResponse(ApiError, description=gettext_lazy("No region is loaded yet.")),
            422: OpenApiResponse(ApiError, description="Idempotency-Key reused"),
        },
    )
    def post(self, request: Request) -> Response:
        return idempotent_create(
            request,
            endpoint="scenarios",
            create=lambda: self._create(request),
            replay=lambda record_id: Response(scenario_out(_scenario(actor_for(request), record_id))),
        )

    def _create(self, request: Request) -> tuple[Response, uuid.UUID | None]:
        if not isinstance(request.data, Mapping):
            raise ValidationError({"non_field_errors": [_("Send the draft service as a JSON object.")]})
        data, problems = _form_data(request.data)
        if problems:
            raise ValidationError(problems)
        form, region, scenario = scenario_asked(data=data, actor=actor_for(request))
        if region is None:
            return Response({"detail": _("No region is loaded yet.")}, status=status.HTTP_409_CONFLICT), None
        if scenario is None:
            errors: dict[str, list[str]] = {}
            for name, messages in form.errors.items():
                errors.setdefault(_api_field(name), []).extend(str(m) for m in messages)
            raise ValidationError(errors)
        found = _scenario(actor_for(request), scenario.pk)
        return Response(scenario_out(found), status=status.HTTP_201_CREATED), scenario.pk


def _scenario(actor: Actor, scenario_id: uuid.UUID) -> Scenario:
    found: Scenario | None = _readable(actor).filter(pk=scenario_id).first()
    if found is None:
        raise Http404
    return found


class ScenarioDetail(APIView):
    @extend_schema(
        summary=gettext_lazy("Get a scenario"),
        description=gettext_lazy(
            "A scenario as it was run: the draft's inputs, each with its label; whom it would have taken "
            "of the referrals tried, by where they live, how they were referred, the tier they needed and "
            "where they went instead, under the small-number rule as on the scenario page; and the "
            "simulated waits, drop-out and places in use at each capacity. A scenario of another region "
            "answers 404, as one that does not exist."
        ),
        responses={200: ScenarioOut, 404: ApiError},
    )
    def get(self, request: Request, scenario_id: uuid.UUID) -> Response:
        return Response(scenario_out(_scenario(actor_for(request), scenario_id)))
