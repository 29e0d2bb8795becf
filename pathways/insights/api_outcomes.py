"""The outcomes through the API: the page's figures, with their definitions, as an export leaves them
(the small-number rule applied, whoever asks)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pathways.core.api import ApiError
from pathways.core.policy import actor_for
from pathways.core.smallnumbers import figure_shown
from pathways.insights.outcomes import BY_CHOICES, Row
from pathways.insights.views_outcomes import outcomes_asked


class MeasureOut(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField()
    section = serializers.CharField()
    definition = serializers.CharField()
    kind = serializers.CharField(help_text=gettext_lazy("count, days or percent."))


class RowOut(serializers.Serializer[Any]):
    key = serializers.CharField(help_text=gettext_lazy("A service's id, an area's id, a tier, or total."))
    name = serializers.CharField()
    figures = serializers.DictField(
        help_text=gettext_lazy(
            'Each figure by its key: a number, null where there is none, "<5" for a count from 1 to 4, '
            'or "[c]" for a figure from which one could be worked out.'
        )
    )


class QuarterOut(serializers.Serializer[Any]):
    quarter = serializers.CharField()
    starts = serializers.DateField()
    ends = serializers.DateField()
    figures = serializers.DictField()


class OutcomesOut(serializers.Serializer[Any]):
    starts = serializers.DateField()
    ends = serializers.DateField()
    by = serializers.CharField()
    measures = MeasureOut(many=True)
    rows = RowOut(many=True)
    total = RowOut()
    quarters = QuarterOut(many=True)


def _row(row: Row) -> dict[str, Any]:
    return {"key": row.key, "name": row.label, "figures": {k: figure_shown(c) for k, c in row.cells.items()}}


class OutcomesView(APIView):
    @extend_schema(
        summary=gettext_lazy("Get the outcomes"),
        description=gettext_lazy(
            "The outcomes of the services you read (your own, or your region's for a commissioner) over a "
            "period, one row per service, area, tier, group or age band, with the total's funnel quarter by "
            "quarter. Every figure has its definition. Small numbers are withheld as in every export. A bad "
            "parameter is refused (400) with the reason."
        ),
        parameters=[
            OpenApiParameter(
                "period",
                str,
                description=gettext_lazy("A year (2026), a quarter (2026-Q1) or range; default this year."),
            ),
            OpenApiParameter(
                "starts",
                str,
                description=gettext_lazy(
                    "With period=range: the first day, as starts_day, starts_month and starts_year; the last "
                    "as ends_day, ends_month and ends_year."
                ),
            ),
            OpenApiParameter("service", str, description=gettext_lazy("One service's slug.")),
            OpenApiParameter("by", str, enum=[key for key, _label in BY_CHOICES]),
            OpenApiParameter("tier", str, description=gettext_lazy("Only the services of one tier.")),
        ],
        responses={200: OutcomesOut, 400: ApiError},
    )
    def get(self, request: Request) -> Response:
        actor = actor_for(request)
        form, _services, figures = outcomes_asked(query=request.query_params, actor=actor, exact=False)
        if figures is None:
            raise ValidationError({name: [str(e) for e in errors] for name, errors in form.errors.items()})
        return Response(
            {
                "starts": figures.period.start,
                "ends": figures.period.end,
                "by": figures.by,
                "measures": [
                    {
                        "key": m.key,
                        "name": str(m.label),
                        "section": str(m.section),
                        "definition": str(m.definition),
                        "kind": m.kind,
                    }
                    for m in figures.measures
                ],
                "rows": [_row(r) for r in figures.rows],
                "total": _row(figures.total),
                "quarters": [
                    {
                        "quarter": q.label,
                        "starts": q.start,
                        "ends": q.end,
                        "figures": {k: figure_shown(c) for k, c in cells.items()},
                    }
                    for q, cells in figures.trend
                ],
            }
        )
